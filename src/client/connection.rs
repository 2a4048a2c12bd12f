//! The Socket.IO client connection the REPL and `sockai emit` use: [`Connection::connect`],
//! emits and acks out, a channel of [`ClientEvent`]s in.
//!
//! One task per connection owns the session (`socket.rs` on `engine.rs`): it writes every
//! packet the moment it is handed one, forwards what the server sends in arrival order, and
//! when the transport is lost (not when the server disconnected us) reconnects with the
//! JavaScript client's backoff. Acks from us get sequential ids and their own timers; acks the
//! server asks for are answered at most once with [`Connection::reply`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::connect::{ConnectError, Plan, establish};
use super::options::ConnectOptions;
use super::socket;
use crate::protocol::socketio::Packet;
use crate::sync::lock;
use driver::{Driver, session_info};

mod driver;

/// Acknowledgements of ours waiting at once; more is a runaway script.
pub const MAX_ACKS: usize = 1024;
/// Server acknowledgement requests remembered for `reply` (by the connection, and by the REPL
/// for `status` and completion); past that, events are shown without their ack id: a server
/// asking for thousands at once is misbehaving.
pub const MAX_SERVER_ACKS: usize = 1024;

/// The current session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The Socket.IO socket id (v5: from the server's CONNECT; 2.x: derived from the engine's).
    pub sid: String,
    pub engine_sid: String,
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
    Connected { namespace: String, sid: String },
    /// A server event with all its arguments. Binary arguments are `{"$binary": "<base64>"}` in
    /// place. `ack_id`: the server asked for an ack ([`Connection::reply`]).
    Event {
        namespace: String,
        name: String,
        args: Vec<Value>,
        ack_id: Option<u64>,
    },
    /// The session ended: "io server disconnect", "transport closed", "ping timeout", …
    /// (with "; reconnecting" when a new session will be tried).
    Disconnected { reason: String },
    /// The next reconnection attempt starts after `delay`.
    Reconnecting { attempt: u32, delay: Duration },
    /// A reconnection was refused (the namespace or the auth): no more attempts follow.
    Error { message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("not connected")]
    Closed,
    #[error("no acknowledgement within {}", humantime::format_duration(*.0))]
    AckTimeout(Duration),
    #[error("more than {MAX_ACKS} acknowledgements are already awaited")]
    TooManyAcks,
    #[error("bad binary argument: {0}")]
    BadBinary(String),
    #[error("no server acknowledgement {0} is waiting for a reply")]
    UnknownAck(u64),
}

enum Command {
    Send {
        text: String,
        binaries: Vec<bytes::Bytes>,
        /// Told once the packet is written (a caller that exits right after an emit must not
        /// lose it).
        written: Option<oneshot::Sender<()>>,
    },
    Disconnect(oneshot::Sender<()>),
}

/// State the caller's side and the session task share.
struct Shared {
    /// The last session joined (kept while disconnected, for `status`).
    info: Mutex<SessionInfo>,
    connected: std::sync::atomic::AtomicBool,
    acks: Mutex<HashMap<u64, oneshot::Sender<Vec<Value>>>>,
    server_acks: Mutex<HashSet<u64>>,
    next_ack: std::sync::atomic::AtomicU64,
}

