//! When to try again after a lost session: the JavaScript client's backoff (1 s doubling up to
//! 5 s, each delay moved up or down by up to half of itself at random) so that many clients of
//! a restarted server do not all come back in the same instant.

use std::time::Duration;

/// The JS client's `reconnectionDelay`, `reconnectionDelayMax` and `randomizationFactor`.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);
pub const MAX_DELAY: Duration = Duration::from_secs(5);
pub const RANDOMISATION: f64 = 0.5;

/// Delays for successive attempts; each lost session gets a new one.
#[derive(Debug, Clone)]
pub struct Backoff {
    attempts: u32,
    rng: XorShift,
}

impl Backoff {
    /// Seeded from the clock: every process gets its own jitter.
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self::with_seed(nanos ^ u64::from(std::process::id()).rotate_left(32))
    }

    pub fn with_seed(seed: u64) -> Self {
        Self {
            attempts: 0,
            rng: XorShift::new(seed),
        }
    }

    /// How many delays were handed out since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Start the sequence over (keeping the random state): the tests' way to sample first
    /// delays from one seed.
    #[cfg(test)]
    pub fn reset(&mut self) {
        self.attempts = 0;
    }

    /// The delay before the next attempt: `1 s × 2^attempts`, randomised by ±50 %, at most 5 s.
    pub fn next_delay(&mut self) -> Duration {
        let base = FIRST_DELAY.as_secs_f64() * 2f64.powi(self.attempts.min(16) as i32);
        self.attempts = self.attempts.saturating_add(1);
        let deviation = self.rng.unit() * RANDOMISATION * base;
        let delay = if self.rng.unit() < 0.5 {
            base - deviation
        } else {
            base + deviation
        };
        Duration::from_secs_f64(delay.clamp(0.0, MAX_DELAY.as_secs_f64()))
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

/// xorshift64*: jitter needs no cryptographic randomness, only a different value per client.
#[derive(Debug, Clone)]
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        // Zero is the one state xorshift never leaves.
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// A number in [0, 1).
    fn unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        let mixed = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (mixed >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_within_the_jitter_and_stop_at_five_seconds() {
        let mut backoff = Backoff::with_seed(42);
        let delays: Vec<f64> = (0..8).map(|_| backoff.next_delay().as_secs_f64()).collect();
        // Attempt n: 2^n s ± 50 %, never above 5 s.
        for (n, delay) in delays.iter().enumerate() {
            let base = 2f64.powi(n as i32);
            assert!(
                *delay >= (base * 0.5).min(5.0) - 1e-9 && *delay <= (base * 1.5).min(5.0) + 1e-9,
                "attempt {n}: {delay}"
            );
        }
        // From the fourth attempt on (base 8 s, at least 4 s) most land on the cap.
        assert!(
            delays[4..].iter().filter(|d| **d == 5.0).count() >= 2,
            "{delays:?}"
        );
        assert_eq!(backoff.attempts(), 8);
    }

    #[test]
    fn same_seed_same_delays_and_reset_starts_over() {
        let mut a = Backoff::with_seed(7);
        let mut b = Backoff::with_seed(7);
        let first: Vec<_> = (0..5).map(|_| a.next_delay()).collect();
        let second: Vec<_> = (0..5).map(|_| b.next_delay()).collect();
        assert_eq!(first, second);
        a.reset();
        assert!(a.next_delay() <= Duration::from_millis(1500));
        let mut c = Backoff::with_seed(8);
        let third: Vec<_> = (0..5).map(|_| c.next_delay()).collect();
        assert_ne!(first, third, "the jitter depends on the seed");
    }

    #[test]
    fn jitter_spreads_both_ways() {
        let mut backoff = Backoff::with_seed(1);
        let mut below = 0;
        let mut above = 0;
        for _ in 0..200 {
            backoff.reset();
            let d = backoff.next_delay();
            if d < FIRST_DELAY {
                below += 1;
            } else if d > FIRST_DELAY {
                above += 1;
            }
        }
        assert!(below > 50 && above > 50, "{below} below, {above} above");
    }

    #[test]
    fn a_zero_seed_still_varies() {
        let mut backoff = Backoff::with_seed(0);
        let a = backoff.next_delay();
        backoff.reset();
        let b = backoff.next_delay();
        assert_ne!(a, b);
    }
}
