//! The engine's own packet types, and how they are written on each transport.

use std::task::Poll;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use bytes::Bytes;
use futures_util::SinkExt;

use super::Reason;
use crate::protocol::engineio::{self, EngineVersion, Packet as Wire};

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

impl Out {
    /// Bytes it takes on the wire (binary before base64).
    pub fn len(&self) -> usize {
        match self {
            Out::Text(text) => text.len(),
            Out::Binary(data) => data.len(),
        }
    }
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

/// Send frames, giving up after `limit`. They are buffered, then flushed together: the chunk
/// and the response of an answer leave in one write.
pub(super) async fn send(
    ws: &mut WebSocket,
    messages: impl Iterator<Item = Message>,
    limit: Duration,
) -> Result<(), Reason> {
    let sent = async {
        let mut any = false;
        for message in messages {
            ws.feed(message).await?;
            any = true;
        }
        if any { ws.flush().await } else { Ok(()) }
    };
    let mut sent = std::pin::pin!(sent);
    // Polled once first: a write the socket takes at once (nearly every one) costs no timer
    // and no clock read (`scripts/instructions.sh`); the limit counts from the first wait.
    let outcome = match std::future::poll_fn(|cx| Poll::Ready(sent.as_mut().poll(cx))).await {
        Poll::Ready(outcome) => Ok(outcome),
        Poll::Pending => tokio::time::timeout(limit, sent).await,
    };
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(Reason::TransportError),
    }
}

/// A polling body of one noop packet.
pub(super) fn noop(version: EngineVersion) -> Vec<u8> {
    payload(version, std::iter::once(Out::Text("6".to_owned())))
}

/// A WebSocket frame of one packet (v3 binary frames start with the message type).
pub(super) fn frame(version: EngineVersion, out: Out) -> Message {
    match out {
        Out::Text(text) => Message::Text(text.into()),
        Out::Binary(data) => Message::Binary(match version {
            EngineVersion::V4 => data,
            EngineVersion::V3 => engineio::encode_binary_frame(version, &data).into(),
        }),
    }
}

/// A polling body of `packets`.
pub(super) fn payload(version: EngineVersion, packets: impl Iterator<Item = Out>) -> Vec<u8> {
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
