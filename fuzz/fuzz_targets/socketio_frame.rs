//! A text frame a client sends to `sockai serve`'s direct WebSocket transport, and the frame
//! headers `sockai bench` reads from any server.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockai::packet;

fuzz_target!(|frame: &str| {
    let _ = packet::decode_client_frame(frame);
    let _ = packet::parse(frame);
});
