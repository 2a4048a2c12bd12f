//! Socket.IO over a direct WebSocket, served without socketioxide.
//!
//! A client that opens `/socket.io/?EIO=4&transport=websocket` straight away, with no polling
//! first (`transports: ["websocket"]` in socket.io-client, most non-browser clients, `sockai
//! bench`), is served here by one task per connection that reads, answers and writes: no task per
//! event, no channel hop to a writer task, and a few KiB per socket instead of socketioxide's ~19
//! (docs/performance.md). Polling, upgrades from polling and `--echo-server` stay with
//! socketioxide. Both paths behave alike on the wire and in the logs: the same rules and words
//! (`events.rs`, the `Assistant`, the `Guard`), the same packets and disconnect reasons,
//! checked by running the same scenarios over both (tests/cases/serve_transports.rs).
//!
//! Spoken here: the main namespace (others are refused as socketioxide refuses unknown ones),
//! events with acks, binary events (read, then refused with `binary_not_supported` as on the
//! other path), heartbeats, and the graceful close.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Instant;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::Value;
use tokio::time::Sleep;

use super::dispatch::{self, Conn, Flavor, Identity, Incoming, Reply};
use super::{AppState, lock};
use crate::packet::{ClientFrame, Malformed, decode_client_frame};
use crate::wire::{AiChunk, AiResponse, ErrorPayload, SOCKET_IO_PATH, event};

/// WebSocket read buffer per connection; a bigger message still arrives (the buffer grows).
const READ_BUFFER: usize = 1024;

/// Binary attachments one event may announce; socket.io-client sends one per Buffer argument.
const MAX_ATTACHMENTS: usize = 16;

/// A session that joins no namespace within this is closed (socketioxide's `connect_timeout`).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(45);

/// Serve a direct WebSocket here; hand anything else on (to socketioxide and the routes).
pub async fn route(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if app.echo_server || !is_direct_websocket(&request) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>().copied() else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &app).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    upgrade
        .read_buffer_size(READ_BUFFER)
        // Each packet is written at once: a client is waiting for it.
        .write_buffer_size(0)
        .max_message_size(app.max_frame_bytes)
        .on_upgrade(move |ws| {
            let sockets = app.bridges.clone();
            sockets.track_future(Connection::new(ws, peer, app).run())
        })
}

/// The first request of a WebSocket-only Engine.IO v4 session: the path socketioxide serves,
/// `EIO=4`, `transport=websocket` and no `sid` (a `sid` means an upgrade from polling).
fn is_direct_websocket(request: &Request) -> bool {
    let on_path = request
        .uri()
        .path()
        .strip_prefix(SOCKET_IO_PATH.trim_end_matches('/'))
        .is_some_and(|rest| rest.is_empty() || rest == "/");
    let query = request.uri().query().unwrap_or("");
    let has = |pair: &str| query.split('&').any(|p| p == pair);
    request.method() == Method::GET
        && on_path
        && has("EIO=4")
        && has("transport=websocket")
        && !query.split('&').any(|p| p.starts_with("sid="))
}

/// Why a connection ended, worded as socketioxide words it, so logs read the same on both paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    TransportClose,
    /// A frame that is no Engine.IO packet.
    PacketParsingError,
    /// An Engine.IO message whose Socket.IO packet does not parse: socketioxide answers it with
    /// an Engine.IO close packet before closing; same words in the log.
    BadSocketIoPacket,
    TransportError,
    HeartbeatTimeout,
    ClientNsDisconnect,
    ServerNsDisconnect,
    ClosingServer,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Self::TransportClose => "client gracefully closed the connection",
            Self::PacketParsingError | Self::BadSocketIoPacket => {
                "client sent a bad request / the packet could not be parsed"
            }
            Self::TransportError => "The connection was abruptly closed",
            Self::HeartbeatTimeout => "client did not send a PONG packet in time",
            Self::ClientNsDisconnect => {
                "client has manually disconnected the socket from the namespace"
            }
            Self::ServerNsDisconnect => "socket was forcefully disconnected from the namespace",
            Self::ClosingServer => "server is being closed",
        }
    }
}

/// The one answer a socket may have in flight, with the acknowledgement it owes.
struct InFlight {
    answer: Pin<Box<dyn Future<Output = Result<AiResponse, ErrorPayload>> + Send>>,
    ack: Option<u64>,
}

/// What woke the connection up.
enum Wake {
    Frame(Option<Result<Message, axum::Error>>),
    Answered(Result<AiResponse, ErrorPayload>, Option<u64>),
    /// The answer streamed pieces and goes on.
    Chunks,
    Heartbeat,
    Shutdown,
}

/// A binary event waiting for its attachments (counted, not kept: nothing here takes them).
struct PendingBinary {
    name: String,
    ack: Option<u64>,
    expected: usize,
    received: usize,
}

