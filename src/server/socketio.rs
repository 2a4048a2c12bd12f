//! Socket.IO on top of the engine, for every transport: namespaces, CONNECT and its auth,
//! events (binary ones too) and acks, disconnects; malformed packets close the session. What
//! an event means is `dispatch.rs`'s (or `echo_server.rs`'s with `--echo-server`).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use serde_json::Value;

use super::args::EventArgs;
use super::dispatch::{self, Conn, Dispatch, Flavor, Identity, Incoming, Reply};
use super::echo_server;
use super::engine::{Handler, MakeHandler, Out, Reason, SessionInfo};
use super::metrics::{Direction, Metrics};
use crate::protocol::Limits;
use crate::protocol::engineio;
use crate::protocol::json;
use crate::protocol::socketio::{
    Decoder, Message, Packet, PacketType, SocketError, SocketVersion, encode_header, encode_into,
    encode_message, split_query,
};
use crate::sync::lock;
use crate::wire::{AiChunk, AiResponse, ErrorPayload, event};

/// What the Socket.IO sessions of a server do.
#[derive(Clone)]
pub enum Mode {
    /// The AI server: `/` only, events to the dispatch.
    Ai(Arc<Dispatch>),
    /// `--echo-server`: the protocol suite's reference behaviour.
    Echo,
}

pub struct MakeSocketIo {
    pub mode: Mode,
    pub limits: Limits,
    pub metrics: Arc<Metrics>,
}

impl MakeHandler for MakeSocketIo {
    fn make(&self, session: &SessionInfo) -> Box<dyn Handler> {
        Box::new(Socket {
            session: session.clone(),
            version: SocketVersion::from(session.version),
            decoder: Decoder::new(self.limits),
            mode: self.mode.clone(),
            joined: Vec::new(),
            answers: Vec::new(),
            chunks: Arc::default(),
            ever_joined: false,
            metrics: Arc::clone(&self.metrics),
        })
    }
}

/// A namespace the client joined.
struct Joined {
    name: String,
    /// The dispatch's side of the socket (AI mode).
    conn: Option<Conn>,
}

/// An answer being computed, with the acknowledgement it owes.
struct InFlight {
    answer: Pin<Box<dyn Future<Output = Result<AiResponse, ErrorPayload>> + Send>>,
    ack: Option<u64>,
}

struct Socket {
    session: SessionInfo,
    version: SocketVersion,
    decoder: Decoder,
    mode: Mode,
    joined: Vec<Joined>,
    /// In order: a second one is refused (`busy`) by the session on its first poll.
    answers: Vec<InFlight>,
    /// Pieces the answers streamed; written before anything else.
    chunks: Arc<Mutex<Vec<AiChunk>>>,
    ever_joined: bool,
    metrics: Arc<Metrics>,
}

/// Why a socket left a namespace (or the session ended over a packet), as logged.
const BAD_PACKET: &str = "client sent a bad request / the packet could not be parsed";
const CLIENT_DISCONNECT: &str = "client has manually disconnected the socket from the namespace";
const SERVER_DISCONNECT: &str = "socket was forcefully disconnected from the namespace";

/// Write a Socket.IO message: its text packet, then its attachments.
fn push(out: &mut Vec<Out>, message: &Message) {
    let (text, attachments) = encode_message(message);
    let mut packet = String::with_capacity(text.len() + 1);
    engineio::encode_text(&engineio::Packet::Message(&text), &mut packet);
    out.push(Out::Text(packet));
    out.extend(attachments.into_iter().map(Out::Binary));
}

/// Write a packet without binary: one buffer, the Engine.IO type first.
fn write_packet(out: &mut Vec<Out>, packet: &Packet) {
    let mut text = String::with_capacity(64);
    engineio::start_message(&mut text);
    encode_into(packet.kind, 0, packet, &mut text);
    out.push(Out::Text(text));
}

fn push_packet(out: &mut Vec<Out>, packet: Packet) {
    write_packet(out, &packet);
}

