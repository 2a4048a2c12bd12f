//! One Engine.IO session: one task that owns its handler, its heartbeat and its transport, and
//! moves from polling to WebSocket when the client upgrades. No task per event, no channel hop
//! on a WebSocket: the task reads, answers and writes.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Sleep;

use super::{Engine, Handler, Inbound, PollReply, Reason};
use crate::protocol::engineio::{self, EngineVersion, Handshake, Packet as Wire};

/// A session that joins nothing within this is closed (Node's `connectTimeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(45);

/// Packets a polling session queues for a client that does not come to fetch them; past it the
/// client is taken for gone.
const MAX_QUEUED: usize = 4096;

/// How long a polling session that the server closed waits for the GET that would fetch its
/// last packets.
const LINGER: Duration = Duration::from_secs(1);

/// One outgoing Engine.IO packet: its text form (`4…` for a message, `2`, `6`…) or a binary
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    Text(String),
    Binary(Bytes),
}

/// An incoming Engine.IO packet, owned (polling bodies are decoded before the task sees them).
#[derive(Debug)]
pub enum Packet {
    Close,
    Ping(String),
    Pong,
    Message(String),
    Binary(Bytes),
    Upgrade,
    Noop,
    Open,
}

impl Packet {
    pub fn from_wire(packet: Wire<'_>) -> Self {
        match packet {
            Wire::Open(_) => Packet::Open,
            Wire::Close => Packet::Close,
            Wire::Ping(data) => Packet::Ping(data.to_owned()),
            Wire::Pong(_) => Packet::Pong,
            Wire::Message(text) => Packet::Message(text.to_owned()),
            Wire::Binary(data) => Packet::Binary(Bytes::from(data.into_owned())),
            Wire::Upgrade => Packet::Upgrade,
            Wire::Noop => Packet::Noop,
        }
    }
}

/// Where the session's packets go now.
enum Transport {
    Polling {
        inbox: mpsc::Receiver<Inbound>,
        /// The pending GET, if any.
        poll: Option<oneshot::Sender<PollReply>>,
        queue: VecDeque<Out>,
        /// A WebSocket being probed for the upgrade; `true` once it answered the probe.
        probe: Option<(WebSocket, bool)>,
    },
    WebSocket(WebSocket),
}

pub struct Session {
    sid: String,
    version: EngineVersion,
    engine: Arc<Engine>,
    handler: Box<dyn Handler>,
    transport: Transport,
    out: Vec<Out>,
    /// v4: the next ping, or the deadline of the pong owed. v3: the deadline of the client's
    /// next ping.
    heartbeat: Pin<Box<Sleep>>,
    awaiting_pong: bool,
    opened: Instant,
}

/// What woke the session up.
enum Wake {
    Work(Result<(), Reason>),
    Shutdown,
    Heartbeat,
    Frame(Option<Result<Message, axum::Error>>),
    Inbound(Option<Inbound>),
    Probe(Option<Result<Message, axum::Error>>),
    /// The pending GET's client went away.
    PollGone,
}

impl Session {
    /// A session on a WebSocket from its first request.
    pub fn websocket(
        sid: String,
        version: EngineVersion,
        engine: Arc<Engine>,
        handler: Box<dyn Handler>,
        ws: WebSocket,
    ) -> Self {
        Self::new(sid, version, engine, handler, Transport::WebSocket(ws))
    }

    /// A polling session; the HTTP handlers reach it through `inbox`.
    pub fn polling(
        sid: String,
        version: EngineVersion,
        engine: Arc<Engine>,
        handler: Box<dyn Handler>,
        inbox: mpsc::Receiver<Inbound>,
    ) -> Self {
        let transport = Transport::Polling {
            inbox,
            poll: None,
            queue: VecDeque::new(),
            probe: None,
        };
        Self::new(sid, version, engine, handler, transport)
    }

    fn new(
        sid: String,
        version: EngineVersion,
        engine: Arc<Engine>,
        handler: Box<dyn Handler>,
        transport: Transport,
    ) -> Self {
        // As Node's engine.io: the first ping one interval after the open packet (v3: the
        // client pings, and must within interval + timeout).
        let first = match version {
            EngineVersion::V4 => engine.ping_interval,
            EngineVersion::V3 => engine.ping_interval + engine.ping_timeout,
        };
        Self {
            sid,
            version,
            heartbeat: Box::pin(tokio::time::sleep(first)),
            engine,
            handler,
            transport,
            out: Vec::new(),
            awaiting_pong: false,
            opened: Instant::now(),
        }
    }

