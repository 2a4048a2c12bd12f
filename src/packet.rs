//! Socket.IO v5 packets inside Engine.IO v4 packets, as they travel in WebSocket frames (one
//! packet per frame): the headers, parsed without copying. Shared by `sockai bench`'s client and
//! the server's direct WebSocket transport; the JSON payload is left to the caller.

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
}
