//! Protection against greedy or hostile clients: the access token, the connection limit and the
//! per-socket event rate limit. Pure logic, so each rule is unit-tested without a network.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use subtle::ConstantTimeEq;

/// Compare a presented token with the configured one without leaking, through timing, how many
/// leading bytes matched.
pub fn token_matches(presented: &str, expected: &str) -> bool {
    bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
}

/// The token of an `Authorization: Bearer <token>` header value.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Counts open connections (Socket.IO sockets and bridge sockets alike) against a maximum.
#[derive(Clone, Debug)]
pub struct ConnectionLimit {
    open: Arc<AtomicUsize>,
    max: usize,
}

/// One admitted connection; dropping it frees the place.
#[derive(Debug)]
pub struct ConnectionPermit {
    open: Arc<AtomicUsize>,
}

impl ConnectionLimit {
    pub fn new(max: usize) -> Self {
        Self {
            open: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }

    pub fn try_acquire(&self) -> Option<ConnectionPermit> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max).then_some(open + 1)
            })
            .ok()
            .map(|_| ConnectionPermit {
                open: Arc::clone(&self.open),
            })
    }

    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    pub fn max(&self) -> usize {
        self.max
    }
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What to do with one incoming event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Over the rate: answer with an error, keep the socket.
    Reject,
    /// Over the rate for too long: disconnect the socket.
    Disconnect,
}

/// A token bucket per socket: `rate` events per second on average, bursts up to `rate` events.
/// A socket that keeps sending after being refused `patience` times in a row is cut off.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    tokens: f64,
    last: Instant,
    refused_in_a_row: u32,
    patience: u32,
}

impl RateLimiter {
    pub fn new(rate_per_second: u32, now: Instant) -> Self {
        let rate = f64::from(rate_per_second.max(1));
        Self {
            rate,
            tokens: rate,
            last: now,
            refused_in_a_row: 0,
            // As many refusals as a full second's worth of events.
            patience: rate_per_second.max(1),
        }
    }

    pub fn check(&mut self, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.last);
        self.last = now;
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.rate).min(self.rate);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.refused_in_a_row = 0;
            return Verdict::Allow;
        }
        self.refused_in_a_row += 1;
        if self.refused_in_a_row > self.patience {
            Verdict::Disconnect
        } else {
            Verdict::Reject
        }
    }

    /// How long until the next event would be allowed, for error messages.
    pub fn retry_after(&self) -> Duration {
        Duration::from_secs_f64(((1.0 - self.tokens) / self.rate).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_exactly() {
        assert!(token_matches("s3cret", "s3cret"));
        assert!(!token_matches("s3cre", "s3cret"));
        assert!(!token_matches("s3cret!", "s3cret"));
        assert!(!token_matches("", "s3cret"));
    }

    #[test]
    fn bearer_tokens_are_read_from_authorization_headers() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
    }

    #[test]
    fn connection_limit_frees_places_on_drop() {
        let limit = ConnectionLimit::new(2);
        let a = limit.try_acquire().unwrap();
        let _b = limit.try_acquire().unwrap();
        assert!(limit.try_acquire().is_none());
        drop(a);
        assert!(limit.try_acquire().is_some());
    }

    #[test]
    fn rate_limiter_allows_a_burst_then_refuses_then_cuts_off() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(3, start);
        let verdicts: Vec<_> = (0..8).map(|_| limiter.check(start)).collect();
        use Verdict::*;
        assert_eq!(verdicts, [Allow, Allow, Allow, Reject, Reject, Reject, Disconnect, Disconnect]);
    }

    #[test]
    fn rate_limiter_refills_over_time() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(2, start);
        assert_eq!(limiter.check(start), Verdict::Allow);
        assert_eq!(limiter.check(start), Verdict::Allow);
        assert_eq!(limiter.check(start), Verdict::Reject);
        assert!(limiter.retry_after() > Duration::ZERO);
        let later = start + Duration::from_millis(500);
        assert_eq!(limiter.check(later), Verdict::Allow);
        assert_eq!(limiter.check(later), Verdict::Reject);
    }
}
