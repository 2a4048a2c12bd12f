//! Plain HTTP routes beside the realtime pipeline: `/`, `/health`, `POST /api/ai`.

use std::net::SocketAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{AppState, bridge};
use crate::wire::{self, ErrorCode, ErrorPayload, event};

/// `GET /`: a WebSocket upgrade opens the raw bridge; anything else gets the server's description.
pub async fn root(
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(app): State<AppState>,
) -> Response {
    match upgrade {
        Ok(upgrade) => upgrade
            .max_message_size(app.max_frame_bytes)
            .on_upgrade(move |socket| {
                let bridge =
                    bridge::serve(socket, peer, app.assistant.clone(), app.shutdown.clone());
                app.bridges.track_future(bridge)
            }),
        Err(_) => Json(info(&app)).into_response(),
    }
}

fn info(app: &AppState) -> Value {
    let provider = app.assistant.provider();
    json!({
        "name": env!("CARGO_PKG_NAME"),
        "version": env!("CARGO_PKG_VERSION"),
        "provider": provider.name(),
        "model": provider.model(),
        "socket_io_path": wire::SOCKET_IO_PATH,
        "raw_websocket": "/",
        "events": {
            "client_to_server": [event::MESSAGE, event::AI_MESSAGE],
            "server_to_client": [event::AI_MESSAGE_RESPONSE, event::AI_MESSAGE_ERROR],
        },
        "routes": ["GET /", "GET /health", "POST /api/ai"],
    })
}

pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `POST /api/ai`: the REST twin of `ai-message`.
pub async fn ai(State(app): State<AppState>, body: Bytes) -> Response {
    let payload = match serde_json::from_slice::<Value>(&body) {
        Ok(payload) => payload,
        Err(e) => {
            let error = ErrorPayload::new(
                ErrorCode::InvalidPayload,
                format!("the body must be JSON like {{\"prompt\": \"…\"}}: {e}"),
            );
            return error_response(error);
        }
    };
    match app.assistant.answer(&payload, &mut |_| {}).await {
        Ok(response) => Json(response).into_response(),
        Err(error) => error_response(error),
    }
}

fn error_response(error: ErrorPayload) -> Response {
    let status =
        StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(error)).into_response()
}
