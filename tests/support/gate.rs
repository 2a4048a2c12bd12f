//! The server's `Host` and `Origin` gates as a web page meets them: every way in (Socket.IO
//! over WebSocket and polling, the bridge, `/api/ai`) sent with a page's headers, to
//! 127.0.0.1, and the check of a gate's refusal.

use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::WAIT;
use super::api;
use super::ws::{Ws, handshake, next_non_chunk, next_packet, send};

/// The Socket.IO path, straight on a WebSocket.
pub use super::ws::WS_PATH;
/// The Socket.IO path of a polling handshake.
pub const POLLING_PATH: &str = "/socket.io/?EIO=4&transport=polling";

/// What a browser sends: the `Host` it addressed (none: the address connected to, as any
/// client writes it) and, when it sends one, its page's `Origin`.
#[derive(Clone, Copy, Debug)]
pub struct Page<'a> {
    pub host: Option<&'a str>,
    pub origin: Option<&'a str>,
}

impl<'a> Page<'a> {
    /// A page that addressed `host`, sending no `Origin`.
    pub fn host(host: &'a str) -> Self {
        Self {
            host: Some(host),
            origin: None,
        }
    }

    /// A client that addressed the server as it is connected to, sending `origin` if any.
    pub fn origin(origin: Option<&'a str>) -> Self {
        Self { host: None, origin }
    }

    /// This page, sending `origin`.
    pub fn with_origin(self, origin: &'a str) -> Self {
        Self {
            origin: Some(origin),
            ..self
        }
    }

    /// The page's headers on an HTTP request.
    fn headers(self, mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if let Some(host) = self.host {
            request = request.header("host", host);
        }
        if let Some(origin) = self.origin {
            request = request.header("origin", origin);
        }
        request
    }
}

/// A gate's refusal: 403, its code, and a message naming the flag that would allow the request.
pub struct Gate {
    pub code: &'static str,
    pub flag: &'static str,
}

/// The `Host` gate (DNS rebinding): `--allowed-host` allows a name.
pub const HOST: Gate = Gate {
    code: "host_not_allowed",
    flag: "--allowed-host",
};

/// The `Origin` gate: `--cors-origin` allows an origin.
pub const ORIGIN: Gate = Gate {
    code: "origin_not_allowed",
    flag: "--cors-origin",
};

