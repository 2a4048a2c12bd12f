//! The Socket.IO client connection: the only file that knows rust_socketio.
//!
//! The REPL and `sockai emit` see a small API — [`Connection::connect`], emits out, a channel of
//! [`ClientEvent`]s in — so the library can be replaced without touching them. The
//! rust_socketio 0.6.0 pitfalls measured in the project notes are handled here:
//!
//! - `connect()` returns before the namespace is joined, and an emit sent before the server's
//!   CONNECT makes it close the session (upstream #502): [`Connection::connect`] returns only
//!   after the `Event::Connect` callback fired (registered with the enum: the string "connect"
//!   would register a custom event).
//! - `connect()` has no timeout (it hangs on a listener that never answers) and a rejected
//!   namespace or auth still returns `Ok`: the whole handshake is bounded by our own timer and a
//!   `CONNECT_ERROR` frame, which only reaches the error callback as text, becomes
//!   [`ConnectError::Rejected`] with the server's message.
//! - Acks get our own timer (the library's never fires for an unanswered ack) and lose the
//!   extra nesting level the library adds. They go one at a time: the library draws each ack id
//!   at random from 0..999, and two acks in flight with the same id get each other's answer
//!   (seen in a test run).
//! - The error callback only gets the top-level Display ("EngineIO Error"); errors returned
//!   directly are shown with their whole source chain.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::endpoint::Endpoint;

/// Which Engine.IO transport to use. Without one, the client uses WebSocket and falls back to
/// HTTP long-polling when the WebSocket connection fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Transport {
    /// WebSocket only
    Websocket,
    /// HTTP long-polling only
    Polling,
    /// HTTP long-polling first, then upgraded to WebSocket, as browsers do
    Upgrade, // client-core replaces this (rust_socketio: TransportType::Any)
}

/// Everything needed to open (and re-open) a connection.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `http(s)://` or `ws(s)://` URL. A path other than `/` names the namespace, as with the
    /// JavaScript client, unless `namespace` is set.
    pub url: String,
    pub namespace: Option<String>,
    /// Engine.IO path on the server, `/socket.io/` by default.
    pub path: String,
    /// The CONNECT packet's `auth` payload.
    pub auth: Option<Value>,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub transport: Option<Transport>,
    pub connect_timeout: Duration,
    /// Reconnect after the transport fails (never after the server said goodbye).
    pub reconnect: bool,
    /// Engine.IO version to speak, 3 or 4; `None`: detect it from the handshake.
    pub eio: Option<u8>, // client-core replaces this (rust_socketio: 4 only)
    /// Accept any TLS certificate (a development server's self-signed one).
    pub insecure: bool, // client-core replaces this (rust_socketio: refused for https)
}

/// The current session, for `status`. client-core replaces this (rust_socketio hides the ids
/// and the handshake's timings: they are "unknown" and zero here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The Socket.IO socket id (v5: from the CONNECT packet; v4: the Engine.IO session id).
    pub sid: String,
    pub engine_sid: String,
    /// `"websocket"` or `"polling"`.
    pub transport: &'static str,
    pub eio: u8,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub namespace: String,
    pub url: String,
}

/// What the server did, in arrival order.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// The namespace was joined (also after an automatic reconnection).
    /// client-core replaces this: rust_socketio does not expose the socket id ("unknown").
    Connected { namespace: String, sid: String },
    /// A server event with all its arguments. Binary arguments are `{"$binary": "<base64>"}`.
    /// `ack_id`: the server asked for an acknowledgement (answer with [`Connection::reply`]).
    /// client-core replaces this: rust_socketio never surfaces the server's ack id (`None`).
    Event {
        namespace: String,
        name: String,
        args: Vec<Value>,
        ack_id: Option<u64>,
    },
    /// The session ended.
    Disconnected { reason: String },
    /// An automatic reconnection attempt is about to start after `delay`.
    /// client-core replaces this: rust_socketio does not report its attempts (never sent).
    Reconnecting { attempt: u32, delay: Duration },
    /// A transport or protocol error. The library reports a lost server only this way, so the
    /// connection may well be gone; it reconnects on its own if allowed.
    Error { message: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot connect to {url}: {cause}")]
    Failed { url: String, cause: String },
    #[error("cannot connect to {url}: no answer within {}", humantime::format_duration(*.after))]
    Timeout { url: String, after: Duration },
    #[error("cannot connect to {url}: namespace {namespace} rejected: {message}")]
    Rejected {
        url: String,
        namespace: String,
        message: String,
    },
    #[error("cannot connect to {url}: {message}")]
    Lost { url: String, message: String },
}

