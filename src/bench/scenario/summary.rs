//! What a `--scenario` run measured: the recorder every user writes to, and the summary it
//! becomes (`--json` prints exactly [`ScenarioSummary`]; `sockai bench merge` adds them up).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::shape::Shape;
use crate::bench::stats::{self, Latency, LatencySummary};
use crate::scenario::load::{self, StepOutcome};
use crate::scenario::run::Failure;

/// Distinct failures kept per run; the rest are counted under one "other" line.
const MAX_FAILURE_KINDS: usize = 64;
/// The `kind` of a `--scenario` summary.
pub const KIND: &str = "scenario";

/// `sockai bench --scenario --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioSummary {
    /// Always [`KIND`]: what `sockai bench merge` tells summaries apart by.
    pub kind: String,
    pub scenario: String,
    pub load: Shape,
    /// When the first user started and when the last one finished (RFC 3339, UTC).
    pub started_at: String,
    pub ended_at: String,
    pub duration_secs: f64,
    pub users: Users,
    /// Passes over the scenario that ended, passed or failed.
    pub passes: u64,
    pub passed: u64,
    pub failed: u64,
    /// Passes per second (summed over merged runs: the load they made together).
    pub passes_per_sec: f64,
    /// How long a passing pass took, start to end.
    pub scenario_ms: LatencySummary,
    /// That histogram whole (HdrHistogram V2, base64; microseconds).
    pub scenario_histogram: String,
    pub steps: Vec<StepSummary>,
    /// Failures by step and message, most frequent first.
    pub failures: Vec<FailureCount>,
    /// How many runs were merged into this one.
    pub runs: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Users {
    pub started: u64,
    /// Arrivals not started: [`crate::bench::MAX_CLIENTS`] users were already running.
    pub skipped: u64,
    /// Passes still running when the grace after the window ran out (not counted as failed).
    pub unfinished: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepSummary {
    pub line: usize,
    pub client: String,
    pub step: String,
    /// Times the step ran, and how many of them failed.
    pub count: u64,
    pub errors: u64,
    pub per_sec: f64,
    /// For a step that waits (connect, expect, ack, wait, reply, http): its latency when it
    /// passed, and the histogram whole.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub latency_ms: Option<LatencySummary>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub histogram: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureCount {
    pub line: usize,
    pub client: String,
    pub step: String,
    pub message: String,
    pub count: u64,
}

struct StepStats {
    count: AtomicU64,
    errors: AtomicU64,
    latency: Option<Latency>,
}

/// Counters and histograms every user of a run writes to (one runtime thread by default:
/// the locks are uncontended).
pub(super) struct Recorder {
    steps: Vec<StepStats>,
    pub(super) passed: AtomicU64,
    pub(super) failed: AtomicU64,
    pub(super) started: AtomicU64,
    pub(super) skipped: AtomicU64,
    pass_latency: Latency,
    failures: Mutex<BTreeMap<(usize, String, String, String), u64>>,
}

impl Recorder {
    pub(super) fn new(prepared: &load::Prepared) -> Self {
        let steps = prepared
            .steps()
            .iter()
            .map(|step| StepStats {
                count: AtomicU64::new(0),
                errors: AtomicU64::new(0),
                latency: load::waits(step).then(Latency::new),
            })
            .collect();
        Self {
            steps,
            passed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            started: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            pass_latency: Latency::new(),
            failures: Mutex::new(BTreeMap::new()),
        }
    }

    pub(super) fn step(&self, done: &StepOutcome<'_>) {
        let Some(stats) = self.steps.get(done.index) else {
            return;
        };
        stats.count.fetch_add(1, Ordering::Relaxed);
        match (done.error, &stats.latency) {
            (Some(_), _) => {
                stats.errors.fetch_add(1, Ordering::Relaxed);
            }
            (None, Some(latency)) => latency.record(done.elapsed),
            (None, None) => {}
        }
    }

    pub(super) fn pass(&self, elapsed: Duration, outcome: Result<(), Failure>) {
        match outcome {
            Ok(()) => {
                self.passed.fetch_add(1, Ordering::Relaxed);
                self.pass_latency.record(elapsed);
            }
            Err(failure) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                let mut failures = crate::sync::lock(&self.failures);
                let mut key = (failure.line, failure.client, failure.step, failure.message);
                if failures.len() >= MAX_FAILURE_KINDS && !failures.contains_key(&key) {
                    key = (0, String::new(), String::new(), "other failures".to_owned());
                }
                *failures.entry(key).or_default() += 1;
            }
        }
    }
}

/// When and how long a run went, and what did not end.
pub(super) struct Span {
    pub(super) started_at: String,
    pub(super) ended_at: String,
    pub(super) secs: f64,
    pub(super) unfinished: u64,
}

