//! Socket.IO handlers of the AI server, on the main namespace.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::ConnectInfo;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Event, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::socket::DisconnectReason;

use super::args::Args;
use super::assistant::Assistant;
use super::events::{Client, binary_not_supported, no_argument, too_many_events, unknown_event};
use super::guard::{Guard, RateLimiter, Refusal, Verdict};
use crate::wire::{AiChunk, AiResetAck, event};

pub fn register(io: &SocketIo) {
    io.ns("/", on_connect.with(admit));
}

/// Runs before the socket joins the namespace: a refusal reaches the client as `connect_error`
/// with the reason as its message.
async fn admit(
    socket: SocketRef,
    TryData(auth): TryData<Value>,
    State(guard): State<Arc<Guard>>,
) -> Result<(), Refusal> {
    let auth = auth.unwrap_or(Value::Null);
    let token = auth.get("token").and_then(Value::as_str);
    let place = guard.admit(token).inspect_err(|refusal| {
        tracing::warn!(peer = %peer(&socket), code = %refusal.code(), "refused a connection");
    })?;
    socket.extensions.insert(Arc::new(SocketState {
        client: Client::new(place),
        limiter: guard.rate_limiter().map(Mutex::new),
    }));
    listen(&socket);
    Ok(())
}

/// A socketioxide socket's state: one extension, looked up once per event.
struct SocketState {
    client: Client,
    limiter: Option<Mutex<RateLimiter>>,
}

/// The socket's state, and whether this event may be handled (see `within_rate`).
fn admitted(socket: &SocketRef, error_event: &str) -> Option<Arc<SocketState>> {
    // Every socket gets its state in `admit`, before any of its events can arrive.
    let state = socket.extensions.get::<Arc<SocketState>>()?;
    within_rate(socket, &state, error_event).then_some(state)
}

/// Register the socket's handlers. This runs in the connect middleware, not the connect handler:
/// socketioxide sends CONNECT to the client before it runs the (async) handler, so events a
/// client sends right after connecting would find no handler and be dropped.
fn listen(socket: &SocketRef) {
    socket.on(event::MESSAGE, on_message);
    socket.on(event::AI_MESSAGE, on_ai_message);
    socket.on(event::AI_RESET, on_ai_reset);
    socket.on_fallback(on_unknown_event);
    socket.on_disconnect(async |socket: SocketRef, reason: DisconnectReason| {
        // Cancels an answer in flight: nobody is left to read it.
        if let Some(state) = socket.extensions.get::<Arc<SocketState>>() {
            state.client.session.close();
        }
        // Gives the connection place back.
        socket.extensions.clear();
        tracing::info!(sid = %socket.id, %reason, "A user disconnected");
    });
}

/// socketioxide sends CONNECT to the client a moment before it marks the socket connected, and
/// refuses emits until then. On a multi-thread runtime a client's first event can be handled in
/// that moment; wait it out (a few scheduler turns, bounded) so the answer is not lost.
async fn until_connected(socket: &SocketRef) {
    for _ in 0..1000 {
        if socket.connected() {
            return;
        }
        tokio::task::yield_now().await;
    }
}

/// Apply the socket's rate limit to one incoming event. Returns false when the event must be
/// dropped; the client has then been told, on `error_event`, or disconnected.
fn within_rate(socket: &SocketRef, state: &SocketState, error_event: &str) -> bool {
    let Some(limiter) = &state.limiter else {
        return true;
    };
    let verdict = super::lock(limiter).check(Instant::now());
    match verdict {
        Verdict::Allow => true,
        Verdict::Reject => {
            socket.emit(error_event, &too_many_events()).ok();
            false
        }
        Verdict::Disconnect => {
            tracing::warn!(sid = %socket.id, "disconnecting a socket that keeps exceeding the rate limit");
            socket.clone().disconnect().ok();
            false
        }
    }
}

async fn on_connect(socket: SocketRef) {
    tracing::info!(
        sid = %socket.id,
        transport = ?socket.transport_type(),
        peer = %peer(&socket),
        "A user connected"
    );
}

