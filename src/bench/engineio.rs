//! A lean Engine.IO v4 + Socket.IO v5 client over WebSocket, for `sockai bench` only.
//!
//! Why not rust_socketio: a load generator holds thousands of connections on one core, and
//! rust_socketio runs callbacks on spawned tasks per connection, cannot bound its connect (it
//! hangs on a silent listener) and returns from `connect()` before the namespace is joined. Here
//! one task owns one WebSocket, and only what a load generator needs is spoken: the WebSocket
//! transport (no polling, no upgrade), text packets, namespace connect, events, acks, ping/pong
//! and close. Binary packets are skipped.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::packet::{Packet, SioKind, parse};

/// Per-connection read buffer. tungstenite's default, 128 KiB, would cost over a gigabyte at
/// 10,000 connections; bench frames are small, and a larger frame still arrives (the buffer grows).
const READ_BUFFER: usize = 4 * 1024;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid URL {url:?}: {reason}")]
    Url { url: String, reason: String },
    #[error("{}", describe(.0))]
    WebSocket(#[from] tungstenite::Error),
    #[error("namespace {namespace} refused the connection: {message}")]
    Rejected { namespace: String, message: String },
    #[error("the server closed the connection")]
    Closed,
    #[error("unexpected packet {0:?}")]
    Protocol(String),
}

/// tungstenite's Display for an I/O error is `IO error: …`; name the real cause instead.
fn describe(error: &tungstenite::Error) -> String {
    match error {
        tungstenite::Error::Io(io) => io.to_string(),
        tungstenite::Error::Http(response) => {
            format!("HTTP {} instead of a WebSocket", response.status())
        }
        other => other.to_string(),
    }
}

/// Where to connect: the WebSocket URL of the Engine.IO endpoint and the Socket.IO namespace.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub ws_url: String,
    pub namespace: String,
    /// `""` for the main namespace, `"/admin,"` otherwise: what every packet carries after its type.
    prefix: String,
}

impl Endpoint {
    /// `url` as a user gives it to socket.io-client, resolved by the client's one URL rule
    /// ([`crate::client::endpoint::Endpoint`]); `path` is the Engine.IO path.
    pub fn new(url: &str, path: &str, namespace: Option<&str>) -> Result<Self, ClientError> {
        let endpoint = crate::client::endpoint::Endpoint::parse(url, namespace, path, &[])
            .map_err(|e| ClientError::Url {
                url: e.url,
                reason: e.reason,
            })?;
        let namespace = endpoint.namespace.clone();
        let prefix = if namespace == "/" {
            String::new()
        } else {
            format!("{namespace},")
        };
        Ok(Self {
            ws_url: endpoint.engine_url("websocket", 4, None).into(),
            namespace,
            prefix,
        })
    }

    /// The text frame of an event `[name, payload]`, asking for an ack with `ack_id`.
    pub fn event_frame(&self, ack_id: Option<u64>, json_array: &str) -> String {
        let mut frame = String::with_capacity(2 + self.prefix.len() + 20 + json_array.len());
        frame.push_str("42");
        frame.push_str(&self.prefix);
        if let Some(id) = ack_id {
            frame.push_str(&id.to_string());
        }
        frame.push_str(json_array);
        frame
    }
}

/// A Socket.IO connection on one namespace, with the Engine.IO handshake done.
pub struct Connection {
    ws: Ws,
    namespace: String,
}

/// What the server sent on our namespace; Engine.IO pings are answered inside [`Connection::recv`].
#[derive(Debug)]
pub enum Incoming {
    /// An event; `payload()` is its JSON array `["name", …]`.
    Event { text: Utf8Bytes, payload_at: usize },
    /// An acknowledgement of our event with this id.
    Ack(u64),
    /// The server disconnected us from the namespace (`41`) or closed the session.
    Disconnect,
}

impl Incoming {
    pub fn payload(&self) -> &str {
        match self {
            Self::Event { text, payload_at } => text.get(*payload_at..).unwrap_or(""),
            _ => "",
        }
    }
}

