//! The live line of `sockai bench` on stderr, while it runs on a terminal.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::Shared;

/// The live line on stderr: redrawn every second, erased at the end.
pub(crate) struct Progress {
    task: tokio::task::JoinHandle<()>,
    done: CancellationToken,
}

/// `(bold, reset)` escapes, or none without colour.
pub(crate) fn bold(color: bool) -> (&'static str, &'static str) {
    if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    }
}

impl Progress {
    /// Plain bench's line: connections, round trips/s, errors.
    pub(super) fn start(shared: Arc<Shared>) -> Self {
        let mut last = (Instant::now(), 0u64);
        Self::lines(move || {
            let now = Instant::now();
            let completed = shared.completed.load(Ordering::Relaxed);
            let rate = (completed - last.1) as f64 / (now - last.0).as_secs_f64().max(1e-3);
            last = (now, completed);
            let failed = shared.failed.load(Ordering::Relaxed)
                + shared.dropped.load(Ordering::Relaxed)
                + shared.errors.load(Ordering::Relaxed);
            let (bold, reset) = bold(shared.config.color);
            format!(
                "{bold}connections{reset} {}/{}  {bold}round trips/s{reset} {rate:.0}  {bold}errors{reset} {failed}",
                shared.up.load(Ordering::Relaxed),
                shared.config.clients,
            )
        })
    }

    /// Redraw `line()` every second until [`Progress::finish`].
    pub(crate) fn lines(mut line: impl FnMut() -> String + Send + 'static) -> Self {
        let done = CancellationToken::new();
        let stop = done.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await; // the first tick is immediate: nothing to show yet
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    _ = tick.tick() => {}
                }
                let line = format!("\r\x1b[2K{}", line());
                let mut stderr = std::io::stderr().lock();
                // A closed stderr only costs the progress line.
                stderr.write_all(line.as_bytes()).ok();
                stderr.flush().ok();
            }
            std::io::stderr().write_all(b"\r\x1b[2K").ok();
        });
        Self { task, done }
    }

    pub(crate) async fn finish(self) {
        self.done.cancel();
        self.task.await.ok();
    }
}
