//! `sockai bench merge` and `--start-at`: a summary file, its histogram and a time must never
//! panic, whatever the input. The histogram case puts the bytes behind a header sockai accepts,
//! so that the HdrHistogram decoder itself sees them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockai::bench::merge;
use sockai::wall_clock as start;

/// A plain summary around `histogram` (base64).
fn summary(histogram: &str) -> String {
    format!(
        r#"{{"kind":"round-trips","url":"u","namespace":"/","mode":"reply","clients":1,
        "connections":{{"established":1,"failed":0,"dropped":0,"held":1}},"connect_rate":1.0,
        "ramp_secs":0.1,"duration_secs":1.0,"round_trips":1,"round_trips_per_sec":1.0,
        "errors":0,"latency_ms":{{"p50":0.0,"p90":0.0,"p99":0.0,"max":0.0,"mean":0.0}},
        "error_kinds":{{}},"started_at":"2026-01-01T00:00:00Z",
        "ended_at":"2026-01-01T00:00:01Z","histogram":"{histogram}","runs":1}}"#
    )
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = start::parse_start_at(text);
        let _ = merge::merge_texts(&[("a".into(), text.into())]);
    }
    // V2 cookie, the payload length from the input, then sockai's bounds, then the input.
    let mut bytes = vec![0x1c, 0x84, 0x93, 0x13];
    bytes.extend(data.iter().take(4));
    bytes.resize(8, 0);
    bytes.extend([0, 0, 0, 0, 0, 0, 0, 3]);
    bytes.extend(1u64.to_be_bytes());
    bytes.extend(120_000_000u64.to_be_bytes());
    bytes.extend(1f64.to_be_bytes());
    bytes.extend(data.iter().skip(4));
    let _ = merge::merge_texts(&[("a".into(), summary(&base64(&bytes)))]);
});
