//! The one place that knows what the server does with an event, whichever transport carried it
//! (Socket.IO over any Engine.IO transport, the raw-WebSocket bridge, or `POST /api/ai`): the
//! events (`message`, `ai-message`, `ai-reset`, `ai-cancel`, anything else), the limits (rate,
//! prompt size, one answer in flight), the auth check and the log lines. Transports decode packets into an
//! [`Incoming`] event, hand it to [`Dispatch::handle`] and carry out the [`Reply`]; they never
//! decide what an event means. `POST /api/ai` is one stateless `ai-message`: admitted by
//! [`Dispatch::admit_request`], answered by [`Request::answer`]. A new event is added here.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use super::args::{Args, EventArgs};
use super::assistant::{Assistant, ChunkSink};
use super::guard::{ConnectionPermit, Guard, RateLimiter, Refusal, Verdict};
use super::metrics::{self, Metrics, Refused, Transport};
use super::replies::{
    binary_not_supported, no_argument, too_many_events, too_many_requests, unknown_event,
};
use super::session::Session;
use crate::sync::lock;
use crate::wire::{self, AiCancelAck, AiPayload, AiResetAck, AiResponse, ErrorPayload, event};

/// Who speaks to the server: the error events and acknowledgements differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Socket.IO: errors on `server-error` (`ai-message-error` for `ai-message`), acks honoured.
    SocketIo,
    /// The raw-WebSocket bridge: errors on `error`, no acks.
    Bridge,
}

/// Everything the handlers share: the assistant and the access rules.
pub struct Dispatch {
    pub assistant: Arc<Assistant>,
    pub guard: Arc<Guard>,
    pub metrics: Arc<Metrics>,
}

/// How a connection introduces itself, for the log lines.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The Socket.IO session id; none on the bridge.
    pub sid: Option<String>,
    pub peer: Option<SocketAddr>,
    /// As logged on `A user connected`.
    pub transport: &'static str,
}

/// One admitted connection (a Socket.IO socket on a namespace, or a bridge socket): its
/// conversation, its rate limiter and its connection place, which it gives back when dropped.
pub struct Conn {
    pub who: Identity,
    flavor: Flavor,
    session: Arc<Session>,
    /// Locked once per event, never contended (one task serves a connection): the lock is what
    /// lets the dispatch update it through the shared `&Conn` its transport lends.
    limiter: Option<Mutex<RateLimiter>>,
    _place: ConnectionPermit,
    _open: metrics::Open,
}

/// One event as a transport decoded it.
pub struct Incoming<'a> {
    pub name: &'a str,
    pub args: EventArgs<'a>,
    /// The event came with binary attachments (only counted: nothing here takes them).
    pub binary: bool,
}

/// What a transport does in answer to an event.
pub enum Reply {
    Nothing,
    /// Emit `event` with `data`; when `ack`, also acknowledge the event with `data` (if the
    /// client asked for an acknowledgement and the transport has them).
    Emit {
        event: &'static str,
        data: Payload,
        ack: bool,
    },
    /// Acknowledge the event with `data` (if asked), emit nothing.
    Ack(Payload),
    /// An answer to compute; run it (it may take long: keep reading meanwhile), then carry out
    /// [`answered`] of its outcome.
    Answer(Answer),
    /// Disconnect the socket (it keeps exceeding the rate limit).
    Disconnect,
}

/// What a reply carries.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Payload {
    Response(AiResponse),
    Error(ErrorPayload),
    Reset(AiResetAck),
    Cancel(AiCancelAck),
}

impl Payload {
    /// This payload's JSON appended to `out`: an answer (every round trip) without serde, the
    /// rest through it.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Self::Response(response) => response.write_json(out),
            // Plain structs of strings and numbers: serializing them cannot fail.
            other => out.push_str(&serde_json::to_string(other).unwrap_or_default()),
        }
    }
}

/// A prompt on its way to the provider; owns what it needs, so it can outlive the borrow of
/// the connection that started it.
pub struct Answer {
    assistant: Arc<Assistant>,
    session: Arc<Session>,
    payload: AiPayload,
}

