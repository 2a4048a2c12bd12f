//! One Engine.IO packet, as a WebSocket text or binary frame or one packet of a polling payload,
//! and the open handshake's JSON, in both protocol versions. Whatever decodes must encode back to
//! something that decodes to the same packet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockai::protocol::Limits;
use sockai::protocol::engineio::{
    EngineVersion, Handshake, Packet, decode_binary_frame, decode_packet, decode_payload,
    decode_text, encode_binary_frame, encode_payload, encode_text,
};

fuzz_target!(|data: &[u8]| {
    for version in [EngineVersion::V3, EngineVersion::V4] {
        if let Ok(packet) = decode_binary_frame(version, data) {
            let Packet::Binary(bytes) = &packet else {
                panic!("a binary frame decoded as {packet:?}");
            };
            assert_eq!(encode_binary_frame(version, bytes), data);
        }
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(packet) = decode_text(text) {
        let mut encoded = String::new();
        encode_text(&packet, &mut encoded);
        assert_eq!(decode_text(&encoded), Ok(packet), "{encoded:?}");
    }
    for version in [EngineVersion::V3, EngineVersion::V4] {
        // v4 payloads cannot carry the record separator in a packet (the protocol says so; JSON
        // escapes it, so no Socket.IO packet has one).
        if version == EngineVersion::V4 && text.contains('\x1e') {
            continue;
        }
        if let Ok(packet) = decode_packet(version, text) {
            // One packet re-encoded as a payload of one, in that version's form.
            let mut body = Vec::new();
            encode_payload(version, std::slice::from_ref(&packet), &mut body);
            let unlimited = Limits {
                max_payload: usize::MAX,
                ..Limits::default()
            };
            assert_eq!(
                decode_payload(version, &body, &unlimited),
                Ok(vec![packet]),
                "{body:?}"
            );
        }
    }
    if let Ok(handshake) = Handshake::parse(text) {
        let json = handshake.to_json();
        assert_eq!(Handshake::parse(&json), Ok(handshake), "{json}");
    }
});