    /// The open packet this session starts with.
    pub fn open_packet(&self) -> String {
        let upgrades = match self.transport {
            Transport::Polling { .. } => vec!["websocket".to_owned()],
            Transport::WebSocket(_) => Vec::new(),
        };
        let handshake = Handshake {
            sid: self.sid.clone(),
            upgrades,
            ping_interval: millis(self.engine.ping_interval),
            ping_timeout: millis(self.engine.ping_timeout),
            max_payload: match self.version {
                EngineVersion::V4 => Some(self.engine.limits.max_payload as u64),
                EngineVersion::V3 => None,
            },
        };
        format!("0{}", handshake.to_json())
    }

    /// Serve the session to its end. A WebSocket session sends its open packet first; a polling
    /// one has sent it as the handshake's response.
    pub async fn run(mut self) {
        if let Transport::WebSocket(_) = self.transport {
            let open = self.open_packet();
            self.out.push(Out::Text(open));
        }
        self.handler.on_open(&mut self.out);
        let reason = match self.flush().await {
            Ok(()) => self.serve().await,
            Err(reason) => reason,
        };
        self.close(reason).await;
    }

    async fn serve(&mut self) -> Reason {
        loop {
            let wake = self.next_wake().await;
            let outcome = match wake {
                Wake::Work(outcome) => outcome,
                Wake::Shutdown => Err(Reason::ClosingServer),
                Wake::Heartbeat => self.on_heartbeat(),
                Wake::Frame(frame) => self.on_frame(frame),
                Wake::Inbound(inbound) => self.on_inbound(inbound),
                Wake::Probe(frame) => self.on_probe(frame).await,
                Wake::PollGone => Err(Reason::BadPolling),
            };
            if let Err(reason) = outcome {
                return reason;
            }
            if let Err(reason) = self.flush().await {
                return reason;
            }
        }
    }

