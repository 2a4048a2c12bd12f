//! HTTP long-polling: the handshake GET, the GETs that fetch packets, the POSTs that bring them.
//! The session's task does the rest; these handlers only carry bodies to and from it.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, oneshot};

use super::packet::{Packet, noop};
use super::session::{Session, Transport};
use super::sid::new_sid;
use super::{
    Engine, Entry, HttpError, Inbound, MakeHandler, PollReply, Query, Reason, SessionInfo,
};
use crate::protocol::engineio::{self, EngineVersion};
use crate::sync::lock;

/// POST bodies in flight to one session's task before a POST waits for room.
const INBOX: usize = 8;

/// `GET ?transport=polling` without a sid: open a session, answer with its open packet.
pub fn handshake(
    engine: &Arc<Engine>,
    make: Arc<dyn MakeHandler>,
    query: &Query,
    peer: Option<SocketAddr>,
    request: &Request,
) -> Response {
    let sid = new_sid();
    let (inbox, receiver) = mpsc::channel(INBOX);
    {
        let mut sessions = lock(&engine.sessions);
        if sessions.len() >= engine.max_sessions {
            engine.counters.full.inc();
            return HttpError::Full.response();
        }
        sessions.insert(
            sid.clone(),
            Entry {
                inbox: Some(inbox),
                version: query.version,
            },
        );
    }
    let info = SessionInfo {
        sid: sid.clone(),
        peer,
        version: query.version,
        transport: "Polling",
        query: request.uri().query().unwrap_or("").to_owned(),
    };
    let handler = make.make(&info);
    let session = Session::polling(sid, query.version, Arc::clone(engine), handler, receiver);
    let open = session.open_packet();
    let mut body = Vec::new();
    engineio::encode_payload(
        query.version,
        &[engineio::Packet::Open(&open[1..])],
        &mut body,
    );
    engine.tasks.spawn(session.run());
    text_response(body)
}

/// The channel to a polling session, or the response for a sid that has none.
fn live(engine: &Engine, sid: &str) -> Result<(mpsc::Sender<Inbound>, EngineVersion), HttpError> {
    match engine.lookup(sid) {
        Some(Entry {
            inbox: Some(inbox),
            version,
        }) => Ok((inbox, version)),
        // Upgraded: its WebSocket is the only way in now.
        Some(_) => Err(HttpError::BadRequest),
        None => Err(HttpError::UnknownSid),
    }
}

/// `GET ?sid=…`: wait for the session's next packets.
pub async fn poll(engine: &Engine, sid: &str) -> Response {
    let inbox = match live(engine, sid) {
        Ok((inbox, _)) => inbox,
        Err(error) => return error.response(),
    };
    let (reply, answer) = oneshot::channel();
    if inbox.send(Inbound::Poll(reply)).await.is_err() {
        return HttpError::UnknownSid.response();
    }
    // Dropping this future (the client went away) drops `answer`: the session sees it.
    match answer.await {
        Ok(PollReply::Body(body)) => text_response(body),
        Ok(PollReply::Refused) | Err(_) => HttpError::BadRequest.response(),
    }
}

/// `POST ?sid=…`: packets for the session, answered `ok`.
pub async fn post(engine: &Engine, sid: &str, body: Body) -> Response {
    let (inbox, version) = match live(engine, sid) {
        Ok(live) => live,
        Err(error) => return error.response(),
    };
    let limit = engine.limits.max_payload;
    // A body that never finishes holds nothing but this request: give up after a heartbeat's
    // worth of time, as the session would on a silent client.
    let read = tokio::time::timeout(
        engine.ping_interval + engine.ping_timeout,
        axum::body::to_bytes(body, limit),
    )
    .await;
    let body = match read {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            // Over the limit (or broken): the session ends, as Node's does.
            inbox.send(Inbound::Close(Reason::TooLarge)).await.ok();
            return (StatusCode::PAYLOAD_TOO_LARGE, "payload too large").into_response();
        }
        Err(_) => {
            inbox
                .send(Inbound::Close(Reason::TransportError))
                .await
                .ok();
            return HttpError::BadRequest.response();
        }
    };
    let packets = match engineio::decode_payload(version, &body, &engine.limits) {
        Ok(packets) => packets.into_iter().map(Packet::from_wire).collect(),
        Err(_) => {
            inbox
                .send(Inbound::Close(Reason::PacketParsingError))
                .await
                .ok();
            return HttpError::BadRequest.response();
        }
    };
    if inbox.send(Inbound::Packets(packets)).await.is_err() {
        return HttpError::UnknownSid.response();
    }
    text_response("ok")
}

impl Session {
    /// What the HTTP side brought: a POST's packets, a GET, a WebSocket to probe, a close.
    pub(super) fn on_inbound(&mut self, inbound: Option<Inbound>) -> Result<(), Reason> {
        let Transport::Polling { poll, probe, .. } = &mut self.transport else {
            return Ok(());
        };
        match inbound {
            // Every sender is gone: the engine forgot the session (it cannot happen before the
            // session closes itself, but end cleanly).
            None => Err(Reason::TransportClose),
            Some(Inbound::Close(reason)) => Err(reason),
            Some(Inbound::Poll(reply)) => {
                if let Some(first) = poll.take() {
                    // Two GETs at once break the protocol: the first gets the close packet
                    // (when the session closes), the second a 400.
                    *poll = Some(first);
                    reply.send(PollReply::Refused).ok();
                    return Err(Reason::BadPolling);
                }
                if probe.as_ref().is_some_and(|(_, probed)| *probed) {
                    // Upgrading: end this GET at once so the client can switch.
                    reply.send(PollReply::Body(noop(self.version))).ok();
                    return Ok(());
                }
                *poll = Some(reply);
                Ok(())
            }
            Some(Inbound::Upgrade(ws)) => {
                if probe.is_some() {
                    // One upgrade at a time; the newcomer is dropped (closed).
                    return Ok(());
                }
                *probe = Some((*ws, false));
                Ok(())
            }
            Some(Inbound::Packets(packets)) => {
                self.engine.counters.packets_in.inc_by(packets.len() as u64);
                for packet in packets {
                    self.on_packet(packet)?;
                }
                Ok(())
            }
        }
    }
}

/// A plain-text 200 response, as Node's polling transport answers.
fn text_response(body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    response
}
