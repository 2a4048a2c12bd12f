//! Whole Socket.IO messages: a binary packet's text announces `<n>-` attachments, which arrive
//! as the next n binary Engine.IO messages. The [`Decoder`] (one per connection) puts them
//! together; [`encode_message`] takes them apart again.

use bytes::Bytes;

use super::{EventRef, Packet, PacketType, SocketError, decode, decode_event, encode_into};
use crate::protocol::Limits;
use crate::protocol::binary::{self, BinaryError};

/// A packet and its binary attachments (empty for a packet without binary). The packet's data
/// still holds the placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub packet: Packet,
    pub attachments: Vec<Bytes>,
}

impl Message {
    /// A packet without binary.
    pub fn new(packet: Packet) -> Self {
        Message {
            packet,
            attachments: Vec::new(),
        }
    }

    /// A packet whose data may hold `{"$binary": "<base64>"}` anywhere: in an event or an ack,
    /// each becomes a placeholder and an attachment, and the packet BINARY_EVENT/BINARY_ACK when
    /// there are any. Other packets have no binary form: their data is left as it is.
    pub fn with_binary(mut packet: Packet) -> Result<Self, BinaryError> {
        let attachments = match packet.data.as_mut() {
            Some(data) if carries_binary(packet.kind) => {
                binary::extract(std::slice::from_mut(data))?
            }
            _ => Vec::new(),
        };
        packet.kind = binary_kind(packet.kind, attachments.len());
        packet.attachments = attachments.len();
        Ok(Message {
            packet,
            attachments,
        })
    }

    /// The packet with each placeholder replaced by `{"$binary": "<base64>"}` of its attachment
    /// (binary packets only: in a plain packet a placeholder-like object is just an object).
    pub fn into_packet_with_binary(self) -> Result<Packet, BinaryError> {
        let Message {
            mut packet,
            attachments,
        } = self;
        if packet.kind.is_binary() {
            if let Some(data) = packet.data.as_mut() {
                binary::reconstruct(std::slice::from_mut(data), &attachments)?;
            } else if !attachments.is_empty() {
                return Err(BinaryError::Unused(0));
            }
        }
        Ok(packet)
    }
}

fn carries_binary(kind: PacketType) -> bool {
    matches!(
        kind,
        PacketType::Event | PacketType::Ack | PacketType::BinaryEvent | PacketType::BinaryAck
    )
}

/// The type a packet goes as with `attachments` binary attachments.
fn binary_kind(kind: PacketType, attachments: usize) -> PacketType {
    match (kind, attachments) {
        (PacketType::Event, 1..) => PacketType::BinaryEvent,
        (PacketType::Ack, 1..) => PacketType::BinaryAck,
        (PacketType::BinaryEvent, 0) => PacketType::Event,
        (PacketType::BinaryAck, 0) => PacketType::Ack,
        (kind, _) => kind,
    }
}

/// The text packet and the binary messages that follow it. The type and `<n>-` follow the
/// attachments actually there (an EVENT with attachments goes as BINARY_EVENT, a BINARY_EVENT
/// without any as EVENT), so the peer's count always matches what is sent. Only events and acks
/// carry attachments: another packet's are not sent.
pub fn encode_message(msg: &Message) -> (String, Vec<Bytes>) {
    let attachments = if carries_binary(msg.packet.kind) {
        msg.attachments.clone()
    } else {
        Vec::new()
    };
    let kind = binary_kind(msg.packet.kind, attachments.len());
    let mut text = String::new();
    encode_into(kind, attachments.len(), &msg.packet, &mut text);
    (text, attachments)
}

/// Reassembles binary packets, one per connection. After an error the connection is broken (the
/// peer does not follow the protocol): close it; the decoder has dropped whatever was pending.
#[derive(Debug)]
pub struct Decoder {
    limits: Limits,
    pending: Option<Message>,
}

impl Decoder {
    pub fn new(limits: Limits) -> Self {
        Decoder {
            limits,
            pending: None,
        }
    }

    /// A text message: a whole packet, or `None` when it announces attachments still to come.
    pub fn text(&mut self, text: &str) -> Result<Option<Message>, SocketError> {
        if let Some(pending) = self.pending.take() {
            return Err(SocketError::AttachmentsPending {
                missing: pending.packet.attachments - pending.attachments.len(),
            });
        }
        let packet = decode(text, &self.limits)?;
        if packet.attachments == 0 {
            return Ok(Some(Message::new(packet)));
        }
        // `attachments` is at most `limits.max_attachments` here.
        self.pending = Some(Message {
            attachments: Vec::with_capacity(packet.attachments),
            packet,
        });
        Ok(None)
    }

    /// A text message that is a plain event, read without its JSON tree ([`decode_event`]),
    /// when no binary packet is pending; `None` otherwise, and the message goes to
    /// [`Decoder::text`].
    pub fn event<'a>(&self, text: &'a str) -> Option<EventRef<'a>> {
        if self.pending.is_some() {
            return None;
        }
        decode_event(text, &self.limits)
    }

    /// A binary message: the next attachment of the pending packet; the whole message once it
    /// is the last.
    pub fn binary(&mut self, data: Bytes) -> Result<Option<Message>, SocketError> {
        let Some(pending) = self.pending.as_mut() else {
            return Err(SocketError::UnexpectedBinary);
        };
        if data.len() > self.limits.max_payload {
            self.pending = None;
            return Err(SocketError::AttachmentTooLarge {
                size: data.len(),
                max: self.limits.max_payload,
            });
        }
        pending.attachments.push(data);
        if pending.attachments.len() < pending.packet.attachments {
            return Ok(None);
        }
        Ok(self.pending.take())
    }

    /// Attachments still expected (0: none pending).
    pub fn pending(&self) -> usize {
        self.pending
            .as_ref()
            .map_or(0, |p| p.packet.attachments - p.attachments.len())
    }

    /// Drop a pending packet (e.g. when the transport changes hands).
    pub fn reset(&mut self) {
        self.pending = None;
    }
}
