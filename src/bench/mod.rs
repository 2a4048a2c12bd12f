//! `sockai bench`: a Socket.IO load generator.
//!
//! Phases: ramp (open `clients` connections at `connect_rate`, at most [`MAX_IN_FLIGHT`]
//! handshakes at a time), measure (`duration`, starting when every connection attempt has ended),
//! stop (every client is told to finish, bounded by [`CLOSE_GRACE`]). Clients start their round
//! trips as soon as they are connected; only round trips that end inside the measuring window
//! count, so a slow ramp does not dilute round trips per second.
//!
//! It talks to the server with the client `connect` and `emit` use (`crate::client`), one task
//! per connection driving its socket directly, and nothing here knows `crate::server`: it loads
//! any Socket.IO server, 2.x to 4.x.

mod client;
mod command;
mod error;
pub mod merge;
mod progress;
pub mod scenario;
mod stats;
mod summary;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_util::sync::CancellationToken;

use crate::client::connect::Plan;
use crate::client::{ConnectOptions, Transport};
use client::event_frame;
pub use command::run_bench;
pub use error::BenchError;
use progress::Progress;
use stats::Latency;
use summary::MODE_HOLD;
pub use summary::{Connections, Summary};

/// Most connections one run may open: the open-file limit of a process here is about 20,000.
pub const MAX_CLIENTS: u32 = 20_000;
/// Longest measuring window accepted.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);
/// Longest --timeout (and --connect-timeout) accepted: they bound every handshake and round trip.
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest ramp accepted (`clients / connect_rate`).
const MAX_RAMP: Duration = Duration::from_secs(600);
/// Handshakes in flight at once: more only overflows the server's accept queue.
const MAX_IN_FLIGHT: usize = 256;
/// Per-connection WebSocket read buffer. tungstenite's default, 128 KiB, would cost over a
/// gigabyte at 10,000 connections; bench frames are small, and a larger frame still arrives.
const READ_BUFFER: usize = 4 * 1024;
/// How long clients get to close after the window ends.
const CLOSE_GRACE: Duration = Duration::from_secs(3);
/// Distinct error messages kept for the summary; the rest are counted under "other".
const MAX_ERROR_KINDS: usize = 16;

#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub url: String,
    /// The connection flags `connect` and `emit` take too. No transport means WebSocket only
    /// (a load test measures one transport, never a fallback); reconnect is never used.
    pub options: ConnectOptions,
    pub clients: u32,
    /// Connections opened per second; 0: as fast as [`MAX_IN_FLIGHT`] allows.
    pub connect_rate: u32,
    pub duration: Duration,
    pub event: String,
    pub reply: String,
    pub payload_bytes: usize,
    pub ack: bool,
    pub hold: bool,
    /// Bound of each round trip (each connect's is the options').
    pub timeout: Duration,
    /// Live progress line on stderr.
    pub progress: bool,
    pub color: bool,
}

/// Counters every client updates; the orchestrator reads them for progress and the summary.
struct Shared {
    plan: Plan,
    config: BenchConfig,
    /// The event frame for reply mode, built once and shared by every send.
    frame: Utf8Bytes,
    /// `{"prompt": "…"}`, for ack mode, which numbers each frame.
    payload: Value,
    stop: CancellationToken,
    measuring: AtomicBool,
    established: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    up: AtomicU64,
    completed: AtomicU64,
    errors: AtomicU64,
    latency: Latency,
    error_kinds: Mutex<BTreeMap<String, u64>>,
}

impl Shared {
    fn note_error(&self, kind: String) {
        let mut kinds = crate::sync::lock(&self.error_kinds);
        let key = if kinds.len() >= MAX_ERROR_KINDS && !kinds.contains_key(&kind) {
            "other".to_owned()
        } else {
            kind
        };
        *kinds.entry(key).or_default() += 1;
    }
}

impl BenchConfig {
    fn validate(&self) -> Result<(), BenchError> {
        if self.clients == 0 || self.clients > MAX_CLIENTS {
            return Err(BenchError::Usage(format!(
                "--clients must be between 1 and {MAX_CLIENTS} (the open-file limit)"
            )));
        }
        if self.duration > MAX_DURATION {
            return Err(BenchError::Usage("--duration is at most 1h".into()));
        }
        if self.timeout > MAX_TIMEOUT || self.timeout.is_zero() {
            return Err(BenchError::Usage(
                "--timeout must be more than 0 and at most 10m".into(),
            ));
        }
        let connect_timeout = self.options.connect_timeout;
        if connect_timeout > MAX_TIMEOUT || connect_timeout.is_zero() {
            return Err(BenchError::Usage(
                "--connect-timeout must be more than 0 and at most 10m".into(),
            ));
        }
        if self.connect_rate > 0
            && Duration::from_secs_f64(f64::from(self.clients) / f64::from(self.connect_rate))
                > MAX_RAMP
        {
            return Err(BenchError::Usage(format!(
                "{} clients at --connect-rate {} would ramp for more than {} s; raise the rate",
                self.clients,
                self.connect_rate,
                MAX_RAMP.as_secs()
            )));
        }
        Ok(())
    }