    async fn next_wake(&mut self) -> Wake {
        let handler = &mut self.handler;
        let out = &mut self.out;
        let work = std::future::poll_fn(|cx| handler.poll_work(cx, out));
        let shutdown = self.engine.shutdown.cancelled();
        let heartbeat = self.heartbeat.as_mut();
        match &mut self.transport {
            Transport::WebSocket(ws) => tokio::select! {
                biased;
                outcome = work => Wake::Work(outcome),
                () = shutdown => Wake::Shutdown,
                () = heartbeat => Wake::Heartbeat,
                frame = ws.next() => Wake::Frame(frame),
            },
            Transport::Polling {
                inbox, poll, probe, ..
            } => {
                let gone = async {
                    match poll {
                        Some(poll) => poll.closed().await,
                        None => std::future::pending().await,
                    }
                };
                let probing = async {
                    match probe {
                        Some((ws, _)) => ws.next().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    biased;
                    outcome = work => Wake::Work(outcome),
                    () = shutdown => Wake::Shutdown,
                    () = heartbeat => Wake::Heartbeat,
                    inbound = inbox.recv() => Wake::Inbound(inbound),
                    frame = probing => Wake::Probe(frame),
                    () = gone => Wake::PollGone,
                }
            }
        }
    }

    fn on_heartbeat(&mut self) -> Result<(), Reason> {
        if self.version == EngineVersion::V3 || self.awaiting_pong {
            return Err(Reason::HeartbeatTimeout);
        }
        if self.handler.idle_too_long() && self.opened.elapsed() >= CONNECT_TIMEOUT {
            return Err(Reason::TransportClose);
        }
        self.out.push(Out::Text("2".to_owned()));
        self.awaiting_pong = true;
        // Counted from when the ping was due, not from when this task got to it: the session
        // ends at ping + pingTimeout, as the client reckons it.
        let deadline = self.heartbeat.deadline() + self.engine.ping_timeout;
        self.heartbeat.as_mut().reset(deadline);
        Ok(())
    }

    fn reset_heartbeat(&mut self, after: Duration) {
        let deadline = tokio::time::Instant::now() + after;
        self.heartbeat.as_mut().reset(deadline);
    }

    /// One WebSocket frame of the session's transport.
    fn on_frame(&mut self, frame: Option<Result<Message, axum::Error>>) -> Result<(), Reason> {
        match frame {
            None => Err(Reason::TransportClose),
            Some(Err(_)) => Err(Reason::TransportError),
            Some(Ok(Message::Close(_))) => Err(Reason::TransportClose),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
            Some(Ok(Message::Text(text))) => match engineio::decode_text(text.as_str()) {
                Ok(packet) => self.on_packet(Packet::from_wire(packet)),
                Err(_) => Err(Reason::PacketParsingError),
            },
            Some(Ok(Message::Binary(data))) => {
                match engineio::decode_binary_frame(self.version, &data) {
                    // v4 frames are the message: keep the frame's buffer, no copy.
                    Ok(_) if self.version == EngineVersion::V4 => {
                        self.handler.on_binary(data, &mut self.out)
                    }
                    Ok(packet) => self.on_packet(Packet::from_wire(packet)),
                    Err(_) => Err(Reason::PacketParsingError),
                }
            }
        }
    }

    fn on_packet(&mut self, packet: Packet) -> Result<(), Reason> {
        if self.version == EngineVersion::V3 {
            // As Node's engine.io 3: any packet is a sign of life.
            self.reset_heartbeat(self.engine.ping_interval + self.engine.ping_timeout);
        }
        match packet {
            Packet::Close => Err(Reason::TransportClose),
            Packet::Message(text) => self.handler.on_text(&text, &mut self.out),
            Packet::Binary(data) => self.handler.on_binary(data, &mut self.out),
            Packet::Pong if self.version == EngineVersion::V4 && self.awaiting_pong => {
                self.awaiting_pong = false;
                self.reset_heartbeat(self.engine.ping_interval);
                Ok(())
            }
            Packet::Ping(data) if self.version == EngineVersion::V3 => {
                self.out.push(Out::Text(format!("3{data}")));
                Ok(())
            }
            // A probe on an upgraded session, a stray pong or upgrade: nothing to do.
            Packet::Ping(_) | Packet::Pong | Packet::Noop | Packet::Upgrade => Ok(()),
            Packet::Open => Err(Reason::PacketParsingError),
        }
    }

    fn on_inbound(&mut self, inbound: Option<Inbound>) -> Result<(), Reason> {
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
                for packet in packets {
                    self.on_packet(packet)?;
                }
                Ok(())
            }
        }
    }

    /// A frame on the WebSocket being probed: `2probe`, then `5` completes the upgrade.
    async fn on_probe(
        &mut self,
        frame: Option<Result<Message, axum::Error>>,
    ) -> Result<(), Reason> {
        let Transport::Polling {
            poll, probe, queue, ..
        } = &mut self.transport
        else {
            return Ok(());
        };
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Ok(()),
            // The probe failed: the session goes on polling.
            _ => {
                *probe = None;
                return Ok(());
            }
        };
        let Some((ws, probed)) = probe.as_mut() else {
            return Ok(());
        };
        match (text.as_str(), *probed) {
            ("2probe", false) => {
                if send(
                    ws,
                    Message::Text("3probe".into()),
                    self.engine.ping_interval,
                )
                .await
                .is_err()
                {
                    *probe = None;
                    return Ok(());
                }
                *probed = true;
                // The pending GET ends with a noop so the client can pause polling.
                if let Some(reply) = poll.take() {
                    reply.send(PollReply::Body(noop(self.version))).ok();
                }
                Ok(())
            }
            ("5", true) => {
                let Some((ws, _)) = probe.take() else {
                    return Ok(());
                };
                if let Some(reply) = poll.take() {
                    reply.send(PollReply::Body(noop(self.version))).ok();
                }
                // What was queued for polling goes out on the WebSocket, first.
                let queued: Vec<Out> = queue.drain(..).collect();
                self.out.splice(0..0, queued);
                self.transport = Transport::WebSocket(ws);
                // Later polling requests with this sid get HTTP 400, WebSockets a close.
                self.engine.upgraded(&self.sid);
                Ok(())
            }
            // Anything else on a probe is a broken upgrade: drop the probe, keep polling.
            _ => {
                *probe = None;
                Ok(())
            }
        }
    }

    /// Write what the handler and the engine produced.
    async fn flush(&mut self) -> Result<(), Reason> {
        let limit = self.engine.ping_interval + self.engine.ping_timeout;
        match &mut self.transport {
            Transport::WebSocket(ws) => {
                for out in self.out.drain(..) {
                    let message = frame(self.version, out);
                    // A client that stops reading would stall this task; give up on it after a
                    // heartbeat's worth of time, as a missing pong would.
                    send(ws, message, limit).await?;
                }
                Ok(())
            }
            Transport::Polling { queue, poll, .. } => {
                queue.extend(self.out.drain(..));
                if queue.len() > MAX_QUEUED {
                    return Err(Reason::TransportError);
                }
                if !queue.is_empty()
                    && let Some(reply) = poll.take()
                {
                    let body = payload(self.version, queue.drain(..));
                    reply.send(PollReply::Body(body)).ok();
                }
                Ok(())
            }
        }
    }

    /// End the session: tell the client (a close packet where the protocol has one), free its
    /// place in the table, let the handler say goodbye.
    async fn close(mut self, reason: Reason) {
        if reason != Reason::BadSocketIoPacket {
            self.engine.forget(&self.sid);
        }
        self.handler.on_close(reason);
        let says_goodbye = matches!(
            reason,
            Reason::BadSocketIoPacket | Reason::HeartbeatTimeout | Reason::BadPolling
        );
        // What was written before the end still goes out, then the goodbye.
        let limit = self.engine.ping_timeout;
        match &mut self.transport {
            Transport::WebSocket(ws) => {
                if says_goodbye {
                    self.out.push(Out::Text("1".to_owned()));
                }
                for out in self.out.drain(..) {
                    let message = frame(self.version, out);
                    if send(ws, message, limit).await.is_err() {
                        break;
                    }
                }
                ws.close().await.ok();
            }
            Transport::Polling {
                poll, queue, inbox, ..
            } => {
                // A close the client asked for ends its GET with a noop; the server's own
                // with a close packet.
                let last = match reason {
                    Reason::TransportClose => "6",
                    _ => "1",
                };
                queue.extend(self.out.drain(..));
                queue.push_back(Out::Text(last.to_owned()));
                let body = payload(self.version, queue.drain(..));
                if let Some(reply) = poll.take() {
                    reply.send(PollReply::Body(body)).ok();
                } else if reason == Reason::BadSocketIoPacket {
                    // Answers to the packets before the bad one may be waiting: give the
                    // client's next GET, briefly, what was left for it. (Other ends are
                    // final at once: the next request is for an unknown session.)
                    let next = tokio::time::timeout(LINGER.min(limit), async {
                        loop {
                            match inbox.recv().await {
                                Some(Inbound::Poll(reply)) => return Some(reply),
                                Some(_) => {}
                                None => return None,
                            }
                        }
                    });
                    if let Ok(Some(reply)) = next.await {
                        reply.send(PollReply::Body(body)).ok();
                    }
                }
            }
        }
        self.engine.forget(&self.sid);
    }
}

