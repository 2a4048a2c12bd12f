//! An Engine.IO session from the client's side: the open handshake (version detected from it),
//! the upgrade from polling to WebSocket as browsers do it, the heartbeat each version wants,
//! and messages in and out. Socket.IO rides on top (`socket.rs`); packets are encoded and
//! decoded by `crate::protocol` only.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::endpoint::Endpoint;

mod open;

use super::transport::polling::Polling;
use super::transport::websocket::{Frame, WebSocket};
use super::transport::{MAX_MESSAGE, TransportError};
use crate::protocol::Limits;
use crate::protocol::engineio::{
    self, EngineVersion, Handshake, Packet, decode_binary_frame, decode_payload, decode_text,
    encode_binary_frame, encode_payload, encode_text,
};
use open::{open_polling, open_websocket};

/// What the client accepts from a server: big frames are fine, absurd counts are not.
pub fn limits() -> Limits {
    Limits {
        max_payload: MAX_MESSAGE,
        max_attachments: 64,
        max_packets: 4096,
    }
}

/// Which transport the session starts on, and whether it upgrades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Websocket,
    Polling,
    /// Polling first, then WebSocket if the server offers it (what browsers do).
    Upgrade,
}

pub struct Options<'a> {
    pub endpoint: &'a Endpoint,
    pub headers: &'a [(String, String)],
    pub insecure: bool,
    /// `--eio`: the version asked for (and insisted on); `None`: ask for 4, speak what answers.
    pub eio: Option<EngineVersion>,
    pub start: Start,
    pub read_buffer: usize,
}

/// Why a session could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The server wants another Engine.IO version than the one insisted on.
    #[error("{0}")]
    Version(String),
    /// The server answered, but not with an Engine.IO open packet.
    #[error("{0}")]
    NotEngineIo(String),
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the server closed the session")]
    ServerClosed,
    #[error("ping timeout")]
    PingTimeout,
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    #[error("protocol error: {0}")]
    Protocol(String),
}

/// A Socket.IO-level message from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    Text(Text),
    Binary(Bytes),
}

/// A text message, kept in the buffer it arrived in (a WebSocket frame is not copied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    buf: TextBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TextBuf {
    /// A WebSocket text frame: `4` then the message.
    Frame(Utf8Bytes),
    Owned(String),
}

impl Text {
    pub fn as_str(&self) -> &str {
        match &self.buf {
            TextBuf::Frame(frame) => frame.get(1..).unwrap_or(""),
            TextBuf::Owned(text) => text,
        }
    }
}

enum Link {
    /// Boxed: a WebSocket stream is ten times the size of the polling handle.
    Ws(Box<WebSocket>),
    Poll(Polling),
}

/// An open Engine.IO session.
pub struct Engine {
    link: Link,
    version: EngineVersion,
    handshake: Handshake,
    /// Messages decoded but not yet taken (several come in one polling body).
    backlog: VecDeque<Incoming>,
    /// When the server was last heard from: the heartbeat deadline counts from here.
    last_seen: Instant,
    /// v3 only: when to send the next ping.
    next_ping: Instant,
    limits: Limits,
}

impl Engine {
    /// Open a session. Unbounded in time: the caller's connect timeout bounds it.
    pub async fn open(options: &Options<'_>) -> Result<Self, OpenError> {
        let mut engine = match options.start {
            Start::Websocket => open_websocket(options).await?,
            Start::Polling | Start::Upgrade => open_polling(options).await?,
        };
        if options.start == Start::Upgrade
            && engine.handshake.upgrades.iter().any(|u| u == "websocket")
        {
            // A failed upgrade leaves the session on polling, as in browsers.
            engine.upgrade(options).await.ok();
        }
        Ok(engine)
    }

    pub fn version(&self) -> EngineVersion {
        self.version
    }

    pub fn sid(&self) -> &str {
        &self.handshake.sid
    }