struct Connection {
    ws: WebSocket,
    peer: SocketAddr,
    app: AppState,
    /// The session id, in the open packet and the connect reply alike (as socketioxide).
    sid: String,
    /// Set while the main namespace is joined.
    conn: Option<Conn>,
    in_flight: Option<InFlight>,
    /// Pieces the answer streamed during its last poll; written before anything else.
    chunks: Arc<Mutex<Vec<AiChunk>>>,
    binary: Option<PendingBinary>,
    /// Next ping, or the deadline of the pong owed for the last one.
    heartbeat: Pin<Box<Sleep>>,
    awaiting_pong: bool,
    opened: Instant,
    ever_joined: bool,
}

impl Connection {
    fn new(ws: WebSocket, peer: SocketAddr, app: AppState) -> Self {
        // As Node's engine.io: the first ping one interval after the open packet, so a client
        // reading the packet after its CONNECT gets the CONNECT reply, not a ping.
        let heartbeat = Box::pin(tokio::time::sleep(app.ping_interval));
        Self {
            ws,
            peer,
            sid: new_sid(),
            app,
            conn: None,
            in_flight: None,
            chunks: Arc::default(),
            binary: None,
            heartbeat,
            awaiting_pong: false,
            opened: Instant::now(),
            ever_joined: false,
        }
    }

    async fn run(mut self) {
        // Written out, in socketioxide's key order.
        let open = format!(
            r#"0{{"sid":"{}","upgrades":[],"pingInterval":{},"pingTimeout":{},"maxPayload":{}}}"#,
            self.sid,
            self.app.ping_interval.as_millis(),
            self.app.ping_timeout.as_millis(),
            self.app.max_frame_bytes,
        );
        let reason = match self.send(open).await {
            Ok(()) => self.serve().await,
            Err(reason) => reason,
        };
        self.leave(reason);
        if matches!(reason, Reason::BadSocketIoPacket | Reason::HeartbeatTimeout) {
            // socketioxide says goodbye with an Engine.IO close packet in these two cases.
            self.send("1".to_owned()).await.ok();
        }
        // Closing the transport, without a namespace DISCONNECT, is what socketioxide does when
        // the server stops: clients see "transport close" and reconnect when it is back.
        self.ws.close().await.ok();
    }

    async fn serve(&mut self) -> Reason {
        loop {
            let wake = self.next_wake().await;
            let outcome = match wake {
                Wake::Frame(frame) => self.on_frame(frame).await,
                Wake::Answered(outcome, ack) => self.on_answer(outcome, ack).await,
                Wake::Chunks => self.flush_chunks().await,
                Wake::Heartbeat => self.on_heartbeat().await,
                Wake::Shutdown => Err(Reason::ClosingServer),
            };
            if let Err(reason) = outcome {
                return reason;
            }
        }
    }

    async fn next_wake(&mut self) -> Wake {
        let shutdown = &self.app.shutdown;
        let in_flight = &mut self.in_flight;
        let chunks = &self.chunks;
        let answer = std::future::poll_fn(|cx| {
            let Some(flight) = in_flight.as_mut() else {
                return Poll::Pending;
            };
            match flight.answer.as_mut().poll(cx) {
                Poll::Ready(outcome) => {
                    let ack = flight.ack;
                    *in_flight = None;
                    Poll::Ready(Wake::Answered(outcome, ack))
                }
                // The answer registered its wake-up; pieces it streamed go out now.
                Poll::Pending if !lock(chunks).is_empty() => Poll::Ready(Wake::Chunks),
                Poll::Pending => Poll::Pending,
            }
        });
        // Biased, in this order: an answer ready goes out before anything else, and a client
        // that always has a frame ready cannot starve the heartbeat or the shutdown.
        tokio::select! {
            biased;
            wake = answer => wake,
            // Answers in flight are drained by the server before it cancels this.
            () = shutdown.cancelled() => Wake::Shutdown,
            () = self.heartbeat.as_mut() => Wake::Heartbeat,
            frame = self.ws.next() => Wake::Frame(frame),
        }
    }

