//! A Socket.IO namespace on an Engine.IO session: joining it (v5 CONNECT with `auth`, or a 2.x
//! server's implicit `/` and payload-less CONNECT), then events and acks in arrival order with
//! binary attachments put back in place as `{"$binary": "<base64>"}`.

use bytes::Bytes;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::engine::{Engine, Incoming, LinkError};
use super::transport::MAX_MESSAGE;
use crate::protocol::socketio::{
    Decoder, Message, Packet, PacketType, SocketVersion, encode_message,
};

/// What the server did on our namespace.
#[derive(Debug, Clone, PartialEq)]
pub enum SocketEvent {
    Event {
        name: String,
        args: Vec<Value>,
        ack_id: Option<u64>,
    },
    Ack {
        id: u64,
        args: Vec<Value>,
    },
    /// The server's DISCONNECT for our namespace.
    Disconnected,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JoinError {
    #[error("namespace rejected: {message}")]
    Rejected {
        message: String,
        data: Option<Value>,
    },
    #[error(transparent)]
    Link(#[from] LinkError),
}

/// A joined namespace.
pub struct Socket {
    engine: Engine,
    namespace: String,
    decoder: Reassembly,
    sid: String,
}

/// Join `namespace`. Events that arrive before the server's CONNECT are returned with the
/// socket, to be delivered after it, in order. Unbounded in time: the caller bounds it.
pub async fn join(
    mut engine: Engine,
    namespace: &str,
    auth: Option<Value>,
) -> Result<(Socket, Vec<SocketEvent>), JoinError> {
    let version = SocketVersion::from(engine.version());
    let mut decoder = Reassembly::new(engine.limits());
    // A 2.x server connects every client to `/` by itself; other namespaces are asked for,
    // without payload (2.x has no `auth`).
    let ask = match version {
        SocketVersion::V5 => Some(Packet::connect(namespace, auth)),
        SocketVersion::V4 if namespace == "/" => None,
        SocketVersion::V4 => Some(Packet::connect(namespace, None)),
    };
    if let Some(packet) = ask {
        let (text, _) = encode_message(&Message::new(packet));
        engine.send_message(&text, &[]).await?;
    }
    let mut early = Vec::new();
    loop {
        let Some(message) = next_message(&mut engine, &mut decoder).await? else {
            continue;
        };
        let packet = message.packet;
        if packet.namespace != namespace {
            continue; // a 2.x server's `/` while we join another namespace
        }
        match packet.kind {
            PacketType::Connect => {
                let sid = match (packet.connect_sid(), version) {
                    (Some(sid), _) => sid.to_owned(),
                    // 2.x: the socket id is the engine's, prefixed by a namespace other than `/`.
                    (None, _) if namespace == "/" => engine.sid().to_owned(),
                    (None, _) => format!("{namespace}#{}", engine.sid()),
                };
                let socket = Socket {
                    engine,
                    namespace: namespace.to_owned(),
                    decoder,
                    sid,
                };
                return Ok((socket, early));
            }
            PacketType::ConnectError => {
                // v5: {"message", "data"}; 2.x: a string, or the error's `data` alone.
                let (message, data) = match packet.error_message() {
                    Some(message) => (
                        message.to_owned(),
                        packet.error_data().filter(|d| !d.is_null()).cloned(),
                    ),
                    None => ("no message".to_owned(), packet.data.clone()),
                };
                return Err(JoinError::Rejected { message, data });
            }
            PacketType::Disconnect => {
                return Err(JoinError::Rejected {
                    message: "the server disconnected the socket while it joined".into(),
                    data: None,
                });
            }
            _ => {
                if let Some(event) = to_event(packet) {
                    early.push(event);
                }
            }
        }
    }
}

/// The next whole Socket.IO message (binary ones once all their attachments came).
async fn next_message(
    engine: &mut Engine,
    decoder: &mut Reassembly,
) -> Result<Option<DecodedMessage>, LinkError> {
    let decoded = match engine.recv().await? {
        Incoming::Text(text) => {
            decoder.held = 0;
            decoder.decoder.text(text.as_str())
        }
        Incoming::Binary(data) => {
            decoder.held += data.len();
            if decoder.held > MAX_MESSAGE {
                return Err(LinkError::Protocol(format!(
                    "binary attachments of one packet over {} MiB",
                    MAX_MESSAGE / (1024 * 1024)
                )));
            }
            decoder.decoder.binary(data)
        }
    };
    let message = decoded.map_err(|e| LinkError::Protocol(e.to_string()))?;
    let Some(message) = message else {
        return Ok(None);
    };
    let packet = message
        .into_packet_with_binary()
        .map_err(|e| LinkError::Protocol(e.to_string()))?;
    Ok(Some(DecodedMessage { packet }))
}

/// The protocol's decoder, and the bytes of attachments it holds for the packet being put
/// together: each is bounded by the limits, their sum here.
struct Reassembly {
    decoder: Decoder,
    held: usize,
}

impl Reassembly {
    fn new(limits: crate::protocol::Limits) -> Self {
        Self {
            decoder: Decoder::new(limits),
            held: 0,
        }
    }
}

struct DecodedMessage {
    packet: Packet,
}

fn to_event(packet: Packet) -> Option<SocketEvent> {
    match packet.kind {
        PacketType::Event | PacketType::BinaryEvent => {
            let name = packet.event_label();
            let ack_id = packet.id;
            Some(SocketEvent::Event {
                name,
                ack_id,
                args: packet.into_args(),
            })
        }
        PacketType::Ack | PacketType::BinaryAck => {
            let id = packet.id?;
            Some(SocketEvent::Ack {
                id,
                args: packet.into_args(),
            })
        }
        PacketType::Disconnect => Some(SocketEvent::Disconnected),
        PacketType::Connect | PacketType::ConnectError => None,
    }
}

impl Socket {
    pub fn sid(&self) -> &str {
        &self.sid
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The next event or ack on our namespace. Cancel-safe.
    pub async fn recv(&mut self) -> Result<SocketEvent, LinkError> {
        loop {
            let Some(message) = next_message(&mut self.engine, &mut self.decoder).await? else {
                continue;
            };
            if message.packet.namespace != self.namespace {
                continue;
            }
            if let Some(event) = to_event(message.packet) {
                return Ok(event);
            }
        }
    }

    /// Send an encoded packet (see [`encode`]) at once.
    pub async fn send(&mut self, text: &str, binaries: &[Bytes]) -> Result<(), LinkError> {
        self.engine.send_message(text, binaries).await
    }

    /// A text message built once with [`frame`], as it is (a load generator's hot path).
    pub async fn send_frame(&mut self, frame: Utf8Bytes) -> Result<(), LinkError> {
        self.engine.send_frame(frame).await
    }

    /// Leave the namespace and close the session.
    pub async fn close(mut self) {
        let (text, _) = encode_message(&Message::new(Packet::disconnect(self.namespace.as_str())));
        self.engine.send_message(&text, &[]).await.ok();
        self.engine.close().await;
    }
}

/// A packet without binary as a ready WebSocket text frame (`4` + the Socket.IO text).
pub fn frame(packet: Packet) -> Result<Utf8Bytes, String> {
    let (text, binaries) = encode(packet)?;
    if !binaries.is_empty() {
        return Err("a prebuilt frame cannot carry binary attachments".into());
    }
    let mut out = String::with_capacity(text.len() + 1);
    crate::protocol::engineio::encode_text(
        &crate::protocol::engineio::Packet::Message(&text),
        &mut out,
    );
    Ok(Utf8Bytes::from(out))
}

/// A packet whose arguments may hold `{"$binary": …}` anywhere: its text and attachments.
pub fn encode(packet: Packet) -> Result<(String, Vec<Bytes>), String> {
    let message = Message::with_binary(packet).map_err(|e| e.to_string())?;
    Ok(encode_message(&message))
}