impl ConnectError {
    /// A bad URL is the user's typo, not a network problem.
    pub fn is_usage(&self) -> bool {
        matches!(self, Self::InvalidUrl { .. })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("not connected")]
    Closed,
    #[error("cannot send: {0}")]
    Transport(String),
    #[error("no acknowledgement within {}", humantime::format_duration(*.0))]
    AckTimeout(Duration),
    // client-core replaces these three (not produced on rust_socketio).
    #[error("too many acknowledgements in flight")]
    TooManyAcks,
    #[error("bad binary argument: {0}")]
    BadBinary(String),
    #[error("no server acknowledgement {0} is waiting for an answer")]
    UnknownAck(u64),
}

/// An open connection. Dropping it does not close the session; call [`Connection::disconnect`].
pub struct Connection {
    client: Client,
    namespace: String,
    url: String,
    /// The transport that connected (client-core replaces this).
    transport: &'static str,
    /// Set before a manual disconnect so that the library's closing noise is not reported.
    closing: Arc<AtomicBool>,
    /// Held while an ack is outstanding (see the module notes).
    one_ack: tokio::sync::Mutex<()>,
}

/// The namespace and the URL rust_socketio should be given (scheme http(s), the Engine.IO path,
/// the query), from the user's URL and options, by the one rule of [`Endpoint`].
pub fn resolve_target(options: &ConnectOptions) -> Result<(String, String), ConnectError> {
    let endpoint = Endpoint::parse(
        &options.url,
        options.namespace.as_deref(),
        &options.path,
        &options.query,
    )
    .map_err(|e| ConnectError::InvalidUrl {
        url: e.url,
        reason: e.reason,
    })?;
    // rust_socketio adds EIO and transport itself.
    let mut url = endpoint.base.clone();
    url.set_path(&endpoint.path);
    if !endpoint.query.is_empty() {
        url.query_pairs_mut().extend_pairs(&endpoint.query);
    }
    Ok((endpoint.namespace, url.to_string()))
}

impl Connection {
    /// Connect and join the namespace. Every later [`ClientEvent`] goes to `sink`, starting with
    /// `Connected`. Bounded by `options.connect_timeout`.
    pub async fn connect(
        options: &ConnectOptions,
        sink: mpsc::UnboundedSender<ClientEvent>,
    ) -> Result<Self, ConnectError> {
        match options.transport {
            Some(transport) => Self::connect_with(options, transport, sink).await,
            // rust_socketio's polling-then-upgrade mode loses an event emitted just before
            // disconnecting (measured against Node socket.io 4.8), so the default is a direct
            // WebSocket, and long-polling only if the WebSocket connection itself fails.
            None => {
                let started = Instant::now();
                match Self::connect_with(options, Transport::Websocket, sink.clone()).await {
                    Err(ConnectError::Failed { .. }) => {
                        let mut rest = options.clone();
                        rest.connect_timeout =
                            options.connect_timeout.saturating_sub(started.elapsed());
                        Self::connect_with(&rest, Transport::Polling, sink).await
                    }
                    other => other,
                }
            }
        }
    }