    async fn send(&mut self, text: String) -> Result<(), Reason> {
        // A client that stops reading would stall this connection's only task; give up on it
        // after a heartbeat's worth of time, as a missing pong would.
        let limit = self.app.ping_interval + self.app.ping_timeout;
        match tokio::time::timeout(limit, self.ws.send(Message::Text(text.into()))).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Reason::TransportError),
        }
    }

    async fn emit(&mut self, name: &str, data: &impl Serialize) -> Result<(), Reason> {
        self.send(event_packet(name, data)).await
    }

    async fn on_heartbeat(&mut self) -> Result<(), Reason> {
        if self.awaiting_pong {
            return Err(Reason::HeartbeatTimeout);
        }
        if !self.ever_joined && self.opened.elapsed() >= CONNECT_TIMEOUT {
            return Err(Reason::TransportClose);
        }
        self.send("2".to_owned()).await?;
        self.awaiting_pong = true;
        let deadline = tokio::time::Instant::now() + self.app.ping_timeout;
        self.heartbeat.as_mut().reset(deadline);
        Ok(())
    }

    async fn on_frame(
        &mut self,
        frame: Option<Result<Message, axum::Error>>,
    ) -> Result<(), Reason> {
        match frame {
            None => Err(Reason::TransportClose),
            Some(Err(_)) => Err(Reason::TransportError),
            Some(Ok(Message::Close(_))) => Err(Reason::TransportClose),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
            Some(Ok(Message::Binary(_))) => self.on_attachment().await,
            Some(Ok(Message::Text(text))) => self.on_packet(text.as_str()).await,
        }
    }

    async fn on_packet(&mut self, text: &str) -> Result<(), Reason> {
        if self.binary.is_some() {
            // A text packet where an attachment was announced breaks the binary event.
            return Err(Reason::BadSocketIoPacket);
        }
        let frame = decode_client_frame(text).map_err(|malformed| match malformed {
            Malformed::EngineIo => Reason::PacketParsingError,
            Malformed::SocketIo => Reason::BadSocketIoPacket,
        })?;
        match frame {
            ClientFrame::Close => Err(Reason::TransportClose),
            ClientFrame::Pong if self.awaiting_pong => {
                self.awaiting_pong = false;
                let next = tokio::time::Instant::now() + self.app.ping_interval;
                self.heartbeat.as_mut().reset(next);
                Ok(())
            }
            ClientFrame::Pong | ClientFrame::Nothing | ClientFrame::Ignored => Ok(()),
            ClientFrame::ConnectElsewhere(namespace) => {
                // Only the main namespace exists; say so as socketioxide does, keep the session.
                let refusal = serde_json::json!({ "message": "Invalid namespace" });
                self.send(format!("44{namespace},{refusal}")).await
            }
            ClientFrame::Connect(auth) => self.on_connect(&auth).await,
            ClientFrame::Disconnect => {
                self.leave(Reason::ClientNsDisconnect);
                Ok(())
            }
            ClientFrame::Event {
                name,
                args,
                ack,
                attachments: 0,
            } => self.on_event(name, args, ack, false).await,
            ClientFrame::Event {
                name,
                ack,
                attachments,
                ..
            } => {
                if attachments > MAX_ATTACHMENTS {
                    return Err(Reason::BadSocketIoPacket);
                }
                self.binary = Some(PendingBinary {
                    name,
                    ack,
                    expected: attachments,
                    received: 0,
                });
                Ok(())
            }
        }
    }

    async fn on_connect(&mut self, auth: &Value) -> Result<(), Reason> {
        if self.conn.is_some() {
            return Ok(());
        }
        let who = Identity {
            sid: Some(self.sid.clone()),
            peer: Some(self.peer),
            transport: "Websocket",
        };
        let joined = self
            .app
            .dispatch
            .connect(dispatch::auth_token(auth), who, Flavor::SocketIo);
        match joined {
            Ok(conn) => {
                self.conn = Some(conn);
                self.ever_joined = true;
                let reply = serde_json::json!({ "sid": self.sid });
                self.send(format!("40{reply}")).await
            }
            Err(refusal) => {
                let reply = serde_json::json!({ "message": refusal.to_string() });
                self.send(format!("44{reply}")).await
            }
        }
    }

    async fn on_attachment(&mut self) -> Result<(), Reason> {
        let Some(pending) = self.binary.as_mut() else {
            return Err(Reason::PacketParsingError);
        };
        pending.received += 1;
        self.complete_binary().await
    }

    async fn complete_binary(&mut self) -> Result<(), Reason> {
        let ready = self
            .binary
            .as_ref()
            .is_some_and(|p| p.received == p.expected);
        if !ready {
            return Ok(());
        }
        let Some(pending) = self.binary.take() else {
            return Ok(());
        };
        self.on_event(pending.name, Vec::new(), pending.ack, true)
            .await
    }

    /// One event on the main namespace, handed to the dispatch. `binary`: the event came with
    /// attachments.
    async fn on_event(
        &mut self,
        name: String,
        args: Vec<Value>,
        ack: Option<u64>,
        binary: bool,
    ) -> Result<(), Reason> {
        let Some(conn) = self.conn.as_ref() else {
            // An event for a namespace the client has not joined ends the connection, as with
            // socketioxide.
            return Err(Reason::BadSocketIoPacket);
        };
        let incoming = Incoming { name, args, binary };
        match self.app.dispatch.handle(conn, incoming) {
            Reply::Answer(answer) => {
                let chunks = Arc::clone(&self.chunks);
                let answer = async move {
                    let mut on_chunk = move |chunk| lock(&chunks).push(chunk);
                    answer.run(&mut on_chunk).await
                };
                if self.in_flight.is_some() {
                    // The session refuses it at once (`busy`, or bad input): answer that now
                    // and keep the first one in flight.
                    let outcome = answer.await;
                    return self.on_answer(outcome, ack).await;
                }
                self.in_flight = Some(InFlight {
                    answer: Box::pin(answer),
                    ack,
                });
                Ok(())
            }
            reply => self.carry_out(reply, ack).await,
        }
    }

    /// Send what the dispatch replied.
    async fn carry_out(&mut self, reply: Reply, ack: Option<u64>) -> Result<(), Reason> {
        match reply {
            Reply::Nothing | Reply::Answer(_) => Ok(()),
            Reply::Emit {
                event,
                data,
                ack: acked,
            } => {
                self.emit(event, &data).await?;
                if acked {
                    self.ack(ack, &data).await?;
                }
                Ok(())
            }
            Reply::Ack(data) => self.ack(ack, &data).await,
            Reply::Disconnect => {
                self.send("41".to_owned()).await?;
                self.leave(Reason::ServerNsDisconnect);
                Ok(())
            }
        }
    }

    async fn on_answer(
        &mut self,
        outcome: Result<AiResponse, ErrorPayload>,
        ack: Option<u64>,
    ) -> Result<(), Reason> {
        self.flush_chunks().await?;
        self.carry_out(dispatch::answered(outcome), ack).await
    }

    async fn flush_chunks(&mut self) -> Result<(), Reason> {
        let chunks = std::mem::take(&mut *lock(&self.chunks));
        for chunk in chunks {
            self.emit(event::AI_MESSAGE_CHUNK, &chunk).await?;
        }
        Ok(())
    }

    async fn ack(&mut self, ack: Option<u64>, data: &impl Serialize) -> Result<(), Reason> {
        let Some(id) = ack else {
            return Ok(());
        };
        let data = serde_json::to_string(data).unwrap_or_else(|_| "null".to_owned());
        self.send(format!("43{id}[{data}]")).await
    }

    /// Leave the main namespace (if joined): cancel the answer in flight, give the place back.
    fn leave(&mut self, reason: Reason) {
        self.binary = None;
        let Some(conn) = self.conn.take() else {
            return;
        };
        conn.close(reason.as_str());
        // One more poll lets the answer see the cancellation (and log it, as on the other
        // path); dropping it then drops its upstream request.
        if let Some(mut flight) = self.in_flight.take() {
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            let _ = flight.answer.as_mut().poll(&mut cx);
        }
        lock(&self.chunks).clear();
    }
}