impl Gate {
    /// `status` and `body` are this gate's refusal (`what` names the request in the message).
    pub fn assert_refused(&self, what: &str, status: u16, body: &Value) {
        assert_eq!(status, 403, "{what}: {body}");
        assert_eq!(body["code"], self.code, "{what}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(self.flag), "{what}: {message}");
    }
}

/// A gate's log line of a refusal names the peer: a loopback address, as every test connects.
pub fn assert_loopback_peer(logged: &Value) {
    assert!(
        logged["peer"]
            .as_str()
            .is_some_and(|p| p.starts_with("127.0.0.1:")),
        "{logged}"
    );
}

/// Open `ws://ADDR/PATH` with `page`'s headers; a refusal comes back as its status and body.
pub async fn ws_open(addr: &str, path: &str, page: Page<'_>) -> Result<Ws, (u16, Value)> {
    let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
    let headers = request.headers_mut();
    if let Some(host) = page.host {
        headers.insert("host", host.parse().unwrap());
    }
    if let Some(origin) = page.origin {
        headers.insert("origin", origin.parse().unwrap());
    }
    handshake(request, path).await
}

/// A request to `http://ADDR/PATH` with `page`'s headers, bounded by WAIT; `content` is a
/// content type and a body (none: no body and no content type).
pub fn request(
    method: reqwest::Method,
    addr: &str,
    path: &str,
    page: Page<'_>,
    content: Option<(&str, &str)>,
) -> reqwest::RequestBuilder {
    let mut request = reqwest::Client::new()
        .request(method, format!("http://{addr}{path}"))
        .timeout(WAIT);
    if let Some((content_type, body)) = content {
        request = request
            .header("content-type", content_type)
            .body(body.to_owned());
    }
    page.headers(request)
}

/// Send a request: its status and body.
pub async fn text(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// A GET (no body) or a POST of `(content type, body)`, as a plain HTTP tool writes them.
pub async fn http(
    addr: &str,
    path: &str,
    page: Page<'_>,
    post: Option<(&str, &str)>,
) -> (u16, String) {
    let method = match post {
        Some(_) => reqwest::Method::POST,
        None => reqwest::Method::GET,
    };
    text(request(method, addr, path, page, post)).await
}

/// An Engine.IO polling request as socket.io-client sends it: a GET without a body, a POST with
/// packets, both as `text/plain;charset=UTF-8`.
pub async fn poll(addr: &str, path: &str, page: Page<'_>, packets: &str) -> (u16, String) {
    let method = if packets.is_empty() {
        reqwest::Method::GET
    } else {
        reqwest::Method::POST
    };
    let content = Some(("text/plain;charset=UTF-8", packets));
    text(request(method, addr, path, page, content)).await
}

/// `POST /api/ai` of `{"prompt": "hi"}` as `content_type`, with `page`'s headers: the status
/// and the JSON answer.
pub async fn post_ai(addr: &str, page: Page<'_>, content_type: &str) -> (u16, Value) {
    let post = api::request_as(
        &format!("http://{addr}"),
        content_type,
        r#"{"prompt": "hi"}"#,
    );
    let (status, body) = text(page.headers(post)).await;
    (status, json_body(&body))
}

/// The path of a polling session's later requests, from the answer to its opening GET.
pub fn session_path((status, open): (u16, String)) -> String {
    assert_eq!(status, 200, "{open}");
    let fields: Value = serde_json::from_str(open.trim_start_matches('0')).unwrap();
    format!("{POLLING_PATH}&sid={}", fields["sid"].as_str().unwrap())
}

/// The WebSocket upgrade path of the polling session at `session` (a `session_path`).
pub fn upgrade_path(session: &str) -> String {
    format!("{WS_PATH}&sid={}", &session[POLLING_PATH.len() + 5..])
}

/// A refusal's (or an answer's) body, as JSON.
pub fn json_body(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("body {body:?}: {e}"))
}

/// Direct Socket.IO over WebSocket: join the main namespace and get an answer to `ai-message`.
pub async fn socketio_answers(addr: &str, page: Page<'_>) {
    let mut ws = ws_open(addr, WS_PATH, page).await.unwrap();
    assert!(next_packet(&mut ws).await.unwrap().starts_with("0{"));
    send(&mut ws, "40").await;
    assert!(next_packet(&mut ws).await.unwrap().starts_with("40{"));
    send(&mut ws, r#"42["ai-message",{"prompt":"hi"}]"#).await;
    let answer = loop {
        let packet = next_packet(&mut ws).await.expect("an answer");
        if packet.starts_with(r#"42["ai-message-response""#) {
            break packet;
        }
    };
    assert!(answer.contains("echo: hi"), "{page:?}: {answer}");
    close(ws).await;
}

/// The raw bridge at `/`: an `ai-message` gets its answer.
pub async fn bridge_answers(addr: &str, page: Page<'_>) {
    let mut bridge = ws_open(addr, "/", page).await.unwrap();
    send(
        &mut bridge,
        r#"{"event": "ai-message", "data": {"prompt": "hi"}}"#,
    )
    .await;
    let answer = next_non_chunk(&mut bridge).await;
    assert_eq!(answer["data"]["response"], "echo: hi", "{page:?}: {answer}");
    close(bridge).await;
}

/// The upgrade of a polling session (`upgrade`: an `upgrade_path`) opens and answers its probe.
pub async fn upgrade_probed(addr: &str, upgrade: &str, page: Page<'_>) {
    let mut ws = ws_open(addr, upgrade, page).await.unwrap();
    send(&mut ws, "2probe").await;
    assert_eq!(next_packet(&mut ws).await.as_deref(), Some("3probe"));
    close(ws).await;
}

/// Send a Close frame (whatever becomes of it).
pub async fn close(mut ws: Ws) {
    futures_util::SinkExt::send(&mut ws, Message::Close(None))
        .await
        .ok();
}
