//! One Engine.IO session: one task that owns its handler, its heartbeat and its transport, and
//! moves from polling to WebSocket when the client upgrades. No task per event, no channel hop
//! on a WebSocket: the task reads, answers and writes.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Sleep;
use tokio_util::sync::WaitForCancellationFutureOwned;

use super::counters::{OpenOn, POLLING, WEBSOCKET};
use super::packet::{Out, Packet, frame, payload, send};
use super::{Engine, Handler, Inbound, PollReply, Reason};
use crate::protocol::engineio::{self, EngineVersion, Handshake, Packet as Wire};

/// Packets a polling session queues for a client that does not come to fetch them; past it the
/// client is taken for gone.
const MAX_QUEUED: usize = 4096;

/// Bytes such a session may hold queued: four polling bodies' worth, and at least this.
const MIN_QUEUED_BYTES: usize = 1 << 20;

/// How long a polling session that the server closed waits for the GET that would fetch its
/// last packets.
const LINGER: Duration = Duration::from_secs(1);

/// Where the session's packets go now.
pub(super) enum Transport {
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
    pub(super) sid: String,
    pub(super) version: EngineVersion,
    pub(super) engine: Arc<Engine>,
    pub(super) handler: Box<dyn Handler>,
    pub(super) transport: Transport,
    pub(super) out: Vec<Out>,
    /// v4: the next ping, or the deadline of the pong owed. v3: the deadline of the client's
    /// next ping.
    pub(super) heartbeat: Pin<Box<Sleep>>,
    pub(super) awaiting_pong: bool,
    pub(super) opened: Instant,
    /// Kept across wakes: a fresh wait would register with the token on every one.
    shutdown: Pin<Box<WaitForCancellationFutureOwned>>,
    /// `shutdown` and `heartbeat` were polled since the heartbeat was last reset: both hold
    /// this task's waker, so a WebSocket session need not poll them on every wake.
    pub(super) timers_armed: bool,
    /// Counted open on its transport (`/metrics`) while the session lives.
    pub(super) open_on: OpenOn,
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
        let open_on = engine.counters.opened(match transport {
            Transport::Polling { .. } => POLLING,
            Transport::WebSocket(_) => WEBSOCKET,
        });
        Self {
            open_on,
            sid,
            version,
            heartbeat: Box::pin(tokio::time::sleep(first)),
            shutdown: Box::pin(engine.shutdown.clone().cancelled_owned()),
            timers_armed: false,
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
        let mut shutdown = self.shutdown.as_mut();
        let mut heartbeat = self.heartbeat.as_mut();
        match &mut self.transport {
            Transport::WebSocket(ws) => {
                // Polling the two timers cost a seventh of a round trip's instructions (on
                // every wake, each re-registering its waker). Once both have been polled since
                // the heartbeat was last reset, they hold this task's waker: a wake of theirs
                // is then read off cheaply (the engine's flag, the timer's state), and only a
                // timer that fired is polled.
                let armed = self.timers_armed;
                let engine = &self.engine;
                let mut polled = false;
                let wake = std::future::poll_fn(|cx| {
                    if let Poll::Ready(outcome) = handler.poll_work(cx, out) {
                        return Poll::Ready(Wake::Work(outcome));
                    }
                    if (!armed || engine.is_closing()) && shutdown.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Wake::Shutdown);
                    }
                    if (!armed || heartbeat.is_elapsed()) && heartbeat.as_mut().poll(cx).is_ready()
                    {
                        return Poll::Ready(Wake::Heartbeat);
                    }
                    polled = true;
                    ws.poll_next_unpin(cx).map(Wake::Frame)
                })
                .await;
                self.timers_armed |= polled;
                wake
            }
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
                let work = std::future::poll_fn(|cx| handler.poll_work(cx, out));
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

    /// One WebSocket frame of the session's transport.
    fn on_frame(&mut self, frame: Option<Result<Message, axum::Error>>) -> Result<(), Reason> {
        if let Some(Ok(Message::Text(_) | Message::Binary(_))) = &frame {
            self.engine.counters.packets_in.inc();
        }
        match frame {
            None => Err(Reason::TransportClose),
            Some(Err(_)) => Err(Reason::TransportError),
            Some(Ok(Message::Close(_))) => Err(Reason::TransportClose),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
            Some(Ok(Message::Text(text))) => match engineio::decode_text(text.as_str()) {
                // The common case, straight from the frame: no copy of the message.
                Ok(Wire::Message(message)) => {
                    self.alive();
                    self.handler.on_text(message, &mut self.out)
                }
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

    /// A packet came in. As Node's engine.io 3, any packet is a sign of life on v3.
    fn alive(&mut self) {
        if self.version == EngineVersion::V3 {
            self.reset_heartbeat(self.engine.ping_interval + self.engine.ping_timeout);
        }
    }

    pub(super) fn on_packet(&mut self, packet: Packet) -> Result<(), Reason> {
        self.alive();
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

    /// Write what the handler and the engine produced.
    async fn flush(&mut self) -> Result<(), Reason> {
        self.count_out();
        let limit = self.engine.ping_interval + self.engine.ping_timeout;
        match &mut self.transport {
            Transport::WebSocket(ws) => {
                // A client that stops reading would stall this task; give up on it after a
                // heartbeat's worth of time, as a missing pong would.
                let version = self.version;
                send(ws, self.out.drain(..).map(|out| frame(version, out)), limit).await
            }
            Transport::Polling { queue, poll, .. } => {
                queue.extend(self.out.drain(..));
                let bytes: usize = queue.iter().map(Out::len).sum();
                let max_bytes = (4 * self.engine.limits.max_payload).max(MIN_QUEUED_BYTES);
                if queue.len() > MAX_QUEUED || bytes > max_bytes {
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
        let refused = matches!(reason, Reason::Refused(_));
        // A polling session that lingers for its client's next GET (below) stays in the table
        // until then; any other is forgotten at once.
        let lingers = refused
            || matches!(
                (&self.transport, reason),
                (Transport::Polling { .. }, Reason::TransportClose)
            );
        // The goodbye packet is not counted: it may not be written.
        self.count_out();
        if !lingers {
            self.engine.forget(&self.sid);
        }
        self.handler.on_close(reason);
        let says_goodbye = matches!(
            reason,
            Reason::Refused(_) | Reason::HeartbeatTimeout | Reason::BadPolling
        );
        // What was written before the end still goes out, then the goodbye.
        let limit = self.engine.ping_timeout;
        match &mut self.transport {
            Transport::WebSocket(ws) => {
                if says_goodbye {
                    self.out.push(Out::Text("1".to_owned()));
                }
                let version = self.version;
                let last = self.out.drain(..).map(|out| frame(version, out));
                if send(ws, last, limit).await.is_ok() {
                    ws.close().await.ok();
                }
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
                } else if lingers {
                    // Answers to the packets before the bad one may be waiting: give the
                    // client's next GET, briefly, what was left for it. So too when the client
                    // closed: its GET, sent at the same time as the POST that closed, may
                    // reach the session just after it and gets the noop, not a 400 (the
                    // official Engine.IO suite's "forcefully closes the session" sends both at
                    // once, and failed 4 runs in 10 here). Other ends are final at once: the
                    // next request is for an unknown session.
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

impl Session {
    /// Count the packets about to be written.
    fn count_out(&self) {
        if !self.out.is_empty() {
            let packets = self.out.len() as u64;
            self.engine.counters.packets_out.inc_by(packets);
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
