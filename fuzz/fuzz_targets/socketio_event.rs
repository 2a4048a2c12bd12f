//! The short read of an event (`decode_event`: the name borrowed, each argument as its JSON
//! text) against the full decoder: whenever it answers, `decode` gives the same event; whenever
//! `decode` gives a plain event with a string name, it answers, unless the text has what might be
//! a number out of an f64's range (an exponent, 300 digits in one number) or a lone surrogate
//! (a `\uD…` escape), or a `$` (serde_json's magic `RawValue` key), which it leaves to
//! `decode` on purpose. Then the `ai-message` payload
//! read from its text against the same payload read as a value: the same prompt or the same
//! error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use serde_json::value::RawValue;
use sockai::protocol::Limits;
use sockai::protocol::socketio::{PacketType, decode, decode_event};
use sockai::wire::AiPayload;

fn limits() -> Limits {
    Limits {
        max_payload: 4096,
        max_attachments: 10,
        max_packets: 256,
    }
}

fuzz_target!(|text: &str| {
    let full = decode(text, &limits());
    let short = decode_event(text, &limits());
    let plain_event = full.as_ref().ok().filter(|packet| {
        packet.kind == PacketType::Event && packet.data.as_ref().is_some_and(|data| data[0].is_string())
    });
    if short.is_some() {
        assert!(plain_event.is_some(), "{text:?}");
    } else if plain_event.is_some() {
        let exponent = text.bytes().any(|b| b == b'e' || b == b'E');
        let number_byte = |b: &u8| b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-');
        let long_number = text.as_bytes().windows(300).any(|w| w.iter().all(number_byte));
        let surrogate = text.contains("\\ud") || text.contains("\\uD");
        let magic = text.contains('$') || text.contains("\\u0024");
        assert!(exponent || long_number || surrogate || magic, "{text:?}");
    }
    let (Some(event), Some(packet)) = (short, plain_event) else {
        return;
    };
    assert_eq!(event.namespace, packet.namespace);
    assert_eq!(event.id, packet.id);
    assert_eq!(Some(&*event.name), packet.event_name());
    assert_eq!(event.args.len(), packet.args().len());
    for (raw, value) in event.args.iter().zip(packet.args()) {
        let parsed: Value = serde_json::from_str(raw.get()).expect("an argument's text is JSON");
        assert_eq!(&parsed, value);
        let from_text = AiPayload::Text(RawValue::from_string(raw.get().to_owned()).unwrap());
        let from_value = AiPayload::Value(value.clone());
        for max in [0, 8, 4096] {
            assert_eq!(from_text.prompt(max), from_value.prompt(max), "{text:?}");
        }
    }
});
