//! Socket.IO handlers of the AI server, on the main namespace.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef, State, TryData};
use socketioxide::socket::DisconnectReason;

use super::args::Args;
use super::assistant::{Assistant, Session};
use crate::wire::{AiChunk, AiResetAck, ErrorCode, ErrorPayload, event};

pub fn register(io: &SocketIo) {
    io.ns("/", on_connect);
}

async fn on_connect(socket: SocketRef) {
    tracing::info!(
        sid = %socket.id,
        transport = ?socket.transport_type(),
        peer = %peer(&socket),
        "A user connected"
    );
    // The conversation lives with the socket and goes when it goes.
    socket.extensions.insert(Arc::new(Session::default()));
    socket.on(event::MESSAGE, on_message);
    socket.on(event::AI_MESSAGE, on_ai_message);
    socket.on(event::AI_RESET, on_ai_reset);
    socket.on_disconnect(async |socket: SocketRef, reason: DisconnectReason| {
        // Cancels an answer in flight: nobody is left to read it.
        session(&socket).close();
        tracing::info!(sid = %socket.id, %reason, "A user disconnected");
    });
}

fn session(socket: &SocketRef) -> Arc<Session> {
    socket.extensions.get::<Arc<Session>>().unwrap_or_else(|| {
        // Inserted on connect; should it be missing, a fresh one is still correct behaviour.
        let session = Arc::new(Session::default());
        socket.extensions.insert(Arc::clone(&session));
        session
    })
}

fn peer(socket: &SocketRef) -> String {
    socket
        .req_parts()
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |info| info.0.to_string())
}

async fn on_message(socket: SocketRef, Data(args): Data<Args<Value>>) {
    tracing::info!(sid = %socket.id, payload = %args, "message received from client");
}

async fn on_ai_message(
    socket: SocketRef,
    payload: TryData<Value>,
    ack: AckSender,
    State(assistant): State<Arc<Assistant>>,
) {
    let session = session(&socket);
    let mut chunks = ChunkEmitter::new(&socket);
    let outcome = match payload.0 {
        Ok(payload) => {
            assistant
                .answer(Some(&session), &payload, &mut |chunk| chunks.emit(chunk))
                .await
        }
        Err(e) => Err(ErrorPayload::new(
            ErrorCode::InvalidPayload,
            format!("ai-message needs one JSON argument like {{\"prompt\": \"…\"}}: {e}"),
        )),
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
    let cleared = session(&socket).reset();
    tracing::info!(sid = %socket.id, cleared, "AI conversation reset");
    ack.send(&AiResetAck { cleared }).ok();
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