/// Write an event (`name`) or an ack (`id`, no name) whose one argument is sockai's own typed
/// payload: the protocol layer writes the header, `write_data` the argument straight into the
/// packet (no `Value` tree, no intermediate strings).
fn write_typed(
    out: &mut Vec<Out>,
    namespace: &str,
    name: Option<&str>,
    id: Option<u64>,
    write_data: impl FnOnce(&mut String),
) {
    let kind = match name {
        Some(_) => PacketType::Event,
        None => PacketType::Ack,
    };
    let mut text = String::with_capacity(128);
    engineio::start_message(&mut text);
    encode_header(kind, 0, namespace, id, &mut text);
    text.push('[');
    if let Some(name) = name {
        json::write_str(&mut text, name);
        text.push(',');
    }
    write_data(&mut text);
    text.push(']');
    out.push(Out::Text(text));
}

impl Handler for Socket {
    fn on_open(&mut self, out: &mut Vec<Out>) {
        // Socket.IO 2.x clients are in `/` as soon as the session opens; auth comes in the query.
        if self.version == SocketVersion::V4 {
            let auth = query_auth(&self.session.query);
            self.join("/", auth, out);
        }
    }

    fn on_text(&mut self, text: &str, out: &mut Vec<Out>) -> Result<(), Reason> {
        // An event to the dispatch is read without its JSON tree; the echo server's events, and
        // whatever the short read does not take, go through the full decoder.
        if matches!(self.mode, Mode::Ai(_))
            && let Some(event) = self.decoder.event(text)
        {
            if !self.takes_events_of(event.namespace) {
                return Ok(());
            }
            self.metrics.event(Direction::In);
            let incoming = Incoming {
                name: &event.name,
                args: EventArgs::Text(&event.args),
                binary: false,
            };
            self.dispatch_event(event.namespace, event.id, incoming, out);
            return Ok(());
        }
        match self.decoder.text(text) {
            Ok(Some(message)) => self.on_message(message, out),
            Ok(None) => Ok(()),
            Err(_) => Err(Reason::Refused(BAD_PACKET)),
        }
    }

    fn on_binary(&mut self, data: Bytes, out: &mut Vec<Out>) -> Result<(), Reason> {
        match self.decoder.binary(data) {
            Ok(Some(message)) => self.on_message(message, out),
            Ok(None) => Ok(()),
            Err(SocketError::UnexpectedBinary) => Err(Reason::PacketParsingError),
            Err(_) => Err(Reason::Refused(BAD_PACKET)),
        }
    }

    fn poll_work(&mut self, cx: &mut Context<'_>, out: &mut Vec<Out>) -> Poll<Result<(), Reason>> {
        // Chunks come only from answers: with none in flight there is nothing to look at.
        if self.answers.is_empty() {
            return Poll::Pending;
        }
        let mut index = 0;
        while index < self.answers.len() {
            match self.answers[index].answer.as_mut().poll(cx) {
                Poll::Ready(outcome) => {
                    let done = self.answers.remove(index);
                    self.flush_chunks(out);
                    self.carry_out("/", dispatch::answered(outcome), done.ack, out);
                }
                Poll::Pending => index += 1,
            }
        }
        // Pieces streamed by an answer still going go out now.
        self.flush_chunks(out);
        if out.is_empty() {
            Poll::Pending
        } else {
            Poll::Ready(Ok(()))
        }
    }

    fn idle_too_long(&self) -> bool {
        !self.ever_joined
    }

    fn on_close(&mut self, reason: Reason) {
        for joined in std::mem::take(&mut self.joined) {
            self.leave_joined(joined, reason.as_str());
        }
        self.decoder.reset();
    }
}

impl Socket {
    fn on_message(&mut self, message: Message, out: &mut Vec<Out>) -> Result<(), Reason> {
        let Message {
            packet,
            attachments,
        } = message;
        match packet.kind {
            PacketType::Connect => {
                // A 2.x client may append a query to the namespace: `/admin?token=1`.
                let (namespace, _) = split_query(&packet.namespace);
                if !self.is_joined(namespace) {
                    let namespace = namespace.to_owned();
                    self.join(&namespace, packet.data, out);
                }
                Ok(())
            }
            PacketType::Disconnect => {
                self.leave(&packet.namespace, CLIENT_DISCONNECT);
                Ok(())
            }
            PacketType::Event | PacketType::BinaryEvent => {
                if self.takes_events_of(&packet.namespace) {
                    self.on_event(packet, attachments, out);
                }
                Ok(())
            }
            // The server asks for no acks; one from the client has nothing to go to.
            PacketType::Ack | PacketType::BinaryAck => Ok(()),
            PacketType::ConnectError => Err(Reason::Refused(BAD_PACKET)),
        }
    }