impl Answer {
    /// Compute the answer; `on_chunk` sees it as it streams.
    pub async fn run(self, on_chunk: ChunkSink<'_>) -> Result<AiResponse, ErrorPayload> {
        self.assistant
            .answer(Some(&self.session), &self.payload, on_chunk)
            .await
    }
}

/// One admitted stateless request: answered without a conversation (no memory, no `busy`),
/// holding its connection place until dropped. Owns what it needs, so it can move into the
/// task that streams it.
pub struct Request {
    assistant: Arc<Assistant>,
    _place: ConnectionPermit,
}

impl Request {
    /// Answer `payload` (an `ai-message` argument); `on_chunk` sees the answer as it streams.
    pub async fn answer(
        &self,
        payload: &AiPayload,
        on_chunk: ChunkSink<'_>,
    ) -> Result<AiResponse, ErrorPayload> {
        self.assistant.answer(None, payload, on_chunk).await
    }
}

/// The reply to an answer's outcome: emitted, and acknowledged.
pub fn answered(outcome: Result<AiResponse, ErrorPayload>) -> Reply {
    match outcome {
        Ok(response) => Reply::Emit {
            event: event::AI_MESSAGE_RESPONSE,
            data: Payload::Response(response),
            ack: true,
        },
        Err(error) => Reply::Emit {
            event: event::AI_MESSAGE_ERROR,
            data: Payload::Error(error),
            ack: true,
        },
    }
}

/// The token a Socket.IO CONNECT presents: `auth.token`.
pub fn auth_token(auth: &Value) -> Option<&str> {
    auth.get("token").and_then(Value::as_str)
}

impl Dispatch {
    pub fn new(assistant: Arc<Assistant>, guard: Arc<Guard>, metrics: Arc<Metrics>) -> Self {
        Self {
            assistant,
            guard,
            metrics,
        }
    }

    /// Count a refusal by the guard, and the error it sends.
    fn count_refusal(&self, refusal: Refusal) {
        let why = match refusal {
            Refusal::BadToken => Refused::Token,
            Refusal::Full(_) => Refused::Full,
        };
        self.metrics.refused(why);
        self.metrics.error(refusal.code());
    }

    /// Count the error a reply sends, if it sends one.
    fn count(&self, reply: Reply) -> Reply {
        if let Reply::Emit {
            data: Payload::Error(error),
            ..
        } = &reply
        {
            self.metrics.error(error.code);
        }
        reply
    }

    /// Check the token and take a connection place; logs `A user connected` or the refusal.
    pub fn connect(
        &self,
        token: Option<&str>,
        who: Identity,
        flavor: Flavor,
    ) -> Result<Conn, Refusal> {
        let place = self.guard.admit(token).inspect_err(|refusal| {
            let what = match flavor {
                Flavor::SocketIo => "refused a connection",
                Flavor::Bridge => "refused a raw WebSocket",
            };
            tracing::warn!(peer = %Peer(who.peer), code = %refusal.code(), "{what}");
            self.count_refusal(*refusal);
        })?;
        tracing::info!(
            sid = who.sid.as_deref(),
            transport = who.transport,
            peer = %Peer(who.peer),
            "A user connected"
        );
        let open = self.metrics.connection(Transport::of_logged(who.transport));
        Ok(Conn {
            _open: open,
            who,
            flavor,
            session: Arc::new(Session::default()),
            limiter: self.guard.rate_limiter().map(Mutex::new),
            _place: place,
        })
    }

    /// Admit one stateless request (`POST /api/ai`) from `peer`: the token, a connection place
    /// (held until the [`Request`] is dropped), then the per-address rate limit. Logs the
    /// refusal.
    pub fn admit_request(
        &self,
        token: Option<&str>,
        peer: SocketAddr,
    ) -> Result<Request, ErrorPayload> {
        let place = self.guard.admit(token).map_err(|refusal| {
            let code = refusal.code();
            tracing::warn!(peer = %Peer(Some(peer)), %code, "refused an HTTP AI request");
            self.count_refusal(refusal);
            ErrorPayload::new(refusal.code(), refusal.to_string())
        })?;
        if !self.guard.within_peer_rate(peer.ip(), Instant::now()) {
            let peer = Peer(Some(peer));
            tracing::warn!(%peer, "refused an HTTP AI request over the rate limit");
            let refused = too_many_requests();
            self.metrics.refused(Refused::Rate);
            self.metrics.error(refused.code);
            return Err(refused);
        }
        Ok(Request {
            assistant: Arc::clone(&self.assistant),
            _place: place,
        })
    }

