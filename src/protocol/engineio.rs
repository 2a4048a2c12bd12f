//! Engine.IO v3 and v4: packets, the open handshake, WebSocket frames. Polling payloads (several
//! packets in one HTTP body) are in `engineio/payload.rs`, re-exported here.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use super::binary::{base64_decode, base64_encode_into};

mod payload;

pub use payload::{decode_payload, encode_payload};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineVersion {
    /// Socket.IO 1.x/2.x servers and clients (`EIO=3`).
    V3,
    /// Socket.IO 3.x/4.x (`EIO=4`).
    V4,
}

impl EngineVersion {
    /// The `EIO` query parameter's value: `"3"` or `"4"`.
    pub fn from_query(eio: &str) -> Option<Self> {
        match eio {
            "3" => Some(EngineVersion::V3),
            "4" => Some(EngineVersion::V4),
            _ => None,
        }
    }

    pub fn as_query(self) -> &'static str {
        match self {
            EngineVersion::V3 => "3",
            EngineVersion::V4 => "4",
        }
    }
}

/// One Engine.IO packet, borrowed from the frame or body it was decoded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet<'a> {
    /// The handshake JSON (see [`Handshake`]).
    Open(&'a str),
    Close,
    /// Data: `""` or `"probe"` (any text is kept).
    Ping(&'a str),
    Pong(&'a str),
    /// A text message: a Socket.IO packet, or raw Engine.IO data.
    Message(&'a str),
    /// A binary message. Owned when it was decoded from base64 (polling).
    Binary(Cow<'a, [u8]>),
    Upgrade,
    Noop,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("empty Engine.IO packet")]
    Empty,
    #[error("unknown Engine.IO packet type {}", show_byte(*.0))]
    UnknownType(u8),
    #[error("binary Engine.IO packet of type {0}: only messages carry binary")]
    BinaryNotMessage(u8),
    #[error("Engine.IO payload over the maxPayload limit")]
    TooLarge,
    #[error("too many packets in one Engine.IO payload")]
    TooManyPackets,
    #[error("bad base64 in an Engine.IO binary packet")]
    BadBase64,
    #[error("bad length prefix in an Engine.IO v3 payload")]
    BadLength,
    #[error("Engine.IO text is not valid UTF-8")]
    NotUtf8,
    #[error("bad Engine.IO handshake: {0}")]
    BadHandshake(String),
}

/// A byte as a character when it is printable ASCII, else as hex.
pub(crate) fn show_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("{:?}", char::from(byte))
    } else {
        format!("0x{byte:02x}")
    }
}

/// One WebSocket text frame (either version): `<type digit>[<data>]`. The `b<base64>` form
/// belongs to polling payloads (see [`decode_packet`]) and is an error here.
pub fn decode_text(frame: &str) -> Result<Packet<'_>, EngineError> {
    let &kind = frame.as_bytes().first().ok_or(EngineError::Empty)?;
    // Only ASCII digits pass the match, so `frame[1..]` is on a character boundary.
    Ok(match kind {
        b'0' => Packet::Open(&frame[1..]),
        b'1' => Packet::Close,
        b'2' => Packet::Ping(&frame[1..]),
        b'3' => Packet::Pong(&frame[1..]),
        b'4' => Packet::Message(&frame[1..]),
        b'5' => Packet::Upgrade,
        b'6' => Packet::Noop,
        other => return Err(EngineError::UnknownType(other)),
    })
}

/// One packet of a polling payload: as [`decode_text`], plus the base64 binary form, which is
/// `b<base64>` in v4 and `b4<base64>` (the packet type, then base64) in v3.
pub fn decode_packet(version: EngineVersion, text: &str) -> Result<Packet<'_>, EngineError> {
    let Some(encoded) = text.strip_prefix('b') else {
        return decode_text(text);
    };
    let encoded = match version {
        EngineVersion::V4 => encoded,
        EngineVersion::V3 => match encoded.as_bytes().first() {
            Some(b'4') => &encoded[1..],
            Some(&other) => return Err(EngineError::BinaryNotMessage(other)),
            None => return Err(EngineError::Empty),
        },
    };
    let bytes = base64_decode(encoded).ok_or(EngineError::BadBase64)?;
    Ok(Packet::Binary(Cow::Owned(bytes)))
}

