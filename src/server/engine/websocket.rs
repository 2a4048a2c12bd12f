//! `?transport=websocket`: a session that starts on a WebSocket (no sid), or the WebSocket a
//! polling session upgrades to (its sid).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Request};
use axum::response::{IntoResponse, Response};

use super::session::Session;
use super::sid::new_sid;
use super::{Engine, HttpError, Inbound, MakeHandler, Query, SessionInfo};

/// WebSocket read buffer per connection; a bigger message still arrives (the buffer grows).
const READ_BUFFER: usize = 1024;

/// WebSocket bytes buffered before a flush forces a write.
const WRITE_BUFFER: usize = 64 * 1024;

pub async fn serve(
    engine: Arc<Engine>,
    make: Arc<dyn MakeHandler>,
    query: Query,
    peer: Option<SocketAddr>,
    request: Request,
) -> Response {
    let upgrading = match &query.sid {
        Some(sid) => match engine.lookup(sid) {
            Some(entry) if entry.version == query.version => Some(entry),
            _ => return HttpError::UnknownSid.response(),
        },
        None => None,
    };
    let query_string = request.uri().query().unwrap_or("").to_owned();
    let (mut parts, _) = request.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        // A plain GET with `transport=websocket`.
        Err(_) => return HttpError::BadRequest.response(),
    };
    let upgrade = upgrade
        .read_buffer_size(READ_BUFFER)
        // Frames are buffered until the session flushes, once per wake (see `packet::send`);
        // past this much they go out as they come.
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(engine.limits.max_payload);
    let tasks = engine.tasks.clone();
    if upgrading
        .as_ref()
        .is_some_and(|entry| entry.inbox.is_none())
    {
        // As Node: a second WebSocket for an upgraded session is accepted, then closed.
        return upgrade
            .on_upgrade(|mut ws| async move {
                futures_util::SinkExt::close(&mut ws).await.ok();
            })
            .into_response();
    }
    if let Some(inbox) = upgrading.and_then(|entry| entry.inbox) {
        return upgrade
            .on_upgrade(move |ws| async move {
                // The session may have ended meanwhile; the WebSocket is then dropped (closed).
                inbox.send(Inbound::Upgrade(Box::new(ws))).await.ok();
            })
            .into_response();
    }
    let version = query.version;
    upgrade
        .on_upgrade(move |ws| {
            let sid = new_sid();
            let info = SessionInfo {
                sid: sid.clone(),
                peer,
                version,
                transport: "Websocket",
                query: query_string,
            };
            let handler = make.make(&info);
            tasks.track_future(Session::websocket(sid, version, engine, handler, ws).run())
        })
        .into_response()
}
