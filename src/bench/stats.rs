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

use hdrhistogram::Histogram;
use serde::Serialize;

/// Highest latency the histogram tells apart, in microseconds; longer ones count as this.
const MAX_MICROS: u64 = 120_000_000;

pub struct Latency(Mutex<Histogram<u64>>);

/// Percentiles in milliseconds, to the microsecond.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

impl Latency {
    pub fn new() -> Self {
        // Bounds are constants within the crate's limits: construction cannot fail.
        let histogram = Histogram::new_with_bounds(1, MAX_MICROS, 3)
            .unwrap_or_else(|_| unreachable!("valid histogram bounds"));
        Self(Mutex::new(histogram))
    }

    pub fn record(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros())
            .unwrap_or(MAX_MICROS)
            .clamp(1, MAX_MICROS);
        // A poisoned lock means a client task panicked mid-record; the counts are still usable.
        let mut histogram = crate::sync::lock(&self.0);
        histogram.saturating_record(micros);
    }

    pub fn summary(&self) -> LatencySummary {
        let histogram = crate::sync::lock(&self.0);
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
    fn empty_and_extreme_values() {
        let latency = Latency::new();
        assert_eq!(latency.summary(), LatencySummary::default());
        latency.record(Duration::ZERO);
        latency.record(Duration::from_secs(100_000));
        assert!(latency.summary().max >= 119_000.0);
    }
}
