//! Protection against greedy or hostile clients: the access token, the connection limit and the
//! per-socket event rate limit. Pure logic, so each rule is unit-tested without a network.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use subtle::ConstantTimeEq;

use crate::sync::lock;

/// The access rules of one server, shared by Socket.IO, the bridge and HTTP.
#[derive(Debug)]
pub struct Guard {
    token: Option<String>,
    pub connections: ConnectionLimit,
    /// Events per second per socket; `None` = unlimited.
    rate: Option<u32>,
    /// The same rate for stateless requests, per client address.
    peers: Mutex<HashMap<IpAddr, RateLimiter>>,
}

/// Client addresses whose request rate is tracked at once. Past it, addresses whose bucket has
/// refilled (idle for a second) are forgotten; should all be busy, the table is cleared: a
/// flood from that many addresses is beyond what a per-address limit can help with.
const MAX_TRACKED_PEERS: usize = 10_000;

/// Why a client was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "auth_required: this server needs a valid token (Socket.IO auth.token, or an Authorization: Bearer header)"
    )]
    BadToken,
    #[error("server_full: the server holds its maximum of {0} connections; try again later")]
    Full(usize),
}

impl Refusal {
    pub fn code(self) -> crate::wire::ErrorCode {
        match self {
            Self::BadToken => crate::wire::ErrorCode::AuthRequired,
            Self::Full(_) => crate::wire::ErrorCode::ServerFull,
        }
    }
}

impl Guard {
    pub fn new(token: Option<String>, max_connections: usize, rate: u32) -> Self {
        Self {
            token: token.filter(|t| !t.is_empty()),
            connections: ConnectionLimit::new(max_connections),
            rate: (rate > 0).then_some(rate),
            peers: Mutex::new(HashMap::new()),
        }
    }

    /// Check a presented token (or its absence) against the configured one.
    pub fn check_token(&self, presented: Option<&str>) -> Result<(), Refusal> {
        match (&self.token, presented) {
            (None, _) => Ok(()),
            (Some(expected), Some(given)) if token_matches(given, expected) => Ok(()),
            (Some(_), _) => Err(Refusal::BadToken),
        }
    }

    /// Check the token, then take a connection place.
    pub fn admit(&self, presented: Option<&str>) -> Result<ConnectionPermit, Refusal> {
        self.check_token(presented)?;
        self.connections
            .try_acquire()
            .ok_or(Refusal::Full(self.connections.max()))
    }

    /// A fresh per-socket rate limiter, if rate limiting is on.
    pub fn rate_limiter(&self) -> Option<RateLimiter> {
        self.rate.map(|rate| RateLimiter::new(rate, Instant::now()))
    }

    /// Apply the rate limit to one stateless request from `peer`: true if it may go on.
    pub fn within_peer_rate(&self, peer: IpAddr, now: Instant) -> bool {
        let Some(rate) = self.rate else {
            return true;
        };
        let mut peers = lock(&self.peers);
        if peers.len() >= MAX_TRACKED_PEERS && !peers.contains_key(&peer) {
            peers.retain(|_, limiter| !limiter.is_idle(now));
            if peers.len() >= MAX_TRACKED_PEERS {
                peers.clear();
            }
        }
        let limiter = peers
            .entry(peer)
            .or_insert_with(|| RateLimiter::new(rate, now));
        // No connection to cut: persistent excess is refused like any other.
        limiter.check(now) == Verdict::Allow
    }
}

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

    pub fn max(&self) -> usize {
        self.max
    }

    /// Connections holding a place now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
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

    /// Whether the bucket would be full by `now`: forgetting it loses nothing.
    fn is_idle(&self, now: Instant) -> bool {
        let refill = now.saturating_duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens + refill >= self.rate
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_checks_the_token_then_the_connection_limit() {
        let guard = Guard::new(Some("t0k".into()), 1, 0);
        assert_eq!(guard.admit(None).unwrap_err(), Refusal::BadToken);
        assert_eq!(guard.admit(Some("nope")).unwrap_err(), Refusal::BadToken);
        let permit = guard.admit(Some("t0k")).unwrap();
        assert_eq!(guard.admit(Some("t0k")).unwrap_err(), Refusal::Full(1));
        drop(permit);
        assert!(guard.admit(Some("t0k")).is_ok());
        assert!(guard.rate_limiter().is_none());
    }

    #[test]
    fn an_empty_token_means_no_token() {
        assert!(
            Guard::new(Some(String::new()), 1, 0)
                .check_token(None)
                .is_ok()
        );
    }

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
        assert_eq!(
            verdicts,
            [
                Allow, Allow, Allow, Reject, Reject, Reject, Disconnect, Disconnect
            ]
        );
    }

    use std::time::Duration;

    #[test]
    fn rate_limiter_refills_over_time() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(2, start);
        assert_eq!(limiter.check(start), Verdict::Allow);
        assert_eq!(limiter.check(start), Verdict::Allow);
        assert_eq!(limiter.check(start), Verdict::Reject);
        let later = start + Duration::from_millis(500);
        assert_eq!(limiter.check(later), Verdict::Allow);
        assert_eq!(limiter.check(later), Verdict::Reject);
    }

    #[test]
    fn stateless_requests_are_limited_per_address_and_idle_addresses_are_forgotten() {
        let guard = Guard::new(None, 10, 2);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let start = Instant::now();
        let from_a: Vec<_> = (0..4).map(|_| guard.within_peer_rate(a, start)).collect();
        assert_eq!(from_a, [true, true, false, false]);
        assert!(
            guard.within_peer_rate(b, start),
            "another address has its own bucket"
        );
        assert!(guard.within_peer_rate(a, start + Duration::from_secs(1)));

        let guard = Guard::new(None, 10, 1);
        for n in 0..MAX_TRACKED_PEERS as u32 {
            assert!(guard.within_peer_rate(IpAddr::from(n.to_be_bytes()), start));
        }
        // A new address past the cap: the others' buckets refill by then and are forgotten.
        let later = start + Duration::from_secs(2);
        assert!(guard.within_peer_rate(a, later));
        assert_eq!(guard.peers.lock().unwrap().len(), 1);
        assert!(
            Guard::new(None, 10, 0).within_peer_rate(a, start),
            "0 = unlimited"
        );
    }
}
