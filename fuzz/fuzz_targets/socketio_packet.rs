//! Socket.IO packets: one text packet through `socketio::decode`, then the input split into a
//! sequence of text and binary messages through a `Decoder`, each complete message through
//! `binary::reconstruct` and back through `Message::with_binary`/`encode_message`. Round trips
//! must give the same packets.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sockai::protocol::socketio::{self, Decoder, Message, decode, encode, encode_message};
use sockai::protocol::{Limits, binary};

fn limits() -> Limits {
    Limits {
        max_payload: 4096,
        max_attachments: 10,
        max_packets: 256,
    }
}

/// Generous limits for re-decoding what we encoded (base64 and placeholders make it bigger).
fn unlimited() -> Limits {
    Limits {
        max_payload: usize::MAX,
        max_attachments: usize::MAX,
        max_packets: usize::MAX,
    }
}

/// Send `msg` through the encoder and a fresh decoder.
fn resend(msg: &Message) -> Message {
    let (text, frames) = encode_message(msg);
    let mut decoder = Decoder::new(unlimited());
    let mut result = decoder
        .text(&text)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"));
    for frame in frames {
        assert!(result.is_none(), "{text:?}: whole before its attachments");
        result = decoder
            .binary(frame)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
    result.unwrap_or_else(|| panic!("{text:?}: attachments missing"))
}

/// A received message as users see it, sent again, received again.
fn check_message(msg: Message) {
    let plain = msg.attachments.is_empty();
    let Ok(packet) = msg.into_packet_with_binary() else {
        return;
    };
    if plain && !packet.kind.is_binary() {
        let text = encode(&packet);
        assert_eq!(decode(&text, &unlimited()), Ok(packet.clone()), "{text:?}");
    }
    // A placeholder-like object left in the data (a plain packet's) would be taken for a real
    // placeholder once the packet is binary: the wire format cannot tell them apart.
    if encode(&packet).contains("\"_placeholder\"") {
        return;
    }
    // `$binary` objects the peer sent as JSON become attachments too, and non-canonical base64
    // is written canonically, so compare from the second trip on: it must be a fixed point.
    let Ok(first) = Message::with_binary(packet) else {
        return;
    };
    let second = resend(&first)
        .into_packet_with_binary()
        .expect("our own binary message");
    let again = Message::with_binary(second.clone()).expect("our own $binary values");
    let third = resend(&again)
        .into_packet_with_binary()
        .expect("our own binary message");
    assert_eq!(second, third);
}

/// `extract` then `reconstruct` on any arguments: what comes out of one fits the other.
fn check_binary(args: &[Value], attachment: &[u8]) {
    let mut copy = args.to_vec();
    let _ = binary::reconstruct(&mut copy, &[Bytes::copy_from_slice(attachment)]);
    let mut args = args.to_vec();
    let lookalikes = Value::from(args.clone())
        .to_string()
        .contains("_placeholder");
    let Ok(attachments) = binary::extract(&mut args) else {
        return;
    };
    if !lookalikes {
        binary::reconstruct(&mut args, &attachments).expect("extracted attachments fit");
        let mut again = args.clone();
        assert_eq!(binary::extract(&mut again), Ok(attachments));
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(packet) = decode(text, &limits()) {
            let encoded = encode(&packet);
            assert_eq!(
                decode(&encoded, &unlimited()),
                Ok(packet.clone()),
                "{encoded:?}"
            );
            assert!(packet.attachments <= limits().max_attachments);
            let _ = (
                packet.event_name(),
                packet.args(),
                packet.error_message(),
                packet.connect_sid(),
            );
            let _ = socketio::split_query(&packet.namespace);
            check_binary(packet.args(), data);
        }
    }
    // Messages separated by 0xFF; a message whose first byte is 0 is binary, else text.
    let mut decoder = Decoder::new(limits());
    for part in data.split(|&b| b == 0xFF) {
        let result = match part.split_first() {
            Some((0, bytes)) => decoder.binary(Bytes::copy_from_slice(bytes)),
            _ => match std::str::from_utf8(part) {
                Ok(text) => decoder.text(text),
                Err(_) => continue,
            },
        };
        match result {
            Ok(Some(msg)) => {
                assert_eq!(msg.attachments.len(), msg.packet.attachments);
                assert_eq!(decoder.pending(), 0);
                check_message(msg);
            }
            Ok(None) => assert!(decoder.pending() > 0),
            Err(_) => assert_eq!(decoder.pending(), 0),
        }
    }
});
