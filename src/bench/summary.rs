//! What a plain `sockai bench` run measured: `--json` prints exactly [`Summary`], and
//! `sockai bench merge` adds summaries up.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stats::LatencySummary;

/// The `kind` of a plain bench summary.
pub const KIND: &str = "round-trips";

fn round_trips_kind() -> String {
    KIND.to_owned()
}

/// What a run measured; `--json` prints exactly this.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// Always [`KIND`]: what `sockai bench merge` tells summaries apart by.
    #[serde(default = "round_trips_kind")]
    pub kind: String,
    pub url: String,
    pub namespace: String,
    pub mode: String,
    pub clients: u32,
    pub connections: Connections,
    /// Connections established per second during the ramp.
    pub connect_rate: f64,
    /// Seconds from the first connection attempt to the last one ending.
    pub ramp_secs: f64,
    /// Length of the measuring window in seconds.
    pub duration_secs: f64,
    pub round_trips: u64,
    pub round_trips_per_sec: f64,
    /// Round trips that failed: timed out, or answered with `ai-message-error`.
    pub errors: u64,
    pub latency_ms: LatencySummary,
    /// Failure messages and how often each happened (connects and round trips).
    pub error_kinds: BTreeMap<String, u64>,
    /// When the measuring window started and ended (RFC 3339, UTC; merged: the earliest start
    /// and the latest end).
    pub started_at: String,
    pub ended_at: String,
    /// The round trips' latency histogram whole (HdrHistogram V2, base64; microseconds).
    pub histogram: String,
    /// How many runs were merged into this one.
    pub runs: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Connections {
    pub established: u64,
    pub failed: u64,
    /// Established, then lost before the end (closed by the server, or broken).
    pub dropped: u64,
    /// Still up when the window ended.
    pub held: u64,
}

impl Summary {
    /// Failed and dropped connections plus failed round trips.
    pub fn total_errors(&self) -> u64 {
        self.connections.failed + self.connections.dropped + self.errors
    }

    /// The most frequent failure, for a one-line error.
    pub fn main_error(&self) -> Option<&str> {
        self.error_kinds
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(kind, _)| kind.as_str())
    }

    /// The human summary printed on stdout.
    pub fn render(&self) -> String {
        let c = &self.connections;
        let runs = if self.runs > 1 {
            format!(", {} runs merged", self.runs)
        } else {
            String::new()
        };
        let mut out = format!(
            "sockai bench {url} (namespace {ns}): {clients} clients, {mode}, {secs:.1} s{runs}\n\
             connections  established {est}  failed {failed}  dropped {dropped}  held {held}  \
             ({rate:.0}/s over {ramp:.2} s)\n",
            url = self.url,
            ns = self.namespace,
            clients = self.clients,
            mode = self.mode,
            secs = self.duration_secs,
            est = c.established,
            failed = c.failed,
            dropped = c.dropped,
            held = c.held,
            rate = self.connect_rate,
            ramp = self.ramp_secs,
        );
        if self.mode != MODE_HOLD {
            let l = &self.latency_ms;
            out.push_str(&format!(
                "round trips  {total} total  {rate:.0}/s  errors {errors}\n\
                 latency ms   p50 {p50:.3}  p90 {p90:.3}  p99 {p99:.3}  max {max:.3}\n",
                total = self.round_trips,
                rate = self.round_trips_per_sec,
                errors = self.errors,
                p50 = l.p50,
                p90 = l.p90,
                p99 = l.p99,
                max = l.max,
            ));
        }
        for (kind, n) in &self.error_kinds {
            out.push_str(&format!("error        {n} × {kind}\n"));
        }
        out
    }
}

pub(super) const MODE_HOLD: &str = "hold";
