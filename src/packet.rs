//! Socket.IO v5 packets inside Engine.IO v4 packets, as they travel in WebSocket frames (one
//! packet per frame). `parse`: the headers, without copying, for `sockai bench`'s client (which
//! leaves the JSON payload alone). `decode_client_frame`: what a client's text frame asks of a
//! server, JSON included, for the server's direct WebSocket transport. Both are pure functions
//! of the frame, fuzzed in fuzz/fuzz_targets/socketio_frame.rs.

use serde_json::Value;

/// An Engine.IO packet (WebSocket transport: one per frame).
#[derive(Debug, PartialEq, Eq)]
pub enum Packet<'a> {
    Open,
    Close,
    Ping,
    Pong,
    Message(SioPacket<'a>),
    /// Upgrade, noop, or something this client does not know.
    Other,
}

/// A Socket.IO packet inside an Engine.IO message.
#[derive(Debug, PartialEq, Eq)]
pub struct SioPacket<'a> {
    pub kind: SioKind,
    /// Binary attachments announced (`<n>-` of binary events and acks), 0 otherwise.
    pub attachments: usize,
    /// `/` unless the packet names another one.
    pub namespace: &'a str,
    pub ack: Option<u64>,
    /// The JSON after the header, possibly empty.
    pub payload: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SioKind {
    Connect,
    Disconnect,
    Event,
    Ack,
    ConnectError,
    BinaryEvent,
    BinaryAck,
}

/// Parse one frame. Never fails: anything malformed becomes [`Packet::Other`], which the client
/// ignores, because a load generator must not crash on a server's bad packet.
pub fn parse(text: &str) -> Packet<'_> {
    let Some(kind) = text.as_bytes().first() else {
        return Packet::Other;
    };
    match kind {
        b'0' => Packet::Open,
        b'1' => Packet::Close,
        b'2' => Packet::Ping,
        b'3' => Packet::Pong,
        b'4' => parse_socketio(&text[1..]).map_or(Packet::Other, Packet::Message),
        _ => Packet::Other,
    }
}

pub fn parse_socketio(text: &str) -> Option<SioPacket<'_>> {
    let kind = match text.as_bytes().first()? {
        b'0' => SioKind::Connect,
        b'1' => SioKind::Disconnect,
        b'2' => SioKind::Event,
        b'3' => SioKind::Ack,
        b'4' => SioKind::ConnectError,
        b'5' => SioKind::BinaryEvent,
        b'6' => SioKind::BinaryAck,
        _ => return None,
    };
    let mut rest = &text[1..];
    let mut attachments = 0;
    if matches!(kind, SioKind::BinaryEvent | SioKind::BinaryAck) {
        // `<attachments>-`
        let dash = rest.find('-')?;
        attachments = rest[..dash].parse().ok()?;
        rest = &rest[dash + 1..];
    }
    let mut namespace = "/";
    if rest.starts_with('/') {
        match rest.find(',') {
            Some(comma) => {
                namespace = &rest[..comma];
                rest = &rest[comma + 1..];
            }
            None => {
                namespace = rest;
                rest = "";
            }
        }
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let ack = if digits > 0 {
        Some(rest[..digits].parse().ok()?)
    } else {
        None
    };
    Some(SioPacket {
        kind,
        attachments,
        namespace,
        ack,
        payload: &rest[digits..],
    })
}

/// What one text frame from a client asks of the server, on the main namespace unless said.
#[derive(Debug, PartialEq)]
pub enum ClientFrame {
    /// Engine.IO close (`1`).
    Close,
    /// Engine.IO pong (`3`).
    Pong,
    /// Engine.IO ping (a v3 habit) or noop: nothing to do.
    Nothing,
    /// CONNECT, with its auth payload (`Null` when there is none).
    Connect(Value),
    /// CONNECT to another namespace (named).
    ConnectElsewhere(String),
    Disconnect,
    /// An event: its name, its arguments, the ack id it asks for. `attachments`: binary frames
    /// that follow (a binary event), 0 for a plain one.
    Event {
        name: String,
        args: Vec<Value>,
        ack: Option<u64>,
        attachments: usize,
    },
    /// Anything else a client may send (acks, packets for another namespace): ignored.
    Ignored,
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Not an Engine.IO packet a client sends.
    EngineIo,
    /// An Engine.IO message whose Socket.IO packet does not parse.
    SocketIo,
}

/// Decode a client's text frame. Never panics, whatever the input (fuzzed).
pub fn decode_client_frame(text: &str) -> Result<ClientFrame, Malformed> {
    match text.as_bytes().first() {
        Some(b'1') => Ok(ClientFrame::Close),
        Some(b'3') => Ok(ClientFrame::Pong),
        Some(b'2' | b'6') => Ok(ClientFrame::Nothing),
        Some(b'4') => {
            let packet = parse_socketio(&text[1..]).ok_or(Malformed::SocketIo)?;
            decode_socketio(packet)
        }
        _ => Err(Malformed::EngineIo),
    }
}

