//! Decoding a text packet: its header (type, attachments, namespace, ack id), then its JSON,
//! whose shape is checked for the type as Node's socket.io-parser does.

use serde_json::Value;

use super::{Packet, PacketType, SocketError};
use crate::protocol::Limits;

/// A text packet up to its JSON payload: type, attachment count, namespace, ack id.
pub(super) struct Header<'a> {
    pub kind: PacketType,
    pub attachments: usize,
    pub namespace: &'a str,
    pub id: Option<u64>,
    pub payload: &'a str,
}

/// Decode one Socket.IO text packet (the data of an Engine.IO message), parsing its JSON once and
/// checking its shape.
pub fn decode(text: &str, limits: &Limits) -> Result<Packet, SocketError> {
    let header = header(text, limits)?;
    let data = if header.payload.is_empty() {
        None
    } else {
        Some(
            serde_json::from_str::<Value>(header.payload)
                .map_err(|e| SocketError::BadJson(e.to_string()))?,
        )
    };
    check_shape(header.kind, data.as_ref())?;
    Ok(Packet {
        kind: header.kind,
        namespace: header.namespace.to_owned(),
        id: header.id,
        data,
        attachments: header.attachments,
    })
}

pub(super) fn header<'a>(text: &'a str, limits: &Limits) -> Result<Header<'a>, SocketError> {
    if text.len() > limits.max_payload {
        return Err(SocketError::TooLarge {
            size: text.len(),
            max: limits.max_payload,
        });
    }
    let bytes = text.as_bytes();
    let &first = bytes.first().ok_or(SocketError::Empty)?;
    let kind = PacketType::from_byte(first).ok_or(SocketError::UnknownType(first))?;
    // Every index below sits right after an ASCII byte, so slicing `text` there is safe.
    let mut at = 1;
    let mut attachments = 0;
    if kind.is_binary() {
        let digits = count_digits(&bytes[at..]);
        if digits == 0 || bytes.get(at + digits) != Some(&b'-') {
            return Err(SocketError::BadAttachments);
        }
        // Saturating: an absurd count is "too many", never a number we allocate by.
        let count = bytes[at..at + digits].iter().fold(0usize, |n, &d| {
            n.saturating_mul(10).saturating_add(usize::from(d - b'0'))
        });
        if count == 0 {
            return Err(SocketError::BadAttachments);
        }
        if count > limits.max_attachments {
            return Err(SocketError::TooManyAttachments {
                max: limits.max_attachments,
            });
        }
        attachments = count;
        at += digits + 1;
    }
    let mut namespace = "/";
    if bytes.get(at) == Some(&b'/') {
        let end = bytes[at..]
            .iter()
            .position(|&b| b == b',')
            .map_or(bytes.len(), |comma| at + comma);
        namespace = &text[at..end];
        if namespace.chars().any(char::is_control) {
            return Err(SocketError::BadNamespace);
        }
        at = (end + 1).min(bytes.len());
    }
    let digits = count_digits(&bytes[at..]);
    let id = if digits > 0 {
        let id = text[at..at + digits]
            .parse::<u64>()
            .map_err(|_| SocketError::BadAckId)?;
        at += digits;
        Some(id)
    } else {
        None
    };
    Ok(Header {
        kind,
        attachments,
        namespace,
        id,
        payload: &text[at..],
    })
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// The payload each type allows (Node's `isPayloadValid`, plus v4's payload-less CONNECT_ERROR).
fn check_shape(kind: PacketType, data: Option<&Value>) -> Result<(), SocketError> {
    let (ok, expected) = match kind {
        PacketType::Connect => (
            matches!(data, None | Some(Value::Object(_))),
            "payload must be an object, if any",
        ),
        PacketType::Disconnect => (data.is_none(), "has no payload"),
        PacketType::ConnectError => (
            matches!(data, None | Some(Value::Object(_) | Value::String(_))),
            "payload must be an object or a string",
        ),
        PacketType::Event | PacketType::BinaryEvent => (
            matches!(data, Some(Value::Array(items))
                if matches!(items.first(), Some(Value::String(_) | Value::Number(_)))),
            "payload must be an array starting with the event name",
        ),
        PacketType::Ack | PacketType::BinaryAck => (
            matches!(data, Some(Value::Array(_))),
            "payload must be an array",
        ),
    };
    if ok {
        Ok(())
    } else {
        Err(SocketError::BadPayload { kind, expected })
    }
}
