//! `serve --echo-server`: the reference server of the official protocol test suites
//! (github.com/socketio/socket.io, `docs/socket.io-protocol/v5-test-suite` and
//! `docs/engine.io-protocol/v4-test-suite`), for people testing their own clients.
//!
//! Socket.IO at `/socket.io/`: namespaces `/` and `/custom`; on connect the server emits `auth`
//! with the CONNECT payload (`{}` without one); `message` is emitted back as `message-back`
//! with the same arguments, `message-with-ack` acknowledged with them, binary included.
//! Engine.IO at `/engine.io/`: every message echoed unchanged, text and binary.

use std::task::{Context, Poll};

use bytes::Bytes;
use serde_json::{Map, Value};

use super::engine::{Handler, MakeHandler, Out, Reason, SessionInfo};
use crate::protocol::engineio;
use crate::protocol::socketio::{Message, Packet, PacketType};

/// Where the raw Engine.IO echo is served.
pub const ENGINE_IO_PATH: &str = "/engine.io/";

/// The namespaces clients may join.
pub const NAMESPACES: [&str; 2] = ["/", "/custom"];

/// The `auth` event sent on joining: the CONNECT payload, `{}` without one.
pub fn welcome(namespace: &str, auth: Option<Value>) -> Packet {
    let auth = auth.unwrap_or_else(|| Value::Object(Map::new()));
    Packet::event(namespace, "auth", vec![auth], None)
}

/// The reply to an event, with its attachments as they came (placeholders untouched).
pub fn answer(packet: Packet, attachments: Vec<Bytes>) -> Option<Message> {
    let namespace = packet.namespace.clone();
    let id = packet.id;
    let name = packet.event_name()?.to_owned();
    let args = packet.into_args();
    let mut reply = match (name.as_str(), id) {
        ("message", _) => Packet::event(namespace, "message-back", args, None),
        ("message-with-ack", Some(id)) => Packet::ack(namespace, id, args),
        _ => return None,
    };
    if !attachments.is_empty() {
        reply.kind = match reply.kind {
            PacketType::Ack => PacketType::BinaryAck,
            _ => PacketType::BinaryEvent,
        };
        reply.attachments = attachments.len();
    }
    Some(Message {
        packet: reply,
        attachments,
    })
}

/// The raw Engine.IO echo.
pub struct MakeRawEcho;

impl MakeHandler for MakeRawEcho {
    fn make(&self, _session: &SessionInfo) -> Box<dyn Handler> {
        Box::new(RawEcho)
    }
}

struct RawEcho;

impl Handler for RawEcho {
    fn on_open(&mut self, _out: &mut Vec<Out>) {}

    fn on_text(&mut self, text: &str, out: &mut Vec<Out>) -> Result<(), Reason> {
        let mut packet = String::with_capacity(text.len() + 1);
        engineio::encode_text(&engineio::Packet::Message(text), &mut packet);
        out.push(Out::Text(packet));
        Ok(())
    }

    fn on_binary(&mut self, data: Bytes, out: &mut Vec<Out>) -> Result<(), Reason> {
        out.push(Out::Binary(data));
        Ok(())
    }

    fn poll_work(
        &mut self,
        _cx: &mut Context<'_>,
        _out: &mut Vec<Out>,
    ) -> Poll<Result<(), Reason>> {
        Poll::Pending
    }

    fn idle_too_long(&self) -> bool {
        false
    }

    fn on_close(&mut self, _reason: Reason) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Limits;
    use crate::protocol::socketio::{decode, encode_message};

    fn reply_to(text: &str, attachments: Vec<Bytes>) -> Option<(String, Vec<Bytes>)> {
        let packet = decode(text, &Limits::default()).unwrap();
        answer(packet, attachments).map(|m| encode_message(&m))
    }

    #[test]
    fn messages_come_back_with_their_attachments() {
        assert_eq!(
            reply_to(r#"2["message",1,"2",{"3":[true]}]"#, vec![])
                .unwrap()
                .0,
            r#"2["message-back",1,"2",{"3":[true]}]"#
        );
        let bins = vec![
            Bytes::from_static(&[1, 2, 3]),
            Bytes::from_static(&[4, 5, 6]),
        ];
        let (text, out) = reply_to(
            r#"52-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
            bins.clone(),
        )
        .unwrap();
        assert_eq!(
            text,
            r#"62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
        );
        assert_eq!(out, bins);
        assert!(reply_to(r#"2["other"]"#, vec![]).is_none());
    }
}