    async fn connect_with(
        options: &ConnectOptions,
        transport: Transport,
        sink: mpsc::UnboundedSender<ClientEvent>,
    ) -> Result<Self, ConnectError> {
        let (namespace, target) = resolve_target(options)?;
        let url = options.url.clone();
        // client-core replaces this: rust_socketio speaks only Engine.IO 4 and native-tls
        // without a way in to its settings here.
        if options.eio == Some(3) {
            return Err(ConnectError::Failed {
                url,
                cause: "Engine.IO 3 (Socket.IO 2.x servers) needs the new client".to_owned(),
            });
        }
        if options.insecure && target.starts_with("https:") {
            return Err(ConnectError::Failed {
                url,
                cause: "--insecure needs the new client".to_owned(),
            });
        }
        let closing = Arc::new(AtomicBool::new(false));
        let (tx, mut rx) = mpsc::unbounded_channel();

        let mut builder = ClientBuilder::new(target)
            .namespace(namespace.clone())
            .reconnect(options.reconnect)
            .reconnect_on_disconnect(false)
            .transport_type(match transport {
                Transport::Websocket => TransportType::Websocket,
                Transport::Polling => TransportType::Polling,
                Transport::Upgrade => TransportType::Any, // client-core replaces this
            });
        if let Some(auth) = &options.auth {
            builder = builder.auth(auth.clone());
        }
        for (name, value) in &options.headers {
            builder = builder.opening_header(name.as_str(), value.as_str());
        }
        // Callbacks run while the library holds a lock: they only forward into a channel.
        let (on_connect, on_close, on_error, on_lost, on_any) =
            (tx.clone(), tx.clone(), tx.clone(), tx.clone(), tx);
        let ns = namespace.clone();
        let event_ns = namespace.clone();
        // When the transport just closes (a server shutting down cleanly), the library calls no
        // callback at all, only the reconnect hook before each attempt: report the first one.
        let joined = Arc::new(AtomicBool::new(false));
        let joined_on_connect = joined.clone();
        builder = builder
            .on_reconnect(move || {
                if joined.swap(false, Ordering::SeqCst) {
                    on_lost
                        .send(ClientEvent::Disconnected {
                            reason: "transport closed; reconnecting".to_owned(),
                        })
                        .ok();
                }
                async { rust_socketio::asynchronous::ReconnectSettings::new() }.boxed()
            })
            .on(Event::Connect, move |_, _| {
                joined_on_connect.store(true, Ordering::SeqCst);
                on_connect
                    .send(ClientEvent::Connected {
                        namespace: ns.clone(),
                        sid: "unknown".to_owned(), // client-core replaces this
                    })
                    .ok();
                async {}.boxed()
            })
            .on(Event::Close, move |_, _| {
                // The library calls this only for a DISCONNECT packet from the server.
                on_close
                    .send(ClientEvent::Disconnected {
                        reason: "io server disconnect".to_owned(),
                    })
                    .ok();
                async {}.boxed()
            })
            .on(Event::Error, move |payload, _| {
                on_error
                    .send(ClientEvent::Error {
                        message: error_text(&payload),
                    })
                    .ok();
                async {}.boxed()
            })
            // Sees every Custom event and `message` (which the library maps to Event::Message).
            .on_any(move |event, payload, _| {
                let name = match event {
                    Event::Custom(name) => name,
                    other => other.as_str().to_owned(),
                };
                on_any
                    .send(ClientEvent::Event {
                        namespace: event_ns.clone(),
                        name,
                        args: payload_args(payload),
                        ack_id: None, // client-core replaces this
                    })
                    .ok();
                async {}.boxed()
            });

        let started = Instant::now();
        let timeout = options.connect_timeout;
        let client = match tokio::time::timeout(timeout, builder.connect()).await {
            Err(_) => {
                return Err(ConnectError::Timeout {
                    url,
                    after: timeout,
                });
            }
            Ok(Err(e)) => {
                return Err(ConnectError::Failed {
                    url,
                    cause: error_chain(&e),
                });
            }
            Ok(Ok(client)) => client,
        };

        // Wait for the namespace CONNECT (or its CONNECT_ERROR). Events that come first are
        // kept and delivered after `Connected`, in order.
        let mut early = Vec::new();
        let left = timeout.saturating_sub(started.elapsed());
        let wait = async {
            while let Some(event) = rx.recv().await {
                match event {
                    ClientEvent::Connected { .. } => return Ok(event),
                    ClientEvent::Error { message } => return Err(message),
                    ClientEvent::Disconnected { reason } => return Err(reason),
                    other => early.push(other),
                }
            }
            Err("the connection closed during the handshake".to_owned())
        };
        let outcome = tokio::time::timeout(left, wait).await;
        let connected = match outcome {
            Ok(Ok(connected)) => connected,
            Ok(Err(message)) => {
                client.disconnect().await.ok();
                return Err(match rejection(&message) {
                    Some(message) => ConnectError::Rejected {
                        url,
                        namespace,
                        message,
                    },
                    None => ConnectError::Lost { url, message },
                });
            }
            Err(_) => {
                client.disconnect().await.ok();
                return Err(ConnectError::Timeout {
                    url,
                    after: timeout,
                });
            }
        };

        sink.send(connected).ok();
        for event in early {
            sink.send(event).ok();
        }
        let quiet = closing.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let event = match event {
                    ClientEvent::Error { message } => match rejection(&message) {
                        // A reconnection refused by the server.
                        Some(message) => ClientEvent::Error {
                            message: format!("namespace rejected: {message}"),
                        },
                        None => ClientEvent::Error { message },
                    },
                    other => other,
                };
                if quiet.load(Ordering::SeqCst) {
                    continue;
                }
                if sink.send(event).is_err() {
                    break;
                }
            }
        });
        Ok(Self {
            client,
            namespace,
            url,
            transport: match transport {
                Transport::Websocket => "websocket",
                Transport::Polling | Transport::Upgrade => "polling",
            },
            closing,
            one_ack: tokio::sync::Mutex::new(()),
        })
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The current session. client-core replaces this: rust_socketio hides the ids and timings.
    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            sid: "unknown".to_owned(),
            engine_sid: "unknown".to_owned(),
            transport: self.transport,
            eio: 4,
            ping_interval: Duration::ZERO,
            ping_timeout: Duration::ZERO,
            namespace: self.namespace.clone(),
            url: self.url.clone(),
        }
    }

    /// Answer the server's acknowledgement request `ack_id` with these arguments.
    /// client-core replaces this: rust_socketio cannot answer server acks.
    pub async fn reply(&self, ack_id: u64, args: Vec<Value>) -> Result<(), SendError> {
        let _ = (ack_id, args);
        Err(SendError::Transport(
            "server acknowledgements need the new client".to_owned(),
        ))
    }

    /// Emit `event` with these arguments (any number, including none).
    pub async fn emit(&self, event: &str, args: Vec<Value>) -> Result<(), SendError> {
        // `Event::Custom` keeps the name exactly: `Event::from` would lowercase-match names such
        // as "Message" or "open" onto the library's reserved events.
        self.client
            .emit(Event::Custom(event.to_owned()), Payload::Text(args))
            .await
            .map_err(send_error)
    }

    /// Emit and wait (at most `timeout`) for the acknowledgement; returns its arguments and the
    /// round-trip time.
    pub async fn emit_with_ack(
        &self,
        event: &str,
        args: Vec<Value>,
        timeout: Duration,
    ) -> Result<(Vec<Value>, Duration), SendError> {
        let _one_at_a_time = self.one_ack.lock().await;
        let (tx, rx) = oneshot::channel();
        let tx = Arc::new(std::sync::Mutex::new(Some(tx)));
        let started = Instant::now();
        // The library drops an ack that comes after its own timeout without telling anyone, so
        // it gets a generous one and ours decides.
        let library_timeout = timeout.saturating_mul(2) + Duration::from_secs(60);
        self.client
            .emit_with_ack(
                Event::Custom(event.to_owned()),
                Payload::Text(args),
                library_timeout,
                move |payload, _| {
                    let taken = tx.lock().ok().and_then(|mut slot| slot.take());
                    if let Some(tx) = taken {
                        tx.send(ack_args(payload)).ok();
                    }
                    async {}.boxed()
                },
            )
            .await
            .map_err(send_error)?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(args)) => Ok((args, started.elapsed())),
            Ok(Err(_)) => Err(SendError::Closed),
            Err(_) => Err(SendError::AckTimeout(timeout)),
        }
    }

    /// Leave the namespace and close the transport. Nothing more is reported afterwards.
    pub async fn disconnect(&self) -> Result<(), SendError> {
        self.closing.store(true, Ordering::SeqCst);
        self.client.disconnect().await.map_err(send_error)
    }
}

