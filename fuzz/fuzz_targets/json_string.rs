//! The hand-written JSON string writer against serde_json: byte for byte the same, for any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockai::protocol::json;

fuzz_target!(|text: &str| {
    let mut ours = String::new();
    json::write_str(&mut ours, text);
    assert_eq!(ours, serde_json::to_string(text).unwrap_or_default());
    // The log queue's bytes get the same.
    let mut bytes = Vec::new();
    json::write_str(&mut bytes, text);
    assert_eq!(bytes, ours.as_bytes());
});
