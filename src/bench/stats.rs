//! Latency recording: one HDR histogram for the whole run.
//!
//! `hdrhistogram` (the official Rust port of Gil Tene's HdrHistogram, in the HdrHistogram
//! GitHub organisation, used by tokio-console among others; no unsafe code) records in
//! O(1) with fixed memory and bounded relative error, so percentiles stay exact to 3 significant
//! digits however many samples come in. Clients share one histogram behind a mutex instead of
//! owning one each: a histogram of this range is ~100 KiB, times 10,000 clients would be a gigabyte,
//! and the critical section is a handful of instructions.

use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use serde::{Deserialize, Serialize};

/// Highest latency the histogram tells apart, in microseconds; longer ones count as this.
const MAX_MICROS: u64 = 120_000_000;

pub struct Latency(Mutex<Histogram<u64>>);

/// Largest histogram accepted in a `--json` file, base64 (sockai's own are a few KiB).
const MAX_ENCODED: usize = 4 * 1024 * 1024;
/// V2's first four bytes (the uncompressed encoding, 8-byte words: `0x1c849303 | 0x10`).
const V2_COOKIE: u32 = 0x1c84_9313;

/// Bytes before V2's payload.
const V2_HEADER: usize = 40;

/// Percentiles in milliseconds, to the microsecond.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// An empty histogram of microseconds, 1 µs to [`MAX_MICROS`], 3 significant digits: every
/// histogram sockai records, writes and merges has these bounds.
pub fn empty() -> Histogram<u64> {
    // Bounds are constants within the crate's limits: construction cannot fail.
    Histogram::new_with_bounds(1, MAX_MICROS, 3)
        .unwrap_or_else(|_| unreachable!("valid histogram bounds"))
}

/// `elapsed` in the histogram's unit, clamped to its range.
pub fn micros(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_micros())
        .unwrap_or(MAX_MICROS)
        .clamp(1, MAX_MICROS)
}

impl Latency {
    pub fn new() -> Self {
        Self(Mutex::new(empty()))
    }

    pub fn record(&self, elapsed: Duration) {
        // A poisoned lock means a client task panicked mid-record; the counts are still usable.
        let mut histogram = crate::sync::lock(&self.0);
        histogram.saturating_record(micros(elapsed));
    }

    pub fn summary(&self) -> LatencySummary {
        summary(&crate::sync::lock(&self.0))
    }

    /// A copy of what was recorded.
    pub fn snapshot(&self) -> Histogram<u64> {
        crate::sync::lock(&self.0).clone()
    }
}

/// The percentiles of a histogram of microseconds, in milliseconds.
pub fn summary(histogram: &Histogram<u64>) -> LatencySummary {
    if histogram.is_empty() {
        return LatencySummary::default();
    }
    let ms = |micros: u64| micros as f64 / 1000.0;
    LatencySummary {
        p50: ms(histogram.value_at_quantile(0.50)),
        p90: ms(histogram.value_at_quantile(0.90)),
        p99: ms(histogram.value_at_quantile(0.99)),
        max: ms(histogram.max()),
        mean: histogram.mean().round() / 1000.0,
    }
}

/// The whole histogram in HdrHistogram's V2 encoding (uncompressed), base64: what `--json`
/// carries so that runs can be merged, and what HdrHistogram's other tools read.
pub fn encode(histogram: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    // Writing to a Vec cannot fail, and every count fits V2's encoding.
    if V2Serializer::new()
        .serialize(histogram, &mut bytes)
        .is_err()
    {
        return String::new();
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A histogram `encode` wrote: its bounds must be sockai's (anything else did not come from a
/// `sockai bench --json`, and could ask for any amount of memory).
pub fn decode(text: &str) -> Result<Histogram<u64>, String> {
    if text.len() > MAX_ENCODED {
        return Err(format!("histogram larger than {} MiB", MAX_ENCODED >> 20));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("histogram is not base64: {e}"))?;
    let word = |at: usize, len: usize| {
        bytes
            .get(at..at + len)
            .map(|b| b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x)))
    };
    let header = (word(0, 4), word(12, 4), word(16, 8), word(24, 8));
    let expected = (
        Some(u64::from(V2_COOKIE)),
        Some(3),
        Some(1),
        Some(MAX_MICROS),
    );
    if header != expected {
        return Err(
            "histogram is not one sockai bench wrote (HdrHistogram V2, 1 µs to 120 s, \
                    3 digits)"
                .to_owned(),
        );
    }
    // The decoder allocates the payload length the header claims before reading it: hold the
    // claim to the bytes there are.
    let claimed = word(4, 4).unwrap_or(u64::MAX);
    let there = bytes.len().saturating_sub(V2_HEADER);
    if claimed > there as u64 {
        return Err(format!(
            "histogram is truncated ({claimed} bytes announced, {there} there)"
        ));
    }
    let mut reader = bytes.as_slice();
    Deserializer::new()
        .deserialize(&mut reader)
        .map_err(|e| format!("histogram does not decode: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_in_milliseconds() {
        let latency = Latency::new();
        for ms in 1..=100 {
            latency.record(Duration::from_millis(ms));
        }
        let s = latency.summary();
        assert!((s.p50 - 50.0).abs() < 0.1, "{s:?}");
        assert!((s.p99 - 99.0).abs() < 0.1, "{s:?}");
        assert!((s.max - 100.0).abs() < 0.1, "{s:?}");
        assert!(s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max);
    }

    #[test]
    fn a_histogram_survives_its_encoding_and_a_foreign_one_is_refused() {
        let latency = Latency::new();
        for us in [1, 7, 1_000, 55_555, 119_000_000] {
            latency.record(Duration::from_micros(us));
        }
        let histogram = latency.snapshot();
        let back = decode(&encode(&histogram)).unwrap();
        assert_eq!(back, histogram);
        assert_eq!(decode(&encode(&empty())).unwrap(), empty());
        let mut other = Histogram::<u64>::new_with_bounds(1, 1_000, 2).unwrap();
        other.record(5).unwrap();
        assert!(
            decode(&encode(&other))
                .unwrap_err()
                .contains("not one sockai")
        );
        assert!(decode("not base64!").is_err());
        assert!(decode("").is_err());
        let mut truncated = encode(&histogram);
        truncated.truncate(60);
        assert!(decode(&truncated).is_err());
        // A header that announces 4 GiB of payload is refused before anything is allocated.
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(encode(&histogram))
            .unwrap();
        bytes[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        let huge = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert!(decode(&huge).unwrap_err().contains("truncated"));
        // A header cut inside its last field.
        let short = base64::engine::general_purpose::STANDARD.encode(&bytes[..36]);
        assert!(decode(&short).is_err());
    }

    #[test]
    fn empty_and_extreme_values() {
        let latency = Latency::new();
        assert_eq!(latency.summary(), LatencySummary::default());
        latency.record(Duration::ZERO);
        latency.record(Duration::from_secs(100_000));
        assert!(latency.summary().max >= 119_000.0);
    }
}
