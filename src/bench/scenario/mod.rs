//! `sockai bench --scenario`: virtual users running a scenario file (`crate::scenario::load`
//! runs the steps) in the load's [`Shape`], per-step statistics in HDR histograms.
//!
//! Phases: start (users at `--connect-rate`, or arrivals on the shape's schedule) for the
//! window of `--duration`; then no user starts another pass, and passes in progress get a
//! grace of `--timeout` to end (past it they are cut and counted as unfinished).

mod shape;
pub mod summary;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::progress::{Progress, bold};
use crate::scenario::load::{Prepared, User};
pub use shape::Shape;
pub use summary::ScenarioSummary;
use summary::{Recorder, Span};

/// How long a user whose connect failed waits before its next pass (a refused connect
/// returns at once: without a pause a user would spin).
const CONNECT_PAUSE: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
pub struct ScenarioLoad {
    pub shape: Shape,
    pub duration: Duration,
    /// Users started per second in a closed model; 0: all at once.
    pub connect_rate: u32,
    /// How long passes in progress at the window's end may take to end.
    pub grace: Duration,
    /// Live progress line on stderr (with colour or not).
    pub progress: bool,
    pub color: bool,
}

pub async fn run(prepared: Arc<Prepared>, load: ScenarioLoad) -> ScenarioSummary {
    let recorder = Arc::new(Recorder::new(&prepared));
    let started_at = SystemTime::now();
    let start = Instant::now();
    let window_end = start + load.duration;
    let stop = CancellationToken::new();
    let progress = load
        .progress
        .then(|| live_line(recorder.clone(), load.color));
    let mut users = JoinSet::new();
    match load.shape {
        Shape::Users { clients } => {
            for i in 0..clients {
                if load.connect_rate > 0 {
                    let due = start
                        + Duration::from_secs_f64(f64::from(i) / f64::from(load.connect_rate));
                    if due >= window_end {
                        break;
                    }
                    tokio::time::sleep_until(due).await;
                }
                let (prepared, recorder, stop) = (prepared.clone(), recorder.clone(), stop.clone());
                users.spawn(async move { again_and_again(&prepared, &recorder, &stop).await });
            }
        }
        Shape::Arrivals { .. } => {
            let mut k = 0;
            while let Some(at) = load.shape.arrival(k)
                && at < load.duration
            {
                k += 1;
                tokio::time::sleep_until(start + at).await;
                while users.try_join_next().is_some() {}
                if users.len() >= crate::bench::MAX_CLIENTS as usize {
                    recorder.skipped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let (prepared, recorder) = (prepared.clone(), recorder.clone());
                users.spawn(async move { once(&prepared, &recorder).await });
            }
        }
    }
    tokio::time::sleep_until(window_end).await;
    stop.cancel();
    let drained = tokio::time::timeout(load.grace, async {
        while users.join_next().await.is_some() {}
    })
    .await;
    let unfinished = if drained.is_err() {
        while users.try_join_next().is_some() {}
        let left = users.len() as u64;
        users.abort_all();
        left
    } else {
        0
    };
    if let Some(progress) = progress {
        progress.finish().await;
    }
    let span = Span {
        started_at: crate::wall_clock::rfc3339(started_at),
        ended_at: crate::wall_clock::rfc3339(SystemTime::now()),
        secs: start.elapsed().as_secs_f64(),
        unfinished,
    };
    summary::summarize(&prepared, load.shape, &recorder, span)
}

/// Users started, passes per second (over the last second), failed passes.
fn live_line(recorder: Arc<Recorder>, color: bool) -> Progress {
    let mut last = (Instant::now(), 0u64);
    Progress::lines(move || {
        let now = Instant::now();
        let failed = recorder.failed.load(Ordering::Relaxed);
        let passes = recorder.passed.load(Ordering::Relaxed) + failed;
        let rate = (passes - last.1) as f64 / (now - last.0).as_secs_f64().max(1e-3);
        last = (now, passes);
        let (bold, reset) = bold(color);
        format!(
            "{bold}users{reset} {}  {bold}passes/s{reset} {rate:.0}  {bold}failed{reset} {failed}",
            recorder.started.load(Ordering::Relaxed)
        )
    })
}

/// A user of a closed model: passes until the window ends.
async fn again_and_again(prepared: &Prepared, recorder: &Recorder, stop: &CancellationToken) {
    recorder.started.fetch_add(1, Ordering::Relaxed);
    let mut user = User::new(prepared);
    while !stop.is_cancelled() {
        let started = Instant::now();
        let outcome = user.pass(&mut |done| recorder.step(&done)).await;
        let connect = matches!(&outcome, Err(failure) if failure.connect);
        recorder.pass(started.elapsed(), outcome);
        if connect {
            tokio::select! {
                () = stop.cancelled() => {}
                () = tokio::time::sleep(CONNECT_PAUSE) => {}
            }
        }
    }
    user.leave().await;
}

/// A user of an open model: one pass, then it leaves.
async fn once(prepared: &Prepared, recorder: &Recorder) {
    recorder.started.fetch_add(1, Ordering::Relaxed);
    let mut user = User::new(prepared);
    let started = Instant::now();
    let outcome = user.pass(&mut |done| recorder.step(&done)).await;
    recorder.pass(started.elapsed(), outcome);
    user.leave().await;
}