    fn is_joined(&self, namespace: &str) -> bool {
        self.joined.iter().any(|j| j.name == namespace)
    }

    /// As Node: an event for a namespace not joined is dropped, the session stays (it is
    /// closed if it never joins one: the connect timeout).
    fn takes_events_of(&self, namespace: &str) -> bool {
        let joined = self.is_joined(namespace);
        if !joined {
            tracing::debug!(sid = %self.session.sid, ns = %namespace,
                "event for a namespace not joined, dropped");
        }
        joined
    }

    fn join(&mut self, namespace: &str, auth: Option<Value>, out: &mut Vec<Out>) {
        // As Node: each socket has its own id, not the engine's session id, which is the
        // polling transport's credential and must not travel wherever socket ids are shown.
        let sid = super::engine::new_sid();
        match &self.mode {
            Mode::Ai(dispatch) if namespace == "/" => {
                let who = Identity {
                    sid: Some(sid.clone()),
                    peer: self.session.peer,
                    transport: self.session.transport,
                };
                let token = auth.as_ref().and_then(dispatch::auth_token);
                match dispatch.connect(token, who, Flavor::SocketIo) {
                    Ok(conn) => {
                        self.joined.push(Joined {
                            name: namespace.to_owned(),
                            conn: Some(conn),
                        });
                        self.ever_joined = true;
                        push_packet(out, Packet::connected(self.version, namespace, &sid));
                    }
                    Err(refusal) => {
                        let refused = Packet::connect_refused(
                            self.version,
                            namespace,
                            &refusal.to_string(),
                            None,
                        );
                        push_packet(out, refused);
                    }
                }
            }
            Mode::Echo if echo_server::NAMESPACES.contains(&namespace) => {
                tracing::info!(sid = %sid, ns = namespace, "echo-server: connected");
                self.joined.push(Joined {
                    name: namespace.to_owned(),
                    conn: None,
                });
                self.ever_joined = true;
                push_packet(out, Packet::connected(self.version, namespace, &sid));
                push_packet(out, echo_server::welcome(namespace, auth));
            }
            _ => {
                let refused =
                    Packet::connect_refused(self.version, namespace, "Invalid namespace", None);
                push_packet(out, refused);
            }
        }
    }

    fn leave(&mut self, namespace: &str, reason: &str) {
        if let Some(index) = self.joined.iter().position(|j| j.name == namespace) {
            let joined = self.joined.remove(index);
            self.leave_joined(joined, reason);
        }
    }

    /// Cancel the namespace's answers in flight and say goodbye to the dispatch.
    fn leave_joined(&mut self, joined: Joined, reason: &str) {
        let Some(conn) = joined.conn else {
            return;
        };
        conn.close(reason);
        // One more poll lets each answer see the cancellation (and log it); dropping it then
        // drops its upstream request.
        let mut cx = Context::from_waker(std::task::Waker::noop());
        for mut flight in self.answers.drain(..) {
            let _ = flight.answer.as_mut().poll(&mut cx);
        }
        lock(&self.chunks).clear();
    }

    fn on_event(&mut self, packet: Packet, attachments: Vec<Bytes>, out: &mut Vec<Out>) {
        self.metrics.event(Direction::In);
        if matches!(self.mode, Mode::Echo) {
            let reply = echo_server::answer(packet, attachments);
            if let Some(reply) = reply {
                if matches!(
                    reply.packet.kind,
                    PacketType::Event | PacketType::BinaryEvent
                ) {
                    self.metrics.event(Direction::Out);
                }
                push(out, &reply);
            }
            return;
        }
        let mut packet = packet;
        // Moved, not copied: nothing reads the packet's namespace after this.
        let namespace = std::mem::take(&mut packet.namespace);
        let ack = packet.id;
        let binary = packet.kind == PacketType::BinaryEvent;
        let (name, args) = packet.into_event();
        // A binary event is refused (see `dispatch`): its arguments are not read.
        let args = if binary { Vec::new() } else { args };
        let incoming = Incoming {
            name: &name,
            args: EventArgs::Values(args),
            binary,
        };
        self.dispatch_event(&namespace, ack, incoming, out);
    }