fn peer(socket: &SocketRef) -> String {
    socket
        .req_parts()
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |info| info.0.to_string())
}

async fn on_message(socket: SocketRef, TryData(args): TryData<Args<Value>>) {
    until_connected(&socket).await;
    if admitted(&socket, event::SERVER_ERROR).is_none() {
        return;
    }
    match args {
        Ok(args) => {
            tracing::info!(sid = %socket.id, payload = %args, "message received from client");
        }
        // Any JSON deserializes into a Value: only binary attachments fail.
        Err(_) => {
            socket
                .emit(event::SERVER_ERROR, &binary_not_supported(event::MESSAGE))
                .ok();
        }
    }
}

async fn on_ai_message(
    socket: SocketRef,
    TryData(args): TryData<Args<Value>>,
    ack: AckSender,
    State(assistant): State<Arc<Assistant>>,
) {
    until_connected(&socket).await;
    let Some(state) = admitted(&socket, event::AI_MESSAGE_ERROR) else {
        return;
    };
    let mut chunks = ChunkEmitter::new(&socket);
    let outcome = match args.map(|args| args.0.into_iter().next()) {
        Ok(Some(payload)) => {
            assistant
                .answer(Some(&state.client.session), &payload, &mut |chunk| {
                    chunks.emit(chunk)
                })
                .await
        }
        Ok(None) => Err(no_argument()),
        // Any JSON deserializes into a Value: only binary attachments fail.
        Err(_) => Err(binary_not_supported(event::AI_MESSAGE)),
    };
    chunks.flush();
    // A failed emit means the socket is gone; nobody is left to tell.
    match outcome {
        Ok(response) => {
            socket.emit(event::AI_MESSAGE_RESPONSE, &response).ok();
            ack.send(&response).ok();
        }
        Err(error) => {
            socket.emit(event::AI_MESSAGE_ERROR, &error).ok();
            ack.send(&error).ok();
        }
    }
}

async fn on_ai_reset(socket: SocketRef, ack: AckSender) {
    until_connected(&socket).await;
    let Some(state) = admitted(&socket, event::SERVER_ERROR) else {
        return;
    };
    let cleared = state.client.session.reset();
    tracing::info!(sid = %socket.id, cleared, "AI conversation reset");
    ack.send(&AiResetAck { cleared }).ok();
}

/// Any other event: say so, rather than leave the client waiting for an answer.
async fn on_unknown_event(socket: SocketRef, Event(name): Event) {
    until_connected(&socket).await;
    if admitted(&socket, event::SERVER_ERROR).is_none() {
        return;
    }
    tracing::debug!(sid = %socket.id, event = %name, "unknown event");
    socket.emit(event::SERVER_ERROR, &unknown_event(&name)).ok();
}

/// Emits `ai-message-chunk`s. socketioxide's emit does not wait: when the socket's buffer is
/// full it fails at once. Rather than lose text, a piece that could not be sent is kept and
/// sent with the next one, so the client's concatenated deltas always match the response.
struct ChunkEmitter<'a> {
    socket: &'a SocketRef,
    pending: Option<AiChunk>,
}

impl<'a> ChunkEmitter<'a> {
    fn new(socket: &'a SocketRef) -> Self {
        Self {
            socket,
            pending: None,
        }
    }

    fn emit(&mut self, chunk: AiChunk) {
        let chunk = match self.pending.take() {
            Some(mut pending) => {
                pending.delta.push_str(&chunk.delta);
                pending
            }
            None => chunk,
        };
        if self.socket.emit(event::AI_MESSAGE_CHUNK, &chunk).is_err() {
            self.pending = Some(chunk);
        }
    }

    /// Last try for a held-back piece, before the response.
    fn flush(&mut self) {
        if let Some(chunk) = self.pending.take() {
            self.socket.emit(event::AI_MESSAGE_CHUNK, &chunk).ok();
        }
    }
}
