//! Socket.IO packets, protocol v5 (Socket.IO 3.x/4.x) and v4 (Socket.IO 2.x), which share one
//! text form:
//!
//! `<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]`
//!
//! The decoder checks the payload's shape for the type as Node's socket.io-parser does, and
//! accepts the v4 forms too (CONNECT without payload, CONNECT_ERROR as a plain string, a
//! namespace carrying `?query`). Binary packets are reassembled by the [`Decoder`] in
//! `socketio/decoder.rs`.

use std::fmt;

use serde_json::{Map, Value};

use super::engineio::EngineVersion;

mod decode;
mod decoder;
mod event;

pub use decode::decode;
pub use decoder::{Decoder, Message, encode_message};
pub use event::{EventRef, decode_event};

/// Event names Node's parser refuses (they mean something to its EventEmitters). Decoded here
/// like any other name; a server that wants Node's behaviour refuses them.
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

pub fn is_reserved_event(name: &str) -> bool {
    RESERVED_EVENTS.contains(&name)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketVersion {
    /// Socket.IO 2.x, over Engine.IO v3.
    V4,
    /// Socket.IO 3.x/4.x, over Engine.IO v4.
    V5,
}

impl From<EngineVersion> for SocketVersion {
    fn from(version: EngineVersion) -> Self {
        match version {
            EngineVersion::V3 => SocketVersion::V4,
            EngineVersion::V4 => SocketVersion::V5,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketType {
    Connect,
    Disconnect,
    Event,
    Ack,
    ConnectError,
    BinaryEvent,
    BinaryAck,
}

impl PacketType {
    pub fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            b'0' => PacketType::Connect,
            b'1' => PacketType::Disconnect,
            b'2' => PacketType::Event,
            b'3' => PacketType::Ack,
            b'4' => PacketType::ConnectError,
            b'5' => PacketType::BinaryEvent,
            b'6' => PacketType::BinaryAck,
            _ => return None,
        })
    }

    pub fn as_char(self) -> char {
        match self {
            PacketType::Connect => '0',
            PacketType::Disconnect => '1',
            PacketType::Event => '2',
            PacketType::Ack => '3',
            PacketType::ConnectError => '4',
            PacketType::BinaryEvent => '5',
            PacketType::BinaryAck => '6',
        }
    }

    pub fn is_binary(self) -> bool {
        matches!(self, PacketType::BinaryEvent | PacketType::BinaryAck)
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PacketType::Connect => "CONNECT",
            PacketType::Disconnect => "DISCONNECT",
            PacketType::Event => "EVENT",
            PacketType::Ack => "ACK",
            PacketType::ConnectError => "CONNECT_ERROR",
            PacketType::BinaryEvent => "BINARY_EVENT",
            PacketType::BinaryAck => "BINARY_ACK",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocketError {
    #[error("empty Socket.IO packet")]
    Empty,
    #[error("unknown Socket.IO packet type {}", super::engineio::show_byte(*.0))]
    UnknownType(u8),
    #[error("Socket.IO packet of {size} bytes is over the limit of {max}")]
    TooLarge { size: usize, max: usize },
    #[error("bad attachment count in a binary packet (expected `<n>-`, n at least 1)")]
    BadAttachments,
    #[error("binary packet announces more than {max} attachments")]
    TooManyAttachments { max: usize },
    #[error("bad namespace (control characters)")]
    BadNamespace,
    #[error("ack id is not a number below 2^64")]
    BadAckId,
    #[error("bad JSON in a Socket.IO packet: {0}")]
    BadJson(String),
    #[error("{kind} packet {expected}")]
    BadPayload {
        kind: PacketType,
        expected: &'static str,
    },
    #[error("binary attachment without a binary packet waiting for it")]
    UnexpectedBinary,
    #[error("text packet while {missing} binary attachment(s) are still expected")]
    AttachmentsPending { missing: usize },
    #[error("binary attachment of {size} bytes is over the limit of {max}")]
    AttachmentTooLarge { size: usize, max: usize },
}

/// One Socket.IO packet. `data` holds the JSON payload as sent: for an event the array
/// `[name, args…]`, with placeholders where binary attachments go.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    pub kind: PacketType,
    /// `/` unless the packet names another.
    pub namespace: String,
    pub id: Option<u64>,
    pub data: Option<Value>,
    /// Attachments announced (`<n>-`) by a binary packet; 0 otherwise.
    pub attachments: usize,
}

/// `""` is the main namespace, and `admin` is `/admin` (as the JS client has it).
fn namespace(ns: impl Into<String>) -> String {
    let ns = ns.into();
    if ns.starts_with('/') {
        ns
    } else {
        format!("/{ns}")
    }
}

impl Packet {
    fn new(kind: PacketType, ns: impl Into<String>, id: Option<u64>, data: Option<Value>) -> Self {
        Packet {
            kind,
            namespace: namespace(ns),
            id,
            data,
            attachments: 0,
        }
    }

    /// A client's CONNECT, with its `auth` payload (v5; a v4 CONNECT has none).
    pub fn connect(ns: impl Into<String>, auth: Option<Value>) -> Self {
        Packet::new(PacketType::Connect, ns, None, auth)
    }

    /// A server's CONNECT accepting a namespace: v5 carries `{"sid": …}`, v4 nothing.
    pub fn connected(version: SocketVersion, ns: impl Into<String>, sid: &str) -> Self {
        let data = match version {
            SocketVersion::V5 => {
                let mut map = Map::new();
                map.insert("sid".to_owned(), Value::from(sid));
                Some(Value::Object(map))
            }
            SocketVersion::V4 => None,
        };
        Packet::new(PacketType::Connect, ns, None, data)
    }

    pub fn disconnect(ns: impl Into<String>) -> Self {
        Packet::new(PacketType::Disconnect, ns, None, None)
    }

    /// `[name, args…]`, asking for an ack when `id` is set.
    pub fn event(ns: impl Into<String>, name: &str, args: Vec<Value>, id: Option<u64>) -> Self {
        let mut data = Vec::with_capacity(args.len() + 1);
        data.push(Value::from(name));
        data.extend(args);
        Packet::new(PacketType::Event, ns, id, Some(Value::Array(data)))
    }

    pub fn ack(ns: impl Into<String>, id: u64, args: Vec<Value>) -> Self {
        Packet::new(PacketType::Ack, ns, Some(id), Some(Value::Array(args)))
    }

    /// CONNECT_ERROR with its payload as given.
    pub fn connect_error(ns: impl Into<String>, data: Value) -> Self {
        Packet::new(PacketType::ConnectError, ns, None, Some(data))
    }

    /// CONNECT_ERROR in the form of `version`: v5 `{"message": …, "data": …}`, v4 the plain
    /// message string (v4 has no data).
    pub fn connect_refused(
        version: SocketVersion,
        ns: impl Into<String>,
        message: &str,
        data: Option<Value>,
    ) -> Self {
        let payload = match version {
            SocketVersion::V4 => Value::from(message),
            SocketVersion::V5 => {
                let mut map = Map::new();
                map.insert("message".to_owned(), Value::from(message));
                if let Some(data) = data {
                    map.insert("data".to_owned(), data);
                }
                Value::Object(map)
            }
        };
        Packet::connect_error(ns, payload)
    }

    /// An event's name, when it is a string (Node also allows numbers).
    pub fn event_name(&self) -> Option<&str> {
        match self.kind {
            PacketType::Event | PacketType::BinaryEvent => self.array()?.first()?.as_str(),
            _ => None,
        }
    }

    /// An event's name as text: the string, or the JSON of a number name (Node's parser allows
    /// one); empty for other packets.
    pub fn event_label(&self) -> String {
        match self.event_name() {
            Some(name) => name.to_owned(),
            None => self
                .array()
                .filter(|_| matches!(self.kind, PacketType::Event | PacketType::BinaryEvent))
                .and_then(|items| items.first())
                .map_or_else(String::new, Value::to_string),
        }
    }

    /// An event's arguments (after the name) or an ack's; empty for other packets.
    pub fn args(&self) -> &[Value] {
        let Some(items) = self.array() else {
            return &[];
        };
        match self.kind {
            PacketType::Event | PacketType::BinaryEvent => items.get(1..).unwrap_or(&[]),
            PacketType::Ack | PacketType::BinaryAck => items,
            _ => &[],
        }
    }

    /// [`Packet::args`], owned.
    pub fn into_args(self) -> Vec<Value> {
        let skip = match self.kind {
            PacketType::Event | PacketType::BinaryEvent => 1,
            PacketType::Ack | PacketType::BinaryAck => 0,
            _ => return Vec::new(),
        };
        match self.data {
            Some(Value::Array(mut items)) => {
                items.drain(..skip.min(items.len()));
                items
            }
            _ => Vec::new(),
        }
    }

    /// [`Packet::event_label`] and [`Packet::into_args`] at once: a string name is moved out of
    /// the packet, not copied (every event a server handles pays for the copy otherwise).
    pub fn into_event(mut self) -> (String, Vec<Value>) {
        let is_event = matches!(self.kind, PacketType::Event | PacketType::BinaryEvent);
        let first = self
            .data
            .as_mut()
            .and_then(Value::as_array_mut)
            .and_then(|items| items.first_mut());
        let name = match first {
            Some(Value::String(name)) if is_event => std::mem::take(name),
            _ => self.event_label(),
        };
        (name, self.into_args())
    }

    /// The socket id of a v5 server's CONNECT (`{"sid": …}`).
    pub fn connect_sid(&self) -> Option<&str> {
        match self.kind {
            PacketType::Connect => self.data.as_ref()?.get("sid")?.as_str(),
            _ => None,
        }
    }

    /// A CONNECT_ERROR's message: v5 `{"message": …}`, v4 a plain string.
    pub fn error_message(&self) -> Option<&str> {
        if self.kind != PacketType::ConnectError {
            return None;
        }
        match self.data.as_ref()? {
            Value::String(message) => Some(message),
            other => other.get("message")?.as_str(),
        }
    }

    /// A v5 CONNECT_ERROR's `data`.
    pub fn error_data(&self) -> Option<&Value> {
        match self.kind {
            PacketType::ConnectError => self.data.as_ref()?.get("data"),
            _ => None,
        }
    }

    fn array(&self) -> Option<&Vec<Value>> {
        self.data.as_ref()?.as_array()
    }
}

/// A v4 (Socket.IO 2.x) namespace may carry a query: `/admin?token=1` → (`/admin`,
/// `Some("token=1")`).
pub fn split_query(ns: &str) -> (&str, Option<&str>) {
    match ns.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (ns, None),
    }
}

/// The text form of `packet`. A binary type writes `packet.attachments` as `<n>-`; the
/// namespace is written unless it is `/`.
pub fn encode(packet: &Packet) -> String {
    let mut out = String::new();
    encode_into(packet.kind, packet.attachments, packet, &mut out);
    out
}

pub(crate) fn encode_into(kind: PacketType, attachments: usize, packet: &Packet, out: &mut String) {
    encode_header(kind, attachments, &packet.namespace, packet.id, out);
    if let Some(data) = &packet.data {
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = write!(out, "{data}");
    }
}

/// A packet's text up to its data: type, attachment count, namespace, ack id. For writers that
/// serialize the data themselves.
pub(crate) fn encode_header(
    kind: PacketType,
    attachments: usize,
    namespace: &str,
    id: Option<u64>,
    out: &mut String,
) {
    use std::fmt::Write as _;
    out.push(kind.as_char());
    // Writing to a String cannot fail.
    if kind.is_binary() {
        let _ = write!(out, "{attachments}-");
    }
    if !namespace.is_empty() && namespace != "/" {
        out.push_str(namespace);
        out.push(',');
    }
    if let Some(id) = id {
        let _ = write!(out, "{id}");
    }
}

#[cfg(test)]
#[path = "tests/socketio.rs"]
mod tests;