    fn mode(&self) -> &'static str {
        if self.hold {
            MODE_HOLD
        } else if self.ack {
            "ack"
        } else {
            "reply"
        }
    }
}

/// Run the benchmark. Bounded: ramp ≤ clients / rate + timeout (≤ 10 min + timeout), then the
/// window, then [`CLOSE_GRACE`].
pub async fn run(config: BenchConfig) -> Result<Summary, BenchError> {
    config.validate()?;
    let mut options = config.options.clone();
    options.transport = Some(options.transport.unwrap_or(Transport::Websocket));
    options.reconnect = false;
    let mut plan = Plan::new(&config.url, &options)?;
    plan.read_buffer = READ_BUFFER;
    let payload = serde_json::json!({ "prompt": prompt_of(config.payload_bytes) });
    let frame = event_frame(&plan, &config.event, &payload, None)?;
    let shared = Arc::new(Shared {
        frame,
        payload,
        plan,
        config,
        stop: CancellationToken::new(),
        measuring: AtomicBool::new(false),
        established: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        dropped: AtomicU64::new(0),
        up: AtomicU64::new(0),
        completed: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        latency: Latency::new(),
        error_kinds: Mutex::new(BTreeMap::new()),
    });
    let config = &shared.config;
    let progress = config
        .progress
        .then(|| Progress::start(Arc::clone(&shared)));

    // Ramp.
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut clients = JoinSet::new();
    let ramp_start = Instant::now();
    for i in 0..config.clients {
        if config.connect_rate > 0 {
            let due =
                ramp_start + Duration::from_secs_f64(f64::from(i) / f64::from(config.connect_rate));
            tokio::time::sleep_until(due.into()).await;
        }
        let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await else {
            break; // never closed
        };
        let shared = Arc::clone(&shared);
        clients.spawn(async move { client::client(shared, permit).await });
    }
    // Every handshake has ended (each bounded by the timeout) once all permits are back.
    let all = u32::try_from(MAX_IN_FLIGHT).unwrap_or(u32::MAX);
    let _all_done = in_flight.acquire_many(all).await;
    let ramp = ramp_start.elapsed();

    // Measure.
    let completed_before = shared.completed.load(Ordering::Relaxed);
    shared.measuring.store(true, Ordering::Relaxed);
    let window_start = Instant::now();
    let window_started_at = std::time::SystemTime::now();
    if shared.established.load(Ordering::Relaxed) > 0 {
        tokio::time::sleep(config.duration).await;
    }
    shared.measuring.store(false, Ordering::Relaxed);
    let window = window_start.elapsed();
    let round_trips = shared.completed.load(Ordering::Relaxed) - completed_before;
    let held = shared.up.load(Ordering::Relaxed);
    // Counted before the clients close: closing is ours, not a drop.
    let dropped = shared.dropped.load(Ordering::Relaxed);

    // Stop.
    shared.stop.cancel();
    if tokio::time::timeout(CLOSE_GRACE, async {
        while clients.join_next().await.is_some() {}
    })
    .await
    .is_err()
    {
        clients.abort_all();
    }
    if let Some(progress) = progress {
        progress.finish().await;
    }

    let established = shared.established.load(Ordering::Relaxed);
    let secs = window.as_secs_f64();
    let ramp_secs = ramp.as_secs_f64();
    Ok(Summary {
        url: shared.config.url.clone(),
        namespace: shared.plan.endpoint.namespace.clone(),
        kind: summary::KIND.to_owned(),
        mode: shared.config.mode().to_owned(),
        clients: shared.config.clients,
        connections: Connections {
            established,
            failed: shared.failed.load(Ordering::Relaxed),
            dropped,
            held,
        },
        connect_rate: round2(if ramp_secs > 0.0 {
            established as f64 / ramp_secs
        } else {
            0.0
        }),
        ramp_secs: round3(ramp_secs),
        duration_secs: round3(secs),
        round_trips,
        round_trips_per_sec: round2(if secs > 0.0 {
            round_trips as f64 / secs
        } else {
            0.0
        }),
        errors: shared.errors.load(Ordering::Relaxed),
        latency_ms: shared.latency.summary(),
        error_kinds: crate::sync::lock(&shared.error_kinds).clone(),
        started_at: crate::wall_clock::rfc3339(window_started_at),
        ended_at: crate::wall_clock::rfc3339(window_started_at + window),
        histogram: stats::encode(&shared.latency.snapshot()),
        runs: 1,
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A prompt of exactly `bytes` ASCII bytes, readable in server logs.
fn prompt_of(bytes: usize) -> String {
    const TEXT: &[u8] = b"sockai bench load ";
    TEXT.iter()
        .copied()
        .cycle()
        .take(bytes)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_has_the_requested_size() {
        assert_eq!(prompt_of(5), "socka");
        assert_eq!(prompt_of(1000).len(), 1000);
    }
}