    /// Apply the connection's rate limit to one incoming event (`name` when known). `None`: go
    /// on; otherwise the reply that replaces handling it.
    pub fn over_rate(&self, conn: &Conn, name: Option<&str>) -> Option<Reply> {
        let limiter = conn.limiter.as_ref()?;
        let verdict = lock(limiter).check(Instant::now());
        if verdict != Verdict::Allow {
            self.metrics.refused(Refused::Rate);
        }
        match verdict {
            Verdict::Allow => None,
            Verdict::Reject => Some(self.count(Reply::Emit {
                event: conn.error_event(name),
                data: Payload::Error(too_many_events()),
                ack: false,
            })),
            Verdict::Disconnect => {
                tracing::warn!(
                    sid = conn.who.sid.as_deref(),
                    peer = %Peer(conn.who.peer),
                    "disconnecting a socket that keeps exceeding the rate limit"
                );
                Some(Reply::Disconnect)
            }
        }
    }

    /// Handle one event, rate limit included.
    pub fn handle(&self, conn: &Conn, incoming: Incoming<'_>) -> Reply {
        if let Some(reply) = self.over_rate(conn, Some(incoming.name)) {
            return reply;
        }
        self.handle_admitted(conn, incoming)
    }

    /// Handle one event the rate limit already let through.
    pub fn handle_admitted(&self, conn: &Conn, incoming: Incoming<'_>) -> Reply {
        let reply = self.decide(conn, incoming);
        self.count(reply)
    }

    fn decide(&self, conn: &Conn, incoming: Incoming<'_>) -> Reply {
        let Incoming { name, args, binary } = incoming;
        let error_event = conn.error_event(Some(name));
        match name {
            event::MESSAGE | event::AI_MESSAGE if binary => Reply::Emit {
                event: error_event,
                data: Payload::Error(binary_not_supported(name)),
                ack: name == event::AI_MESSAGE,
            },
            event::MESSAGE => {
                tracing::info!(
                    sid = conn.who.sid.as_deref(),
                    transport = conn.who.transport,
                    payload = %Args(args.into_values()),
                    "message received from client"
                );
                Reply::Nothing
            }
            event::AI_MESSAGE => match args.into_ai_payload() {
                Some(payload) => Reply::Answer(Answer {
                    assistant: Arc::clone(&self.assistant),
                    session: Arc::clone(&conn.session),
                    payload,
                }),
                None => answered(Err(no_argument())),
            },
            event::AI_RESET => {
                let cleared = conn.session.reset();
                tracing::info!(
                    sid = conn.who.sid.as_deref(),
                    transport = conn.who.transport,
                    cleared,
                    "AI conversation reset"
                );
                Reply::Ack(Payload::Reset(AiResetAck { cleared }))
            }
            event::AI_CANCEL => self.cancel(conn, &args.into_values(), error_event),
            _ => {
                tracing::debug!(sid = conn.who.sid.as_deref(), event = %name, "unknown event");
                Reply::Emit {
                    event: error_event,
                    data: Payload::Error(unknown_event(name)),
                    ack: false,
                }
            }
        }
    }
}

impl Dispatch {
    /// `ai-cancel`. Nothing to cancel (none in flight, another id: it raced with its end) is
    /// acknowledged with `cancelled: false`, no error: a Stop pressed as the answer ends is no
    /// mistake of the client's. Only a malformed argument is an error.
    fn cancel(&self, conn: &Conn, args: &[Value], error_event: &'static str) -> Reply {
        match wire::parse_ai_cancel(args) {
            Ok(request) => {
                let id = request.id.as_deref();
                let cancelled = self.assistant.cancel(&conn.session, id);
                tracing::info!(
                    sid = conn.who.sid.as_deref(),
                    transport = conn.who.transport,
                    id,
                    cancelled,
                    "AI cancel requested"
                );
                Reply::Ack(Payload::Cancel(AiCancelAck { cancelled }))
            }
            Err(error) => Reply::Emit {
                event: error_event,
                data: Payload::Error(error),
                ack: true,
            },
        }
    }
}