impl Shared {
    fn connected(&self) -> bool {
        self.connected.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The session is gone: awaited acks fail (their senders drop), server acks are forgotten.
    fn lost(&self) {
        self.connected
            .store(false, std::sync::atomic::Ordering::SeqCst);
        lock(&self.acks).clear();
        lock(&self.server_acks).clear();
    }

    /// A session was joined.
    fn joined(&self, info: SessionInfo) {
        *lock(&self.info) = info;
        self.connected
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Remember the server's request `id` for [`Connection::reply`]; false when too many wait
    /// already (or the id is a duplicate): the event is then shown without it.
    fn remember_server_ack(&self, id: u64) -> bool {
        let mut pending = lock(&self.server_acks);
        pending.len() < MAX_SERVER_ACKS && pending.insert(id)
    }

    /// Hand the server's acknowledgement to whoever awaits ack `id`.
    fn acknowledged(&self, id: u64, args: Vec<Value>) {
        if let Some(waiting) = lock(&self.acks).remove(&id) {
            waiting.send(args).ok();
        }
    }
}

/// An event encoded for one namespace ([`Connection::encode_event`]).
#[derive(Debug, Clone)]
pub struct EncodedEvent {
    namespace: String,
    text: String,
    binaries: Vec<bytes::Bytes>,
}

/// An open connection. Dropping it closes the transport without a DISCONNECT packet (see
/// [`Connection::disconnect`] for a polite goodbye).
pub struct Connection {
    shared: Arc<Shared>,
    commands: mpsc::UnboundedSender<Command>,
    namespace: String,
    url: String,
}

impl Connection {
    /// Connect to `url` and join the namespace. Every later [`ClientEvent`] goes to `events`,
    /// starting with `Connected`. Bounded by `options.connect_timeout`.
    pub async fn connect(
        url: &str,
        options: &ConnectOptions,
        events: mpsc::UnboundedSender<ClientEvent>,
    ) -> Result<Self, ConnectError> {
        let plan = Plan::new(url, options)?;
        let (socket, early) = establish(&plan).await?;
        let shared = Arc::new(Shared {
            info: Mutex::new(session_info(&socket, &plan.url)),
            connected: std::sync::atomic::AtomicBool::new(true),
            acks: Mutex::new(HashMap::new()),
            server_acks: Mutex::new(HashSet::new()),
            next_ack: std::sync::atomic::AtomicU64::new(0),
        });
        let (commands, rx) = mpsc::unbounded_channel();
        let namespace = plan.endpoint.namespace.clone();
        let connection = Self {
            shared: shared.clone(),
            commands,
            namespace,
            url: url.to_owned(),
        };
        let driver = Driver {
            plan,
            shared,
            commands: rx,
            events,
        };
        driver.joined(&socket, early);
        tokio::spawn(driver.run(socket));
        Ok(connection)
    }

    /// The current session (the last one while disconnected).
    pub fn info(&self) -> SessionInfo {
        lock(&self.shared.info).clone()
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Emit `event` with these arguments (any number; `{"$binary": …}` anywhere becomes a
    /// binary attachment). Written to the transport at once.
    pub async fn emit(&self, event: &str, args: Vec<Value>) -> Result<(), SendError> {
        let packet = Packet::event(self.namespace.as_str(), event, args, None);
        self.send_written(packet).await
    }

    /// `event` with `args` encoded once for this connection's namespace, to be emitted again
    /// and again with [`Connection::emit_encoded`].
    pub fn encode_event(&self, event: &str, args: Vec<Value>) -> Result<EncodedEvent, SendError> {
        let packet = Packet::event(self.namespace.as_str(), event, args, None);
        let (text, binaries) = socket::encode(packet).map_err(SendError::BadBinary)?;
        Ok(EncodedEvent {
            namespace: self.namespace.clone(),
            text,
            binaries,
        })
    }

    /// [`Connection::emit_queued`] of an encoded event; `None` when it was encoded for another
    /// namespace (encode it again).
    pub fn emit_encoded(&self, event: &EncodedEvent) -> Option<Result<(), SendError>> {
        if event.namespace != self.namespace {
            return None;
        }
        if !self.shared.connected() {
            return Some(Err(SendError::Closed));
        }
        let command = Command::Send {
            text: event.text.clone(),
            binaries: event.binaries.clone(),
            written: None,
        };
        Some(self.commands.send(command).map_err(|_| SendError::Closed))
    }

    /// Emit without waiting for the packet to be written: it is queued before whatever this
    /// connection is asked next (a disconnect included), so a caller that goes on using the
    /// connection loses nothing. Saves a wake-up per event (`sockai bench --scenario`).
    pub fn emit_queued(&self, event: &str, args: Vec<Value>) -> Result<(), SendError> {
        let packet = Packet::event(self.namespace.as_str(), event, args, None);
        self.send(packet, None)
    }

    /// Emit and wait (at most `timeout`) for the acknowledgement; returns its arguments and the
    /// round-trip time. Many may be in flight at once (up to [`MAX_ACKS`]).
    pub async fn emit_with_ack(
        &self,
        event: &str,
        args: Vec<Value>,
        timeout: Duration,
    ) -> Result<(Vec<Value>, Duration), SendError> {
        use std::sync::atomic::Ordering;
        let id = self.shared.next_ack.fetch_add(1, Ordering::Relaxed);
        let packet = Packet::event(self.namespace.as_str(), event, args, Some(id));
        let (tx, rx) = oneshot::channel();
        {
            let mut acks = lock(&self.shared.acks);
            if acks.len() >= MAX_ACKS {
                return Err(SendError::TooManyAcks);
            }
            acks.insert(id, tx);
        }
        let started = Instant::now();
        if let Err(e) = self.send(packet, None) {
            lock(&self.shared.acks).remove(&id);
            return Err(e);
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(args)) => Ok((args, started.elapsed())),
            Ok(Err(_)) => Err(SendError::Closed),
            Err(_) => {
                lock(&self.shared.acks).remove(&id);
                Err(SendError::AckTimeout(timeout))
            }
        }
    }

    /// Answer the server's ack `ack_id` (once).
    pub async fn reply(&self, ack_id: u64, args: Vec<Value>) -> Result<(), SendError> {
        if !lock(&self.shared.server_acks).remove(&ack_id) {
            return Err(SendError::UnknownAck(ack_id));
        }
        self.send_written(Packet::ack(self.namespace.as_str(), ack_id, args))
            .await
    }

    fn send(&self, packet: Packet, written: Option<oneshot::Sender<()>>) -> Result<(), SendError> {
        if !self.shared.connected() {
            return Err(SendError::Closed);
        }
        let (text, binaries) = socket::encode(packet).map_err(SendError::BadBinary)?;
        self.commands
            .send(Command::Send {
                text,
                binaries,
                written,
            })
            .map_err(|_| SendError::Closed)
    }

    /// Send and wait until the packet is on the wire (or the session failed writing it).
    async fn send_written(&self, packet: Packet) -> Result<(), SendError> {
        let (tx, rx) = oneshot::channel();
        self.send(packet, Some(tx))?;
        rx.await.map_err(|_| SendError::Closed)
    }

    /// Leave the namespace and close the transport. Nothing more is reported afterwards.
    pub async fn disconnect(&self) -> Result<(), SendError> {
        let (done, closed) = oneshot::channel();
        self.commands
            .send(Command::Disconnect(done))
            .map_err(|_| SendError::Closed)?;
        closed.await.map_err(|_| SendError::Closed)
    }
}
