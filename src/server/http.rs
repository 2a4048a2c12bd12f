//! Plain HTTP routes beside the realtime pipeline: `/`, `/health`, `POST /api/ai`.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::dispatch::{Flavor, Identity, Request};
use super::guard;
use super::response::error_response;
use super::{AppState, bridge, page};
use crate::wire::{self, AiChunk, AiPayload, AiResponse, ErrorCode, ErrorPayload, event};

/// `GET /`: a WebSocket upgrade opens the raw bridge; a browser (`Accept: text/html`) gets the
/// playground page; anything else gets the server's description.
pub async fn root(
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Response {
    let Ok(upgrade) = upgrade else {
        if page::wants_html(&headers) {
            return page::index(&headers);
        }
        // Caches keep the page and the description apart.
        return ([(header::VARY, "Accept")], Json(info(&app))).into_response();
    };
    let who = Identity {
        sid: None,
        peer: Some(peer),
        transport: "raw-websocket",
    };
    let conn = match app.dispatch.connect(bearer(&headers), who, Flavor::Bridge) {
        Ok(conn) => conn,
        Err(refusal) => {
            return error_response(ErrorPayload::new(refusal.code(), refusal.to_string()));
        }
    };
    upgrade
        .max_message_size(app.max_frame_bytes)
        .on_upgrade(move |socket| {
            let bridge = bridge::serve(socket, conn, app.dispatch.clone(), app.shutdown.clone());
            app.bridges.track_future(bridge)
        })
}

/// The token of the request's `Authorization: Bearer` header, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(guard::bearer_token)
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
        "playground": "GET / with Accept: text/html",
        "events": {
            "client_to_server": [
                event::MESSAGE,
                event::AI_MESSAGE,
                event::AI_RESET,
                event::AI_CANCEL,
            ],
            "server_to_client": [
                event::AI_MESSAGE_CHUNK,
                event::AI_MESSAGE_RESPONSE,
                event::AI_MESSAGE_ERROR,
                event::SERVER_ERROR,
            ],
        },
        "routes": ["GET /", "GET /health", "GET /metrics", "POST /api/ai"],
    })
}

/// `GET /health`: always open (no token), for load balancers and for tests that watch the
/// server's footprint.
pub async fn health(State(app): State<AppState>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "connections": app.guard.connections.open(),
        "sessions": app.bridges.len(),
        "sessions_served": app.dispatch.metrics.sessions_opened(),
        "heap_bytes": crate::heap::live_bytes(),
    }))
}

/// `POST /api/ai`: the REST twin of `ai-message`. Stateless: no conversation memory.
///
/// A request holds a connection place while it is answered, and `--rate-limit` applies per
/// client address, so HTTP clients share the server on the same terms as sockets.
///
/// Only a body declared `application/json` is read: a web page can send `text/plain` (or form)
/// bodies to any site without a CORS preflight, `application/json` needs one, which
/// `--cors-origin` governs.
pub async fn ai(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(error) = json_content_type(&headers) {
        tracing::warn!(%peer, "refused an HTTP AI request that is not application/json");
        app.dispatch.metrics.error(error.code);
        return error_response(error);
    }
    let request = match app.dispatch.admit_request(bearer(&headers), peer) {
        Ok(request) => request,
        Err(error) => return error_response(error),
    };
    let payload = match serde_json::from_slice::<Value>(&body) {
        Ok(payload) => AiPayload::Value(payload),
        Err(e) => {
            let error = ErrorPayload::new(
                ErrorCode::InvalidPayload,
                format!("the body must be JSON like {{\"prompt\": \"…\"}}: {e}"),
            );
            app.dispatch.metrics.error(error.code);
            return error_response(error);
        }
    };
    if wants_event_stream(&headers) {
        return event_stream(payload, request).await;
    }
    // A client that goes away drops this future, and with it the upstream request.
    let outcome = request.answer(&payload, &mut |_| {}).await;
    drop(request);
    match outcome {
        Ok(response) => Json(response).into_response(),
        Err(error) => error_response(error),
    }
}

