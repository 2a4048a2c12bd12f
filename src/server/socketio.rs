//! Socket.IO handlers of the AI server, on the main namespace.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef, State, TryData};
use socketioxide::socket::DisconnectReason;

use super::args::Args;
use super::assistant::Assistant;
use crate::wire::{ErrorCode, ErrorPayload, event};

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
    socket.on(event::MESSAGE, on_message);
    socket.on(event::AI_MESSAGE, on_ai_message);
    socket.on_disconnect(async |socket: SocketRef, reason: DisconnectReason| {
        tracing::info!(sid = %socket.id, %reason, "A user disconnected");
    });
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
    let outcome = match payload.0 {
        Ok(payload) => assistant.answer(&payload, &mut |_delta: &str| {}).await,
        Err(e) => Err(ErrorPayload::new(
            ErrorCode::InvalidPayload,
            format!("ai-message needs one JSON argument like {{\"prompt\": \"…\"}}: {e}"),
        )),
    };
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
