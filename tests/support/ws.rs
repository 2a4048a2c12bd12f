//! A plain WebSocket client for the raw bridge and for hand-made Engine.IO packets.

use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use super::{Server, WAIT};

/// A client WebSocket to a test server.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Send a prepared WebSocket handshake (to `path`, for messages); a refusal comes back as its
/// HTTP status and JSON body.
pub async fn handshake(
    request: tokio_tungstenite::tungstenite::handshake::client::Request,
    path: &str,
) -> Result<Ws, (u16, Value)> {
    let connecting = tokio_tungstenite::connect_async(request);
    match tokio::time::timeout(WAIT, connecting)
        .await
        .expect("no handshake in time")
    {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body = response.body().clone().unwrap_or_default();
            let body = serde_json::from_slice(&body).unwrap_or_else(|e| {
                panic!("{path}: body {:?}: {e}", String::from_utf8_lossy(&body))
            });
            Err((response.status().as_u16(), body))
        }
        Err(other) => panic!("{path}: {other}"),
    }
}

/// The next frame, text or binary, pings included (None once closed), within one bounded wait.
pub async fn next_frame(ws: &mut Ws) -> Option<Message> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("no frame in time");
        match frame? {
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(frame @ (Message::Text(_) | Message::Binary(_))) => return Some(frame),
            Ok(_) => {}
        }
    }
}

/// Read until the server closes the connection, whatever it sends (bounded by WAIT).
pub async fn until_closed(ws: &mut Ws) {
    while next_frame(ws).await.is_some() {}
}

/// Open `ws://<server>/<path>`.
pub async fn connect(server: &Server, path: &str) -> Ws {
    tokio_tungstenite::connect_async(server.ws_url(path))
        .await
        .unwrap()
        .0
}

/// The next text frame, or None once the connection is closed; one deadline for the whole call.
pub async fn next_text(ws: &mut Ws) -> Option<String> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("no frame in time");
        match frame? {
            Ok(Message::Text(text)) => return Some(text.to_string()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// The next text frame as JSON; the connection must still be open.
pub async fn next_json(ws: &mut Ws) -> Value {
    let text = next_text(ws).await.expect("the connection closed");
    serde_json::from_str(&text).unwrap()
}

/// The next bridge frame that is not an `ai-message-chunk`.
pub async fn next_non_chunk(ws: &mut Ws) -> Value {
    loop {
        let frame = next_json(ws).await;
        if frame["event"] != "ai-message-chunk" {
            return frame;
        }
    }
}

/// Send one text frame.
pub async fn send(ws: &mut Ws, text: &str) {
    futures_util::SinkExt::send(ws, Message::text(text))
        .await
        .unwrap();
}

/// The Socket.IO path, straight on a WebSocket.
pub const WS_PATH: &str = "/socket.io/?EIO=4&transport=websocket";

/// Open an Engine.IO session over a WebSocket: the socket, the raw open packet and its sid.
pub async fn open_session(server: &Server) -> (Ws, String, String) {
    let mut ws = connect(server, WS_PATH).await;
    let packet = next_text(&mut ws).await.expect("an open packet");
    let fields: Value = serde_json::from_str(
        packet
            .strip_prefix('0')
            .unwrap_or_else(|| panic!("not an open packet: {packet:?}")),
    )
    .unwrap();
    let sid = fields["sid"].as_str().unwrap().to_owned();
    (ws, packet, sid)
}

/// Open a session and join the main namespace with `packet` (`40`, `40{"token":…}`).
pub async fn joined(server: &Server, packet: &str) -> (Ws, String) {
    let (mut ws, _, sid) = open_session(server).await;
    send(&mut ws, packet).await;
    let socket_id = assert_joined(next_packet(&mut ws).await, &sid);
    (ws, socket_id)
}

/// `packet` is the CONNECT reply `40{"sid":"<socket id>"}`; returns the socket id. As Node's,
/// it is 20 characters of URL-safe base64 and a socket's own, never `other` (the Engine.IO
/// session id, or an earlier socket's id).
pub fn assert_joined(packet: Option<String>, other: &str) -> String {
    let packet = packet.expect("closed instead of the CONNECT reply");
    let socket_id = packet
        .strip_prefix(r#"40{"sid":""#)
        .and_then(|rest| rest.strip_suffix(r#""}"#))
        .unwrap_or_else(|| panic!("not a CONNECT reply: {packet}"));
    assert_eq!(socket_id.len(), 20, "{packet}");
    assert!(
        socket_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{packet}"
    );
    assert_ne!(socket_id, other, "the socket id is not its own: {packet}");
    socket_id.to_owned()
}

/// Engine.IO v4 over a raw WebSocket: what a broken or hostile client can send.
pub async fn raw_socketio(server: &Server) -> Ws {
    let mut ws = connect(server, WS_PATH).await;
    let open = next_packet(&mut ws).await.expect("engine.io open packet");
    assert!(open.starts_with("0{"), "{open:?}");
    send(&mut ws, "40").await;
    let connected = next_packet(&mut ws)
        .await
        .expect("socket.io connect packet");
    assert!(connected.starts_with("40{"), "{connected:?}");
    ws
}

/// The next Engine.IO packet that is not a ping (pings are answered), or None once closed.
pub async fn next_packet(ws: &mut Ws) -> Option<String> {
    // One deadline for the whole call: answered pings must not extend the wait forever.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("no packet in time")?
            .ok()?;
        match frame.to_text() {
            Ok("2") => futures_util::SinkExt::send(ws, Message::text("3"))
                .await
                .ok()?,
            Ok(text) => return Some(text.to_owned()),
            Err(_) => {}
        }
    }
}