pub(super) fn summarize(
    prepared: &load::Prepared,
    shape: Shape,
    recorder: &Recorder,
    span: Span,
) -> ScenarioSummary {
    let rate = |n: u64| per_sec(n, span.secs);
    let steps = prepared
        .steps()
        .iter()
        .zip(&recorder.steps)
        .map(|(step, stats)| {
            let count = stats.count.load(Ordering::Relaxed);
            let histogram = stats.latency.as_ref().map(Latency::snapshot);
            StepSummary {
                line: step.line,
                client: step.client.clone(),
                step: step.text.clone(),
                count,
                errors: stats.errors.load(Ordering::Relaxed),
                per_sec: rate(count),
                latency_ms: histogram.as_ref().map(stats::summary),
                histogram: histogram.as_ref().map(stats::encode),
            }
        })
        .collect();
    let failures = crate::sync::lock(&recorder.failures)
        .iter()
        .map(|((line, client, step, message), count)| FailureCount {
            line: *line,
            client: client.clone(),
            step: step.clone(),
            message: message.clone(),
            count: *count,
        })
        .collect();
    let passed = recorder.passed.load(Ordering::Relaxed);
    let failed = recorder.failed.load(Ordering::Relaxed);
    let pass_histogram = recorder.pass_latency.snapshot();
    ScenarioSummary {
        kind: KIND.to_owned(),
        scenario: prepared.file.clone(),
        load: shape,
        started_at: span.started_at,
        ended_at: span.ended_at,
        duration_secs: round3(span.secs),
        users: Users {
            started: recorder.started.load(Ordering::Relaxed),
            skipped: recorder.skipped.load(Ordering::Relaxed),
            unfinished: span.unfinished,
        },
        passes: passed + failed,
        passed,
        failed,
        passes_per_sec: rate(passed + failed),
        scenario_ms: stats::summary(&pass_histogram),
        scenario_histogram: stats::encode(&pass_histogram),
        steps,
        failures: sorted(failures),
        runs: 1,
    }
}

/// Most frequent first, then in the scenario's order.
pub(crate) fn sorted(mut failures: Vec<FailureCount>) -> Vec<FailureCount> {
    failures.sort_by(|a, b| b.count.cmp(&a.count).then(a.line.cmp(&b.line)));
    failures
}

pub(crate) fn per_sec(n: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        (n as f64 / secs * 100.0).round() / 100.0
    } else {
        0.0
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl ScenarioSummary {
    /// The human summary printed on stdout.
    pub fn render(&self) -> String {
        let mut out = format!(
            "sockai bench --scenario {file}: {load}, {secs:.1} s ({from} to {to}){runs}\n\
             passes       {passes} total  {rate:.1}/s  passed {passed}  failed {failed}  \
             users {users}  unfinished {unfinished}{skipped}\n",
            file = self.scenario,
            load = self.load.describe(),
            secs = self.duration_secs,
            from = self.started_at,
            to = self.ended_at,
            runs = if self.runs > 1 {
                format!(", {} runs merged", self.runs)
            } else {
                String::new()
            },
            passes = self.passes,
            rate = self.passes_per_sec,
            passed = self.passed,
            failed = self.failed,
            users = self.users.started,
            unfinished = self.users.unfinished,
            skipped = if self.users.skipped > 0 {
                format!("  skipped arrivals {}", self.users.skipped)
            } else {
                String::new()
            },
        );
        let l = &self.scenario_ms;
        out.push_str(&format!(
            "scenario ms  p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}\n",
            l.p50, l.p90, l.p99, l.max
        ));
        out.push_str(&format!(
            "{:>5}  {:<40} {:>9} {:>10} {:>7} {:>9} {:>9} {:>9} {:>9}\n",
            "line", "step", "count", "/s", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms"
        ));
        for step in &self.steps {
            let name = match step.client.as_str() {
                "" | crate::scenario::parse::DEFAULT_CLIENT => step.step.clone(),
                client => format!("{client}: {}", step.step),
            };
            let name = first_line(&name, 40);
            let latency = step.latency_ms.map_or_else(
                || format!("{:>9} {:>9} {:>9} {:>9}", "-", "-", "-", "-"),
                |l| {
                    format!(
                        "{:>9.3} {:>9.3} {:>9.3} {:>9.3}",
                        l.p50, l.p90, l.p99, l.max
                    )
                },
            );
            out.push_str(&format!(
                "{:>5}  {name:<40} {:>9} {:>10.1} {:>7} {latency}\n",
                step.line, step.count, step.per_sec, step.errors
            ));
        }
        for f in &self.failures {
            out.push_str(&format!(
                "failure      {} × {}:{}: {} — {}\n",
                f.count,
                self.scenario,
                f.line,
                first_line(&f.step, 60),
                f.message
            ));
        }
        out
    }
}

/// The first line of `text`, at most `width` characters (`…` when cut).
fn first_line(text: &str, width: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > width || text.contains('\n') {
        let cut: String = line.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

/// Add up `histogram` (base64 V2) into `into`.
pub(crate) fn add_encoded(into: &mut Histogram<u64>, encoded: &str) -> Result<(), String> {
    let histogram = stats::decode(encoded)?;
    into.add(&histogram)
        .map_err(|e| format!("histogram out of range: {e:?}"))
}