    pub fn transport(&self) -> &'static str {
        match self.link {
            Link::Ws(_) => "websocket",
            Link::Poll(_) => "polling",
        }
    }

    pub fn ping_interval(&self) -> Duration {
        Duration::from_millis(self.handshake.ping_interval)
    }

    pub fn ping_timeout(&self) -> Duration {
        Duration::from_millis(self.handshake.ping_timeout)
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn deadline(&self) -> Instant {
        self.last_seen + self.ping_interval() + self.ping_timeout()
    }

    /// The next message; answers v4 pings, sends v3 pings, and fails when the server has been
    /// silent past the heartbeat. Cancel-safe.
    pub async fn recv(&mut self) -> Result<Incoming, LinkError> {
        loop {
            if let Some(message) = self.backlog.pop_front() {
                return Ok(message);
            }
            let deadline = self.deadline();
            let v3 = self.version == EngineVersion::V3;
            let next_ping = self.next_ping;
            tokio::select! {
                biased;
                got = recv_link(&mut self.link) => {
                    self.last_seen = Instant::now();
                    match got? {
                        Received::Frame(frame) => {
                            if let Some(message) = self.on_frame(frame).await? {
                                return Ok(message);
                            }
                        }
                        Received::Body(body) => self.on_body(&body).await?,
                    }
                }
                () = tokio::time::sleep_until(next_ping), if v3 => {
                    self.send_packet(&Packet::Ping("")).await?;
                    self.next_ping = Instant::now() + self.ping_interval();
                }
                () = tokio::time::sleep_until(deadline) => return Err(LinkError::PingTimeout),
            }
        }
    }

    async fn on_frame(&mut self, frame: Frame) -> Result<Option<Incoming>, LinkError> {
        match frame {
            Frame::Text(text) => {
                let packet = decode_text(&text).map_err(protocol)?;
                if let Packet::Message(_) = packet {
                    return Ok(Some(Incoming::Text(Text {
                        buf: TextBuf::Frame(text),
                    })));
                }
                self.on_control(&packet).await?;
                Ok(None)
            }
            Frame::Binary(data) => {
                decode_binary_frame(self.version, &data).map_err(protocol)?;
                let data = match self.version {
                    EngineVersion::V4 => data,
                    EngineVersion::V3 => data.slice(1..),
                };
                Ok(Some(Incoming::Binary(data)))
            }
        }
    }

    async fn on_body(&mut self, body: &[u8]) -> Result<(), LinkError> {
        let packets = decode_payload(self.version, body, &self.limits).map_err(protocol)?;
        self.on_packets(packets).await
    }

    /// Messages to the backlog, in order; then the control packets are acted on.
    async fn on_packets(&mut self, packets: Vec<Packet<'_>>) -> Result<(), LinkError> {
        let mut controls = Vec::new();
        for packet in packets {
            match packet {
                Packet::Message(text) => self.backlog.push_back(Incoming::Text(Text {
                    buf: TextBuf::Owned(text.to_owned()),
                })),
                Packet::Binary(data) => self
                    .backlog
                    .push_back(Incoming::Binary(Bytes::from(data.into_owned()))),
                other => controls.push(other),
            }
        }
        for packet in &controls {
            self.on_control(packet).await?;
        }
        Ok(())
    }

    /// Everything but messages: answer pings, end on close.
    async fn on_control(&mut self, packet: &Packet<'_>) -> Result<(), LinkError> {
        match packet {
            Packet::Ping(data) => self.send_packet(&Packet::Pong(data)).await,
            Packet::Close => Err(LinkError::ServerClosed),
            // Pongs answer our v3 pings: being heard from is all they say.
            Packet::Pong(_) | Packet::Noop | Packet::Upgrade => Ok(()),
            Packet::Open(_) => Err(LinkError::Protocol("a second open packet".into())),
            Packet::Message(_) | Packet::Binary(_) => Ok(()),
        }
    }

    async fn send_packet(&mut self, packet: &Packet<'_>) -> Result<(), LinkError> {
        match &mut self.link {
            Link::Ws(ws) => {
                let mut frame = String::new();
                encode_text(packet, &mut frame);
                ws.send_text(frame).await?;
            }
            Link::Poll(poll) => {
                let mut body = Vec::new();
                encode_payload(self.version, std::slice::from_ref(packet), &mut body);
                poll.send(body).await?;
            }
        }
        Ok(())
    }

    /// One Socket.IO packet: its text, then its binary attachments, written at once.
    pub async fn send_message(&mut self, text: &str, binaries: &[Bytes]) -> Result<(), LinkError> {
        match &mut self.link {
            Link::Ws(ws) => {
                let mut frame = String::with_capacity(text.len() + 1);
                encode_text(&Packet::Message(text), &mut frame);
                ws.send_text(frame).await?;
                for data in binaries {
                    let frame = match self.version {
                        EngineVersion::V4 => data.clone(),
                        EngineVersion::V3 => Bytes::from(encode_binary_frame(self.version, data)),
                    };
                    ws.send_binary(frame).await?;
                }
            }
            Link::Poll(poll) => {
                let mut packets = vec![Packet::Message(text)];
                packets.extend(binaries.iter().map(|b| Packet::Binary(b.as_ref().into())));
                let mut body = Vec::new();
                encode_payload(self.version, &packets, &mut body);
                poll.send(body).await?;
            }
        }
        Ok(())
    }

    /// A text message already encoded as a WebSocket frame (`4…`), sent as it is: a load
    /// generator builds its frame once. On polling it is sent as a one-packet payload.
    pub async fn send_frame(&mut self, frame: Utf8Bytes) -> Result<(), LinkError> {
        match &mut self.link {
            Link::Ws(ws) => Ok(ws.send_text(frame).await?),
            Link::Poll(_) => {
                let text = frame.get(1..).unwrap_or("").to_owned();
                self.send_message(&text, &[]).await
            }
        }
    }

    /// Say goodbye to the server and close the transport.
    pub async fn close(mut self) {
        self.send_packet(&Packet::Close).await.ok();
        if let Link::Ws(ws) = &mut self.link {
            ws.close().await;
        }
    }
}

enum Received {
    Frame(Frame),
    Body(Bytes),
}

async fn recv_link(link: &mut Link) -> Result<Received, TransportError> {
    match link {
        Link::Ws(ws) => ws.recv().await.map(Received::Frame),
        Link::Poll(poll) => poll.recv().await.map(Received::Body),
    }
}

fn protocol(error: engineio::EngineError) -> LinkError {
    LinkError::Protocol(error.to_string())
}

fn new_engine(link: Link, version: EngineVersion, handshake: Handshake) -> Engine {
    let now = Instant::now();
    let next_ping = now + Duration::from_millis(handshake.ping_interval);
    Engine {
        link,
        version,
        handshake,
        backlog: VecDeque::new(),
        last_seen: now,
        next_ping,
        limits: limits(),
    }
}
