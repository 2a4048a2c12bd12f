//! A raw-WebSocket bridge text frame: the envelope, then the `ai-message` payload inside it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockai::wire::{Envelope, parse_ai_request};

fuzz_target!(|text: &str| {
    if let Ok(envelope) = serde_json::from_str::<Envelope>(text) {
        let _ = parse_ai_request(&envelope.data, 64);
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = parse_ai_request(&value, 64);
    }
});