/// `Content-Type: application/json`, with or without parameters (`; charset=utf-8`).
fn json_content_type(headers: &HeaderMap) -> Result<(), ErrorPayload> {
    let declared = headers.get(header::CONTENT_TYPE);
    let essence = declared
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if essence.is_some_and(|e| e.eq_ignore_ascii_case("application/json")) {
        return Ok(());
    }
    let got = match declared {
        // Quoted back, so bounded.
        Some(value) => format!(
            "Content-Type {:?}",
            String::from_utf8_lossy(value.as_bytes())
                .chars()
                .take(100)
                .collect::<String>()
        ),
        None => "no Content-Type".to_owned(),
    };
    Err(ErrorPayload::new(
        ErrorCode::UnsupportedMediaType,
        format!("the body must be JSON sent with Content-Type: application/json, got {got}"),
    ))
}

fn wants_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("text/event-stream"))
}

enum Progress {
    Chunk(AiChunk),
    Done(Result<AiResponse, ErrorPayload>),
}

/// `POST /api/ai` with `Accept: text/event-stream`: `ai-message-chunk` events, then one
/// `ai-message-response` or `ai-message-error` event. An answer that fails before its first
/// piece gets the plain JSON error with its status instead, as without `Accept`.
async fn event_stream(payload: AiPayload, request: Request) -> Response {
    let (progress, mut received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        // The request (its connection place) is held until the answer is over or abandoned.
        let chunks = progress.clone();
        let mut on_chunk = |chunk| {
            chunks.send(Progress::Chunk(chunk)).ok();
        };
        let answer = request.answer(&payload, &mut on_chunk);
        tokio::select! {
            outcome = answer => {
                progress.send(Progress::Done(outcome)).ok();
            }
            // The response body was dropped: the client went away; drop the upstream request.
            () = progress.closed() => {
                tracing::info!("AI answer cancelled: the HTTP client went away");
            }
        }
    });
    let first = match received.recv().await {
        None => {
            return error_response(ErrorPayload::new(
                ErrorCode::Unavailable,
                "the answer was abandoned",
            ));
        }
        Some(Progress::Done(Err(error))) => return error_response(error),
        Some(first) => first,
    };
    let events = futures_util::stream::unfold(
        (Some(first), received),
        |(first, mut received)| async move {
            let progress = match first {
                Some(progress) => progress,
                None => received.recv().await?,
            };
            Some((Ok::<_, Infallible>(sse_event(progress)), (None, received)))
        },
    );
    Sse::new(events).into_response()
}

fn sse_event(progress: Progress) -> Event {
    let (name, data) = match progress {
        Progress::Chunk(chunk) => (event::AI_MESSAGE_CHUNK, serde_json::to_string(&chunk)),
        Progress::Done(Ok(response)) => {
            (event::AI_MESSAGE_RESPONSE, serde_json::to_string(&response))
        }
        Progress::Done(Err(error)) => (event::AI_MESSAGE_ERROR, serde_json::to_string(&error)),
    };
    // Our wire types hold only strings and numbers: serializing them cannot fail.
    Event::default().event(name).data(data.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_type(value: Option<&str>) -> Result<(), ErrorPayload> {
        let mut headers = HeaderMap::new();
        if let Some(value) = value {
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
        }
        json_content_type(&headers)
    }

    #[test]
    fn only_json_bodies_are_read() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
        ] {
            assert_eq!(with_type(Some(ok)), Ok(()), "{ok}");
        }
        for refused in [
            Some("text/plain"),
            Some("text/plain;charset=UTF-8"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/jsonx"),
            Some(""),
            None,
        ] {
            let error = with_type(refused).unwrap_err();
            assert_eq!(error.code, ErrorCode::UnsupportedMediaType, "{refused:?}");
            assert_eq!(error.code.http_status(), 415);
            assert!(
                error.message.contains("application/json"),
                "{}",
                error.message
            );
        }
    }
}