/// Open a WebSocket, read the Engine.IO open packet and join the namespace. Unbounded in time:
/// the caller puts a timeout around it.
pub async fn connect(endpoint: &Endpoint) -> Result<Connection, ClientError> {
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        // Write each frame at once: a round trip waits for it.
        .write_buffer_size(0);
    let (ws, _response) =
        tokio_tungstenite::connect_async_with_config(endpoint.ws_url.as_str(), Some(config), true)
            .await?;
    let mut conn = Connection {
        ws,
        namespace: endpoint.namespace.clone(),
    };
    // Engine.IO open: `0{"sid":…,"pingInterval":…}`. Nothing in it is needed: the server pings
    // and we answer, and every wait of ours has its own timeout.
    let open = conn.next_text().await?;
    if !open.starts_with('0') {
        return Err(ClientError::Protocol(truncate(&open)));
    }
    conn.send(Message::text(format!("40{}", endpoint.prefix)))
        .await?;
    loop {
        let text = conn.next_text().await?;
        match parse(&text) {
            Packet::Ping => conn.pong().await?,
            Packet::Message(sio) if sio.namespace == conn.namespace => match sio.kind {
                SioKind::Connect => return Ok(conn),
                SioKind::ConnectError => {
                    return Err(ClientError::Rejected {
                        namespace: conn.namespace.clone(),
                        message: connect_error_message(sio.payload),
                    });
                }
                _ => {} // an event before the connect confirmation: not ours yet
            },
            Packet::Close => return Err(ClientError::Closed),
            _ => {}
        }
    }
}

impl Connection {
    pub async fn send(&mut self, message: Message) -> Result<(), ClientError> {
        self.ws.send(message).await.map_err(Into::into)
    }

    /// The next packet on our namespace that the caller must see. Unbounded in time: the caller
    /// selects it against its own deadline.
    pub async fn recv(&mut self) -> Result<Incoming, ClientError> {
        loop {
            let text = self.next_text().await?;
            let (kind, namespace_ok, ack, payload_at) = match parse(&text) {
                Packet::Ping => {
                    self.pong().await?;
                    continue;
                }
                Packet::Close => return Ok(Incoming::Disconnect),
                Packet::Message(sio) => (
                    sio.kind,
                    sio.namespace == self.namespace,
                    sio.ack,
                    text.len() - sio.payload.len(),
                ),
                _ => continue,
            };
            if !namespace_ok {
                continue;
            }
            match kind {
                SioKind::Event => return Ok(Incoming::Event { text, payload_at }),
                SioKind::Ack => {
                    if let Some(id) = ack {
                        return Ok(Incoming::Ack(id));
                    }
                }
                SioKind::Disconnect => return Ok(Incoming::Disconnect),
                _ => {}
            }
        }
    }

    /// Leave the namespace and close the WebSocket, politely; errors are moot by now.
    pub async fn close(mut self) {
        let prefix = if self.namespace == "/" {
            String::new()
        } else {
            format!("{},", self.namespace)
        };
        self.ws
            .send(Message::text(format!("41{prefix}")))
            .await
            .ok();
        self.ws.close(None).await.ok();
    }

    async fn pong(&mut self) -> Result<(), ClientError> {
        self.send(Message::text("3")).await
    }

    /// The next text frame; WebSocket pings are answered by tungstenite, binary frames skipped.
    async fn next_text(&mut self) -> Result<Utf8Bytes, ClientError> {
        loop {
            match self.ws.next().await {
                None => return Err(ClientError::Closed),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(Message::Text(text))) => return Ok(text),
                Some(Ok(Message::Close(_))) => return Err(ClientError::Closed),
                Some(Ok(_)) => {}
            }
        }
    }
}

/// `{"message": "…"}` of a `44` packet, or the raw payload when it has another shape.
fn connect_error_message(payload: &str) -> String {
    #[derive(serde::Deserialize)]
    struct ConnectError {
        message: String,
    }
    serde_json::from_str::<ConnectError>(payload)
        .map(|e| e.message)
        .unwrap_or_else(|_| truncate(payload))
}

fn truncate(text: &str) -> String {
    const MAX: usize = 100;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_from_user_urls() {
        let e = Endpoint::new("http://127.0.0.1:3000", "/socket.io/", None).unwrap();
        assert_eq!(
            e.ws_url,
            "ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket"
        );
        assert_eq!(e.namespace, "/");
        let e = Endpoint::new("https://example.com/admin?token=1", "/socket.io/", None).unwrap();
        assert_eq!(
            e.ws_url,
            "wss://example.com/socket.io/?token=1&EIO=4&transport=websocket"
        );
        assert_eq!(e.namespace, "/admin");
        assert_eq!(e.event_frame(Some(3), "[]"), "42/admin,3[]");
        let e = Endpoint::new("localhost:9", "/io/", Some("chat")).unwrap();
        assert_eq!(e.ws_url, "ws://localhost:9/io/?EIO=4&transport=websocket");
        assert_eq!(e.event_frame(None, "[1]"), "42/chat,[1]");
        assert!(Endpoint::new("ftp://x", "/socket.io/", None).is_err());
        // The client's rule: a namespace's trailing slash is trimmed, --path gets its slashes.
        let e = Endpoint::new("ws://h/admin/", "io", None).unwrap();
        assert_eq!(e.namespace, "/admin");
        assert_eq!(e.ws_url, "ws://h/io/?EIO=4&transport=websocket");
    }
}
