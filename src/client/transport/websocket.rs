//! The WebSocket transport: one connection, frames in and out, each written at once.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::{MAX_MESSAGE, TransportError, excerpt};

/// One frame from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Text(Utf8Bytes),
    Binary(Bytes),
}

pub struct WebSocket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How to open the WebSocket.
pub struct Options<'a> {
    pub headers: &'a [(String, String)],
    pub insecure: bool,
    /// The read buffer: small for a load generator holding thousands of connections.
    pub read_buffer: usize,
}

/// Open `url` (ws:// or wss://) with the user's headers. Unbounded in time: the caller's
/// connect timeout bounds it.
pub async fn connect(url: &url::Url, options: &Options<'_>) -> Result<WebSocket, TransportError> {
    let port = url.port_or_known_default().unwrap_or(0);
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| TransportError::Io(e.to_string()))?;
    for (name, value) in options.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| TransportError::Io(format!("header {name:?}: {e}")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|e| TransportError::Io(format!("header {name}: {e}")))?;
        request.headers_mut().append(name, value);
    }
    let config = WebSocketConfig::default()
        .read_buffer_size(options.read_buffer)
        // Write each frame at once: someone waits for its answer.
        .write_buffer_size(0)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let connector = if url.scheme() == "wss" {
        Connector::Rustls(super::super::tls::config(options.insecure))
    } else {
        Connector::Plain
    };
    let (ws, _response) = tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(config),
        true,
        Some(connector),
    )
    .await
    .map_err(|e| classify(e, port))?;
    Ok(WebSocket { ws })
}

fn classify(error: tungstenite::Error, port: u16) -> TransportError {
    match error {
        tungstenite::Error::Http(response) => TransportError::Http {
            status: response.status().as_u16(),
            reason: response
                .status()
                .canonical_reason()
                .unwrap_or("")
                .to_owned(),
            content_type: response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: response.body().as_deref().map(excerpt).unwrap_or_default(),
        },
        tungstenite::Error::Capacity(_) => TransportError::TooLarge,
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            TransportError::Closed
        }
        other => TransportError::from_error(&other, port),
    }
}

impl WebSocket {
    /// The next text or binary frame; `Closed` once the server closed. Cancel-safe.
    pub async fn recv(&mut self) -> Result<Frame, TransportError> {
        loop {
            match self.ws.next().await {
                None => return Err(TransportError::Closed),
                Some(Err(e)) => return Err(classify(e, 0)),
                Some(Ok(Message::Text(text))) => return Ok(Frame::Text(text)),
                Some(Ok(Message::Binary(data))) => return Ok(Frame::Binary(data)),
                Some(Ok(Message::Close(_))) => return Err(TransportError::Closed),
                // tungstenite answers WebSocket pings itself.
                Some(Ok(_)) => {}
            }
        }
    }

    pub async fn send_text(&mut self, text: impl Into<Utf8Bytes>) -> Result<(), TransportError> {
        self.send(Message::Text(text.into())).await
    }

    pub async fn send_binary(&mut self, data: Bytes) -> Result<(), TransportError> {
        self.send(Message::Binary(data)).await
    }

    async fn send(&mut self, message: Message) -> Result<(), TransportError> {
        self.ws.send(message).await.map_err(|e| classify(e, 0))
    }

    /// A polite close; errors are moot by now.
    pub async fn close(&mut self) {
        self.ws.close(None).await.ok();
    }
}