fn decode_socketio(packet: SioPacket<'_>) -> Result<ClientFrame, Malformed> {
    if packet.namespace != "/" {
        return Ok(match packet.kind {
            SioKind::Connect => ClientFrame::ConnectElsewhere(packet.namespace.to_owned()),
            _ => ClientFrame::Ignored,
        });
    }
    let json =
        |payload: &str| serde_json::from_str::<Value>(payload).map_err(|_| Malformed::SocketIo);
    match packet.kind {
        SioKind::Connect if packet.payload.is_empty() => Ok(ClientFrame::Connect(Value::Null)),
        SioKind::Connect => Ok(ClientFrame::Connect(json(packet.payload)?)),
        SioKind::Disconnect => Ok(ClientFrame::Disconnect),
        SioKind::Event | SioKind::BinaryEvent => {
            let Value::Array(mut args) = json(packet.payload)? else {
                return Err(Malformed::SocketIo);
            };
            if !args.first().is_some_and(Value::is_string) {
                return Err(Malformed::SocketIo);
            }
            let Value::String(name) = args.remove(0) else {
                return Err(Malformed::SocketIo);
            };
            let attachments = match packet.kind {
                SioKind::BinaryEvent if packet.attachments == 0 => return Err(Malformed::SocketIo),
                SioKind::BinaryEvent => packet.attachments,
                _ => 0,
            };
            Ok(ClientFrame::Event {
                name,
                args,
                ack: packet.ack,
                attachments,
            })
        }
        SioKind::Ack | SioKind::BinaryAck | SioKind::ConnectError => Ok(ClientFrame::Ignored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sio(text: &str) -> SioPacket<'_> {
        match parse(text) {
            Packet::Message(p) => p,
            other => panic!("{text:?} parsed as {other:?}"),
        }
    }
    #[test]
    fn parses_engine_io_packets() {
        assert_eq!(parse(r#"0{"sid":"x"}"#), Packet::Open);
        assert_eq!(parse("1"), Packet::Close);
        assert_eq!(parse("2"), Packet::Ping);
        assert_eq!(parse("3"), Packet::Pong);
        assert_eq!(parse("6"), Packet::Other);
        assert_eq!(parse(""), Packet::Other);
        assert_eq!(parse("4"), Packet::Other);
        assert_eq!(parse("49"), Packet::Other);
    }

    #[test]
    fn parses_socket_io_headers() {
        let p = sio(r#"40{"sid":"abc"}"#);
        assert_eq!((p.kind, p.namespace, p.ack), (SioKind::Connect, "/", None));
        let p = sio(r#"40/admin,{"sid":"abc"}"#);
        assert_eq!(
            (p.kind, p.namespace, p.payload),
            (SioKind::Connect, "/admin", r#"{"sid":"abc"}"#)
        );
        let p = sio(r#"42["ai-message-response",{"response":"echo: 1"}]"#);
        assert_eq!((p.kind, p.ack), (SioKind::Event, None));
        assert!(p.payload.starts_with(r#"["ai-message-response""#));
        let p = sio(r#"43/admin,17[{"response":"x"}]"#);
        assert_eq!(
            (p.kind, p.namespace, p.ack),
            (SioKind::Ack, "/admin", Some(17))
        );
        let p = sio(r#"44{"message":"nope"}"#);
        assert_eq!(
            (p.kind, p.payload),
            (SioKind::ConnectError, r#"{"message":"nope"}"#)
        );
        let p = sio("41/admin");
        assert_eq!(
            (p.kind, p.namespace, p.payload),
            (SioKind::Disconnect, "/admin", "")
        );
        let p = sio(r#"451-["bin",{"_placeholder":true,"num":0}]"#);
        assert_eq!((p.kind, p.attachments), (SioKind::BinaryEvent, 1));
    }

    #[test]
    fn malformed_packets_are_ignored_not_fatal() {
        assert_eq!(parse("45"), Packet::Other); // binary without `-`
        assert_eq!(parse("4399999999999999999999999[]"), Packet::Other); // ack id overflow
        assert_eq!(parse("4é"), Packet::Other);
    }

    #[test]
    fn decodes_what_a_client_asks() {
        use serde_json::json;
        let event = |name: &str, args: Value, ack, attachments| ClientFrame::Event {
            name: name.to_owned(),
            args: args.as_array().cloned().unwrap_or_default(),
            ack,
            attachments,
        };
        let cases = [
            ("1", Ok(ClientFrame::Close)),
            ("3", Ok(ClientFrame::Pong)),
            ("6", Ok(ClientFrame::Nothing)),
            ("40", Ok(ClientFrame::Connect(Value::Null))),
            (
                r#"40{"token":"t"}"#,
                Ok(ClientFrame::Connect(json!({"token": "t"}))),
            ),
            (
                "40/admin,",
                Ok(ClientFrame::ConnectElsewhere("/admin".into())),
            ),
            ("42/admin,[\"x\"]", Ok(ClientFrame::Ignored)),
            ("41", Ok(ClientFrame::Disconnect)),
            (
                r#"42["ai-message",{"prompt":"p"}]"#,
                Ok(event("ai-message", json!([{"prompt": "p"}]), None, 0)),
            ),
            (
                r#"4217["ai-reset"]"#,
                Ok(event("ai-reset", json!([]), Some(17), 0)),
            ),
            (
                r#"452-3["m",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
                Ok(event(
                    "m",
                    json!([{"_placeholder": true, "num": 0}, {"_placeholder": true, "num": 1}]),
                    Some(3),
                    2,
                )),
            ),
            ("430[]", Ok(ClientFrame::Ignored)),
            ("", Err(Malformed::EngineIo)),
            ("9", Err(Malformed::EngineIo)),
            ("5", Err(Malformed::EngineIo)),
            ("42[", Err(Malformed::SocketIo)),
            ("4{", Err(Malformed::SocketIo)),
            ("42[]", Err(Malformed::SocketIo)),
            ("42[1]", Err(Malformed::SocketIo)),
            (r#"42{"a":1}"#, Err(Malformed::SocketIo)),
            ("40{bad", Err(Malformed::SocketIo)),
            (r#"450-["m"]"#, Err(Malformed::SocketIo)),
        ];
        for (frame, expected) in cases {
            assert_eq!(decode_client_frame(frame), expected, "{frame:?}");
        }
    }
}