/// Send one frame, giving up after `limit`.
async fn send(ws: &mut WebSocket, message: Message, limit: Duration) -> Result<(), Reason> {
    match tokio::time::timeout(limit, ws.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(Reason::TransportError),
    }
}

/// A polling body of one noop packet.
fn noop(version: EngineVersion) -> Vec<u8> {
    payload(version, std::iter::once(Out::Text("6".to_owned())))
}

/// A WebSocket frame of one packet (v3 binary frames start with the message type).
fn frame(version: EngineVersion, out: Out) -> Message {
    match out {
        Out::Text(text) => Message::Text(text.into()),
        Out::Binary(data) => Message::Binary(match version {
            EngineVersion::V4 => data,
            EngineVersion::V3 => engineio::encode_binary_frame(version, &data).into(),
        }),
    }
}

/// A polling body of `packets`.
fn payload(version: EngineVersion, packets: impl Iterator<Item = Out>) -> Vec<u8> {
    let packets: Vec<Out> = packets.collect();
    let wire: Vec<Wire<'_>> = packets
        .iter()
        .filter_map(|out| match out {
            Out::Text(text) => engineio::decode_text(text).ok(),
            Out::Binary(data) => Some(Wire::Binary(std::borrow::Cow::Borrowed(data))),
        })
        .collect();
    let mut body = Vec::new();
    engineio::encode_payload(version, &wire, &mut body);
    body
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_bodies_join_packets_and_base64_binary() {
        let packets = [
            Out::Text("4hello".into()),
            Out::Binary(Bytes::from_static(&[1, 2, 3, 4])),
        ];
        assert_eq!(
            payload(EngineVersion::V4, packets.into_iter()),
            b"4hello\x1ebAQIDBA=="
        );
    }
}