/// One WebSocket binary frame. v4: the frame is the message. v3: its first byte is the packet
/// type (a message, `4`), then the data.
pub fn decode_binary_frame(
    version: EngineVersion,
    frame: &[u8],
) -> Result<Packet<'_>, EngineError> {
    match version {
        EngineVersion::V4 => Ok(Packet::Binary(Cow::Borrowed(frame))),
        EngineVersion::V3 => match frame.split_first() {
            Some((4, data)) => Ok(Packet::Binary(Cow::Borrowed(data))),
            Some((&other, _)) => Err(EngineError::BinaryNotMessage(other)),
            None => Err(EngineError::Empty),
        },
    }
}

/// Append a packet's text form (a WebSocket text frame, or a v4 polling packet) to `out`.
/// `Binary` is written as v4's `b<base64>`; on WebSocket send binary as
/// [`encode_binary_frame`] instead.
pub fn encode_text(packet: &Packet<'_>, out: &mut String) {
    encode_packet(EngineVersion::V4, packet, out);
}

/// Begin a text message in `out` (its type, `4`); the message's text is then written straight
/// after it. For senders that build a message in place, in one buffer, rather than wrap a
/// finished one with [`encode_text`].
pub fn start_message(out: &mut String) {
    out.push('4');
}

/// As [`encode_text`], with the binary form of `version` (v3: `b4<base64>`).
pub(crate) fn encode_packet(version: EngineVersion, packet: &Packet<'_>, out: &mut String) {
    let (kind, data) = match packet {
        Packet::Open(json) => ('0', *json),
        Packet::Close => ('1', ""),
        Packet::Ping(data) => ('2', *data),
        Packet::Pong(data) => ('3', *data),
        Packet::Message(text) => ('4', *text),
        Packet::Upgrade => ('5', ""),
        Packet::Noop => ('6', ""),
        Packet::Binary(bytes) => {
            out.push('b');
            if version == EngineVersion::V3 {
                out.push('4');
            }
            base64_encode_into(bytes, out);
            return;
        }
    };
    out.push(kind);
    out.push_str(data);
}

/// A binary message as one WebSocket frame (v3 puts the message type `4` first).
pub fn encode_binary_frame(version: EngineVersion, data: &[u8]) -> Vec<u8> {
    match version {
        EngineVersion::V4 => data.to_vec(),
        EngineVersion::V3 => {
            let mut frame = Vec::with_capacity(data.len() + 1);
            frame.push(4);
            frame.extend_from_slice(data);
            frame
        }
    }
}

/// The open packet's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handshake {
    pub sid: String,
    /// Absent in a v3 WebSocket-only handshake: empty.
    #[serde(default)]
    pub upgrades: Vec<String>,
    /// Milliseconds.
    pub ping_interval: u64,
    /// Milliseconds.
    pub ping_timeout: u64,
    /// Bytes; only v4 servers send it.
    #[serde(default)]
    pub max_payload: Option<u64>,
}

impl Handshake {
    /// Parse and check the open packet's JSON: `sid` a non-empty string, `upgrades` strings, the
    /// ping fields and `maxPayload` non-negative integers. Unknown keys are ignored.
    pub fn parse(json: &str) -> Result<Self, EngineError> {
        let handshake: Handshake =
            serde_json::from_str(json).map_err(|e| EngineError::BadHandshake(e.to_string()))?;
        if handshake.sid.is_empty() {
            return Err(EngineError::BadHandshake("empty `sid`".to_owned()));
        }
        Ok(handshake)
    }

    /// A v3 server announces no `maxPayload`.
    pub fn version(&self) -> EngineVersion {
        match self.max_payload {
            Some(_) => EngineVersion::V4,
            None => EngineVersion::V3,
        }
    }

    /// The JSON in Node's key order: sid, upgrades, pingInterval, pingTimeout, maxPayload (when
    /// set).
    pub fn to_json(&self) -> String {
        let upgrades = Value::from(self.upgrades.clone());
        let mut json = format!(
            r#"{{"sid":{},"upgrades":{upgrades},"pingInterval":{},"pingTimeout":{}"#,
            Value::from(self.sid.as_str()),
            self.ping_interval,
            self.ping_timeout,
        );
        if let Some(max_payload) = self.max_payload {
            json.push_str(&format!(r#","maxPayload":{max_payload}"#));
        }
        json.push('}');
        json
    }
}

#[cfg(test)]
#[path = "tests/engineio.rs"]
mod tests;