/// `42["name",data]`.
fn event_packet(name: &str, data: &impl Serialize) -> String {
    // Our wire types hold only strings and numbers: serializing them cannot fail.
    let data = serde_json::to_string(data).unwrap_or_else(|_| "null".to_owned());
    let name = serde_json::to_string(name).unwrap_or_default();
    format!("42[{name},{data}]")
}

/// A random 16-character session id (URL-safe base64 alphabet), as socketioxide's.
fn new_sid() -> String {
    use std::hash::BuildHasher;
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // RandomState is seeded randomly per instance: 128 random bits without a dependency.
    let high = std::collections::hash_map::RandomState::new().hash_one(0u8);
    let low = std::collections::hash_map::RandomState::new().hash_one(1u8);
    let bits = (u128::from(high) << 64) | u128::from(low);
    (0..16)
        .map(|i| char::from(ALPHABET[((bits >> (i * 6)) & 63) as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_fresh_websocket_session_is_direct() {
        let direct = |uri: &str| {
            let request = Request::get(uri).body(axum::body::Body::empty()).unwrap();
            is_direct_websocket(&request)
        };
        assert!(direct("/socket.io/?EIO=4&transport=websocket"));
        assert!(direct("/socket.io?transport=websocket&EIO=4&t=x"));
        assert!(!direct("/socket.io/?EIO=4&transport=polling"));
        assert!(
            !direct("/socket.io/?EIO=4&transport=websocket&sid=abc"),
            "an upgrade"
        );
        assert!(!direct("/socket.io/?EIO=3&transport=websocket"));
        assert!(!direct("/other/?EIO=4&transport=websocket"));
        assert!(!direct("/socket.iox/?EIO=4&transport=websocket"));
    }

    #[test]
    fn session_ids_differ() {
        let (a, b) = (new_sid(), new_sid());
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
    }

    #[test]
    fn event_packets_escape_the_name() {
        assert_eq!(
            event_packet("a\"b", &serde_json::json!({"k": 1})),
            r#"42["a\"b",{"k":1}]"#
        );
    }
}
