//! sockai's Engine.IO server: every session, whichever transport it starts on (a direct
//! WebSocket, HTTP long-polling, polling upgraded to WebSocket), runs as one task owned by the
//! session (`session.rs`). This module routes requests to it: it checks the query (`EIO`,
//! `transport`, `sid`) and answers what is wrong with the HTTP 400 bodies Node's engine.io uses,
//! and it keeps the table of polling sessions by sid (bounded).
//!
//! The engine knows Engine.IO only. What a session carries is the [`Handler`] of the path it
//! was opened on (the [`Mount`]s the layer above gives); the handler's messages, and its reasons
//! for ending a session, mean nothing here. The packets themselves are encoded and decoded by
//! `crate::protocol`.

mod counters;
mod heartbeat;
mod packet;
mod polling;
mod session;
mod sid;
mod upgrade;
mod websocket;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::protocol::Limits;
use crate::protocol::engineio::EngineVersion;
use crate::sync::lock;

pub use counters::Counters;
pub use packet::Out;
pub use sid::new_sid;

/// What an Engine.IO session carries, fed message by message. Output goes into `out` as whole
/// Engine.IO packets; the session writes them on whatever transport it is on.
pub trait Handler: Send + 'static {
    /// The session is open (the open packet is out).
    fn on_open(&mut self, out: &mut Vec<Out>);
    /// A text message (Engine.IO type `4`).
    fn on_text(&mut self, text: &str, out: &mut Vec<Out>) -> Result<(), Reason>;
    /// A binary message.
    fn on_binary(&mut self, data: Bytes, out: &mut Vec<Out>) -> Result<(), Reason>;
    /// Work of its own (answers being computed): ready when it wrote something to `out`.
    fn poll_work(&mut self, cx: &mut Context<'_>, out: &mut Vec<Out>) -> Poll<Result<(), Reason>>;
    /// Whether the session may go on without having joined anything (the connect timeout).
    fn idle_too_long(&self) -> bool;
    /// The session is over.
    fn on_close(&mut self, reason: Reason);
}

/// Builds the handler of each new session.
pub trait MakeHandler: Send + Sync + 'static {
    fn make(&self, session: &SessionInfo) -> Box<dyn Handler>;
}

/// What a handler learns about its session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub sid: String,
    pub peer: Option<SocketAddr>,
    pub version: EngineVersion,
    /// The transport the session opened on, as logged: `Polling` or `Websocket`.
    pub transport: &'static str,
    /// The query string of the opening request (Socket.IO 2.x clients pass auth there).
    pub query: String,
}

/// Why a session ended: Engine.IO's reasons, in the words the server logs, or the handler's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    TransportClose,
    /// A frame that is no Engine.IO packet.
    PacketParsingError,
    TransportError,
    HeartbeatTimeout,
    ClosingServer,
    /// A second GET while one was pending, or a GET abandoned by its client.
    BadPolling,
    /// A POST body over `--max-payload`.
    TooLarge,
    /// The handler refused a message the client sent, in the handler's words (the engine only
    /// carries them back to `on_close`). The client is told with a close packet, after the
    /// answers to the messages before it.
    Refused(&'static str),
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TransportClose => "client gracefully closed the connection",
            Self::PacketParsingError => {
                "client sent a bad request / the packet could not be parsed"
            }
            Self::TransportError => "The connection was abruptly closed",
            Self::HeartbeatTimeout => "client did not send a PONG packet in time",
            Self::ClosingServer => "server is being closed",
            Self::BadPolling => {
                "client broke the long-polling rules (overlapping or abandoned GET)"
            }
            Self::TooLarge => "client sent a payload over the maxPayload limit",
            Self::Refused(words) => words,
        }
    }
}

/// A path the engine serves, and what its sessions carry.
pub struct Mount {
    /// As clients are given it (`/socket.io/`); served with or without the trailing slash.
    pub path: &'static str,
    pub make: Arc<dyn MakeHandler>,
}