    /// An event of a joined namespace to the dispatch (AI mode), and its reply carried out.
    fn dispatch_event(
        &mut self,
        namespace: &str,
        ack: Option<u64>,
        incoming: Incoming<'_>,
        out: &mut Vec<Out>,
    ) {
        let Mode::Ai(dispatch) = &self.mode else {
            return;
        };
        let Some(conn) = self
            .joined
            .iter()
            .find(|j| j.name == namespace)
            .and_then(|j| j.conn.as_ref())
        else {
            return;
        };
        let reply = dispatch.handle(conn, incoming);
        self.carry_out(namespace, reply, ack, out);
    }

    /// Send what the dispatch replied.
    fn carry_out(&mut self, namespace: &str, reply: Reply, ack: Option<u64>, out: &mut Vec<Out>) {
        match reply {
            Reply::Nothing => {}
            Reply::Emit {
                event,
                data,
                ack: acked,
            } => {
                self.metrics.event(Direction::Out);
                write_typed(out, namespace, Some(event), None, |text| {
                    data.write_json(text)
                });
                if acked && let Some(id) = ack {
                    write_typed(out, namespace, None, Some(id), |text| data.write_json(text));
                }
            }
            Reply::Ack(data) => {
                if let Some(id) = ack {
                    write_typed(out, namespace, None, Some(id), |text| data.write_json(text));
                }
            }
            Reply::Answer(answer) => {
                let chunks = Arc::clone(&self.chunks);
                let answer = async move {
                    let mut on_chunk = move |chunk| lock(&chunks).push(chunk);
                    answer.run(&mut on_chunk).await
                };
                let mut flight = InFlight {
                    answer: Box::pin(answer),
                    ack,
                };
                // An answer ready at once (the echo provider, every refusal) goes out now, in
                // this wake's write. Any other is polled again with the session's waker before
                // the session waits (`poll_work` comes first in its loop), so the no-op waker
                // of this first poll is never the one relied on.
                let mut cx = Context::from_waker(std::task::Waker::noop());
                match flight.answer.as_mut().poll(&mut cx) {
                    Poll::Ready(outcome) => {
                        self.flush_chunks(out);
                        self.carry_out(namespace, dispatch::answered(outcome), ack, out);
                    }
                    Poll::Pending => self.answers.push(flight),
                }
            }
            Reply::Disconnect => {
                push_packet(out, Packet::disconnect(namespace));
                self.leave(namespace, SERVER_DISCONNECT);
            }
        }
    }

    fn flush_chunks(&mut self, out: &mut Vec<Out>) {
        let chunks = std::mem::take(&mut *lock(&self.chunks));
        for chunk in chunks {
            self.metrics.event(Direction::Out);
            write_typed(out, "/", Some(event::AI_MESSAGE_CHUNK), None, |text| {
                chunk.write_json(text)
            });
        }
    }
}

/// Socket.IO 2.x clients pass auth in the query: `?token=…` becomes `{"token": …}`.
fn query_auth(query: &str) -> Option<Value> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "token")
        .map(|(_, token)| serde_json::json!({ "token": token }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::socketio::encode;

    #[test]
    fn typed_packets_read_as_the_protocol_writes_them() {
        let response = AiResponse {
            response: "a \"quoted\" text".to_owned(),
            id: Some("x-1".to_owned()),
            finish_reason: None,
            usage: None,
        };
        let data = serde_json::to_value(&response).unwrap();
        let mut out = Vec::new();
        let write = |text: &mut String| response.write_json(text);
        write_typed(&mut out, "/", Some("ai-message-response"), None, write);
        write_typed(&mut out, "/admin", None, Some(7), write);
        let expected = [
            Packet::event("/", "ai-message-response", vec![data.clone()], None),
            Packet::ack("/admin", 7, vec![data]),
        ]
        .map(|packet| Out::Text(format!("4{}", encode(&packet))));
        assert_eq!(out, expected);
    }
}