impl Conn {
    /// The event errors about `name` go out on.
    fn error_event(&self, name: Option<&str>) -> &'static str {
        match (self.flavor, name) {
            (Flavor::Bridge, _) => event::ERROR,
            (Flavor::SocketIo, Some(event::AI_MESSAGE)) => event::AI_MESSAGE_ERROR,
            (Flavor::SocketIo, _) => event::SERVER_ERROR,
        }
    }

    /// The client is gone: cancel its answer in flight, forget its conversation, and log it.
    /// The connection place goes back when the `Conn` is dropped.
    pub fn close(&self, reason: &str) {
        self.session.close();
        tracing::info!(
            sid = self.who.sid.as_deref(),
            peer = %Peer(self.who.peer),
            reason,
            "A user disconnected"
        );
    }
}

/// A peer address for the logs.
struct Peer(Option<SocketAddr>);

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            // A client address a proxy forwarded without its port.
            Some(peer) if peer.port() == 0 => write!(f, "{}", peer.ip()),
            Some(peer) => write!(f, "{peer}"),
            None => f.write_str("unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::Echo;
    use crate::server::assistant::AnswerLimits;
    use crate::wire::ErrorCode;
    use std::time::Duration;

    fn dispatch(token: Option<&str>, max_connections: usize, rate: u32) -> Dispatch {
        let limits = AnswerLimits {
            max_prompt_bytes: 64,
            stream: true,
            history: 0,
            timeout: Duration::from_secs(5),
            max_concurrent: 1,
        };
        let metrics = Arc::new(Metrics::new("echo", "echo"));
        let echo = Arc::new(Echo::new(Duration::ZERO));
        let assistant = Assistant::new(echo, limits, Arc::clone(&metrics));
        let guard = Guard::new(token.map(str::to_owned), max_connections, rate);
        Dispatch::new(Arc::new(assistant), Arc::new(guard), metrics)
    }

    const PEER: &str = "10.0.0.1:5000";

    #[test]
    fn a_request_is_admitted_by_token_place_and_rate_as_connections_are() {
        let peer = PEER.parse().unwrap();
        let guarded = dispatch(Some("t0k"), 1, 0);
        let refused = guarded.admit_request(None, peer).err().unwrap();
        assert_eq!(refused.code, ErrorCode::AuthRequired);
        let held = guarded.admit_request(Some("t0k"), peer).ok().unwrap();
        let full = guarded.admit_request(Some("t0k"), peer).err().unwrap();
        assert_eq!(full.code, ErrorCode::ServerFull);
        drop(held);
        assert!(guarded.admit_request(Some("t0k"), peer).is_ok());

        let limited = dispatch(None, 10, 1);
        assert!(limited.admit_request(None, peer).is_ok());
        let over = limited.admit_request(None, peer).err().unwrap();
        assert_eq!(over, too_many_requests());
        // The refused request gave its place back.
        assert_eq!(limited.guard.connections.open(), 0);
    }

    #[tokio::test]
    async fn a_request_is_answered_without_a_conversation() {
        let request = dispatch(None, 1, 0)
            .admit_request(None, PEER.parse().unwrap())
            .ok()
            .unwrap();
        let prompt = AiPayload::Value(serde_json::json!({"prompt": "hi"}));
        let mut chunks = Vec::new();
        let response = request
            .answer(&prompt, &mut |chunk| chunks.push(chunk))
            .await
            .unwrap();
        assert!(response.response.contains("hi"), "{response:?}");
        let tiny = AiPayload::Value(serde_json::json!({"prompt": "x".repeat(65)}));
        let error = request.answer(&tiny, &mut |_| {}).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::PromptTooLarge);
    }
}