/// One server's Engine.IO settings and sessions.
pub struct Engine {
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub limits: Limits,
    pub allow_eio3: bool,
    /// Polling sessions held at once (past it a handshake gets 503).
    max_sessions: usize,
    sessions: Mutex<HashMap<String, Entry>>,
    mounts: Vec<Mount>,
    /// Cancelled by [`Engine::shut_down`] only: the rest of the server holds child tokens
    /// ([`Engine::shutdown_signal`]), so `closing` is always set before it is cancelled.
    shutdown: CancellationToken,
    /// Set just before `shutdown` is cancelled: what a WebSocket session reads on a wake instead
    /// of polling its wait on the token (which takes the token's lock).
    closing: AtomicBool,
    /// Every session's task; shutdown waits for them.
    pub tasks: TaskTracker,
    pub counters: Counters,
}

/// A polling session as the HTTP handlers see it: where to send what they received.
#[derive(Clone)]
struct Entry {
    /// `None` once the session moved to a WebSocket: its sid takes no more requests (and the
    /// channel's buffer is freed).
    inbox: Option<mpsc::Sender<Inbound>>,
    version: EngineVersion,
}

/// What the HTTP side hands a polling session's task.
enum Inbound {
    /// The packets of one POST body.
    Packets(Vec<packet::Packet>),
    /// A GET waiting for packets.
    Poll(oneshot::Sender<PollReply>),
    /// A WebSocket for this sid, to probe and upgrade to.
    Upgrade(Box<axum::extract::ws::WebSocket>),
    /// A POST the session cannot take (too large, malformed): close it.
    Close(Reason),
}

/// The answer to a GET.
enum PollReply {
    Body(Vec<u8>),
    /// The GET breaks the rules (a second one pending): HTTP 400.
    Refused,
}

/// Node's engine.io error codes and messages (`Server.errorMessages`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HttpError {
    UnknownTransport,
    UnknownSid,
    BadHandshakeMethod,
    BadRequest,
    UnsupportedProtocolVersion,
    /// Not Node's: the server holds its maximum of sessions.
    Full,
}