fn send_error(e: rust_socketio::Error) -> SendError {
    match e {
        rust_socketio::Error::IllegalActionBeforeOpen() => SendError::Closed,
        other => SendError::Transport(error_chain(&other)),
    }
}

/// An error with its whole source chain: rust_socketio's own message is often only
/// "EngineIO Error" with the real cause (say "Connection refused") several levels down.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // Wrappers often repeat their cause's message; say each thing once.
        if !parts.iter().any(|p| p == &text || p.ends_with(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// The text of an error callback's payload (the library passes its message as a JSON string).
fn error_text(payload: &Payload) -> String {
    match payload_args(payload.clone()).as_slice() {
        [Value::String(text)] => text.clone(),
        [] => "unknown error".to_owned(),
        other => Value::Array(other.to_vec()).to_string(),
    }
}

const CONNECT_ERROR_PREFIX: &str = "Received an ConnectError frame: ";

/// `Received an ConnectError frame: {"message": "…", "data": …}` → `… (data: …)`.
pub fn rejection(message: &str) -> Option<String> {
    let json = message.strip_prefix(CONNECT_ERROR_PREFIX)?;
    let value: Value = serde_json::from_str(json).unwrap_or(Value::String(json.to_owned()));
    let text = match &value {
        Value::Object(map) => {
            let message = match map.get("message") {
                Some(Value::String(m)) => m.clone(),
                Some(other) => other.to_string(),
                None => value.to_string(),
            };
            match map.get("data") {
                Some(Value::Null) | None => message,
                Some(data) => format!("{message} (data: {data})"),
            }
        }
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    Some(text)
}

fn payload_args(payload: Payload) -> Vec<Value> {
    match payload {
        Payload::Text(values) => values,
        Payload::Binary(bytes) => vec![serde_json::json!({
            "$binary": base64::engine::general_purpose::STANDARD.encode(&bytes)
        })],
        #[allow(deprecated)] // The library still produces it in a few places.
        Payload::String(text) => {
            vec![serde_json::from_str(&text).unwrap_or(Value::String(text))]
        }
    }
}

/// The library hands an ack's argument array over as one argument; unwrap it.
fn ack_args(payload: Payload) -> Vec<Value> {
    let mut args = payload_args(payload);
    match args.as_mut_slice() {
        [Value::Array(inner)] => std::mem::take(inner),
        _ => args,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn options(url: &str) -> ConnectOptions {
        ConnectOptions {
            url: url.to_owned(),
            namespace: None,
            path: "/socket.io/".to_owned(),
            auth: None,
            headers: vec![],
            query: vec![],
            transport: None,
            connect_timeout: Duration::from_secs(1),
            reconnect: false,
            eio: None,
            insecure: false,
        }
    }

    #[test]
    fn target_url_gets_path_query_and_namespace() {
        let mut opts = options("ws://127.0.0.1:3000");
        opts.query = vec![("room".into(), "a b".into())];
        let (ns, url) = resolve_target(&opts).unwrap();
        assert_eq!(ns, "/");
        assert_eq!(url, "http://127.0.0.1:3000/socket.io/?room=a+b");

        let (ns, url) = resolve_target(&options("https://h.example/admin?x=1")).unwrap();
        assert_eq!(ns, "/admin");
        assert_eq!(url, "https://h.example/socket.io/?x=1");

        let mut opts = options("http://h:1/ignored");
        opts.namespace = Some("chat".into());
        opts.path = "/custom/".into();
        let (ns, url) = resolve_target(&opts).unwrap();
        assert_eq!(ns, "/chat");
        assert_eq!(url, "http://h:1/custom/");

        let (ns, url) = resolve_target(&options("localhost:3000/admin/")).unwrap();
        assert_eq!(ns, "/admin");
        assert_eq!(url, "http://localhost:3000/socket.io/");
        assert!(resolve_target(&options("ftp://h")).unwrap_err().is_usage());
    }

    #[test]
    fn connect_error_frames_become_the_server_message() {
        assert_eq!(
            rejection(
                r#"Received an ConnectError frame: {"message":"not authorized","data":{"reason":"bad token"}}"#
            )
            .as_deref(),
            Some(r#"not authorized (data: {"reason":"bad token"})"#)
        );
        assert_eq!(
            rejection(r#"Received an ConnectError frame: {"message":"Invalid namespace"}"#)
                .as_deref(),
            Some("Invalid namespace")
        );
        assert_eq!(rejection("EngineIO Error"), None);
    }

    #[test]
    fn acks_lose_the_extra_nesting() {
        assert_eq!(
            ack_args(Payload::Text(vec![json!([{"a": 1}, 2])])),
            vec![json!({"a": 1}), json!(2)]
        );
        assert_eq!(
            ack_args(Payload::Text(vec![json!([])])),
            Vec::<Value>::new()
        );
    }

    #[test]
    fn error_chain_walks_sources() {
        #[derive(Debug, thiserror::Error)]
        #[error("EngineIO Error")]
        struct Top(#[source] std::io::Error);
        let e = Top(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused",
        ));
        assert_eq!(error_chain(&e), "EngineIO Error: Connection refused");
    }
}