impl HttpError {
    fn response(self) -> Response {
        let (status, code, message) = match self {
            Self::UnknownTransport => (StatusCode::BAD_REQUEST, 0, "Transport unknown"),
            Self::UnknownSid => (StatusCode::BAD_REQUEST, 1, "Session ID unknown"),
            Self::BadHandshakeMethod => (StatusCode::BAD_REQUEST, 2, "Bad handshake method"),
            Self::BadRequest => (StatusCode::BAD_REQUEST, 3, "Bad request"),
            Self::UnsupportedProtocolVersion => {
                (StatusCode::BAD_REQUEST, 5, "Unsupported protocol version")
            }
            Self::Full => (StatusCode::SERVICE_UNAVAILABLE, 6, "Server full"),
        };
        let body = serde_json::json!({ "code": code, "message": message }).to_string();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// The parts of the query that matter here.
struct Query {
    version: EngineVersion,
    websocket: bool,
    sid: Option<String>,
}

impl Engine {
    pub fn new(settings: EngineSettings, mounts: Vec<Mount>, tasks: TaskTracker) -> Self {
        Self {
            ping_interval: settings.ping_interval,
            ping_timeout: settings.ping_timeout,
            limits: Limits {
                max_payload: settings.max_payload,
                ..Limits::default()
            },
            allow_eio3: settings.allow_eio3,
            max_sessions: settings.max_sessions,
            sessions: Mutex::new(HashMap::new()),
            mounts: mounts
                .into_iter()
                .map(|mount| Mount {
                    path: mount.path.strip_suffix('/').unwrap_or(mount.path),
                    ..mount
                })
                .collect(),
            shutdown: CancellationToken::new(),
            closing: AtomicBool::new(false),
            tasks,
            counters: settings.counters,
        }
    }

    /// End every session (and whatever else waits on the shutdown token).
    pub fn shut_down(&self) {
        self.closing.store(true, Ordering::Release);
        self.shutdown.cancel();
    }

    /// A token cancelled when the engine shuts down; cancelling it does not shut the engine
    /// down (a child token).
    pub fn shutdown_signal(&self) -> CancellationToken {
        self.shutdown.child_token()
    }

    /// Whether [`Engine::shut_down`] was called.
    pub(super) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    fn lookup(&self, sid: &str) -> Option<Entry> {
        lock(&self.sessions).get(sid).cloned()
    }

    fn upgraded(&self, sid: &str) {
        if let Some(entry) = lock(&self.sessions).get_mut(sid) {
            entry.inbox = None;
        }
    }

    fn forget(&self, sid: &str) {
        lock(&self.sessions).remove(sid);
    }

    /// Check `EIO` and `transport` as Node does.
    fn query(&self, request: &Request) -> Result<Query, HttpError> {
        let mut eio = None;
        let mut transport = None;
        let mut sid = None;
        for (key, value) in
            url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
        {
            match key.as_ref() {
                "EIO" => eio = Some(value.into_owned()),
                "transport" => transport = Some(value.into_owned()),
                "sid" => sid = Some(value.into_owned()),
                _ => {}
            }
        }
        let version = match eio.as_deref().and_then(EngineVersion::from_query) {
            Some(EngineVersion::V3) if !self.allow_eio3 => {
                return Err(HttpError::UnsupportedProtocolVersion);
            }
            Some(version) => version,
            None => return Err(HttpError::UnsupportedProtocolVersion),
        };
        let websocket = match transport.as_deref() {
            Some("websocket") => true,
            Some("polling") => false,
            _ => return Err(HttpError::UnknownTransport),
        };
        Ok(Query {
            version,
            websocket,
            sid,
        })
    }
}

/// Settings from `sockai serve` flags.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub max_payload: usize,
    pub allow_eio3: bool,
    pub max_sessions: usize,
    pub counters: Counters,
}

/// Serve Engine.IO requests here; hand anything else on (to the routes).
pub async fn route(
    axum::extract::State(engine): axum::extract::State<Arc<Engine>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(make) = handler_for(&engine, request.uri().path()) else {
        return next.run(request).await;
    };
    let query = match engine.query(&request) {
        Ok(query) => query,
        Err(error) => return error.response(),
    };
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    if query.websocket {
        return websocket::serve(engine, make, query, peer, request).await;
    }
    match (request.method(), &query.sid) {
        (&Method::GET, None) => polling::handshake(&engine, make, &query, peer, &request),
        (&Method::GET, Some(sid)) => polling::poll(&engine, sid).await,
        (&Method::POST, Some(sid)) => polling::post(&engine, sid, request.into_body()).await,
        (_, None) => HttpError::BadHandshakeMethod.response(),
        (_, Some(_)) => HttpError::BadRequest.response(),
    }
}

/// The handler of the path, if it is one of the engine's.
fn handler_for(engine: &Engine, path: &str) -> Option<Arc<dyn MakeHandler>> {
    engine
        .mounts
        .iter()
        .find(|mount| {
            path.strip_prefix(mount.path)
                .is_some_and(|rest| rest.is_empty() || rest == "/")
        })
        .map(|mount| Arc::clone(&mount.make))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Unused;

    impl MakeHandler for Unused {
        fn make(&self, _session: &SessionInfo) -> Box<dyn Handler> {
            unreachable!("no session is opened here")
        }
    }

    #[test]
    fn only_the_mounted_paths_are_the_engines() {
        let settings = EngineSettings {
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            max_payload: 1000,
            allow_eio3: false,
            max_sessions: 1,
            counters: Counters::default(),
        };
        let mount = |path| Mount {
            path,
            make: Arc::new(Unused),
        };
        let engine = Engine::new(
            settings,
            vec![mount("/socket.io/"), mount("/engine.io")],
            TaskTracker::new(),
        );
        for ours in ["/socket.io", "/socket.io/", "/engine.io", "/engine.io/"] {
            assert!(handler_for(&engine, ours).is_some(), "{ours}");
        }
        for theirs in ["/", "/socket.io/x", "/socket.iox", "/socket", "/api/ai"] {
            assert!(handler_for(&engine, theirs).is_none(), "{theirs}");
        }
    }

    #[test]
    fn errors_have_nodes_bodies() {
        let response = HttpError::UnknownSid.response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            HeaderValue::from_static("application/json")
        );
    }
}
