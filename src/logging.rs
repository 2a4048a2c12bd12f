//! Log set-up: `tracing` to stderr, filtered by `RUST_LOG`, as text or JSON lines.
//!
//! Lines are written by a thread of their own (tracing-appender's non-blocking writer): the
//! server's event loop formats a line and hands it over, it never waits on stderr, and lines
//! that queue up meanwhile go out in one write. Callsites
//! whose level is off are skipped before any field is formatted (tracing's filter).

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// What is shown when `RUST_LOG` is unset: our own info lines, only warnings from libraries.
const DEFAULT_FILTER: &str = "warn,sockai=info";

/// Keeps the log writer's thread; dropping it writes out the lines still queued.
#[must_use = "logs queued when this is dropped are written then; keep it until the end"]
pub struct LogGuard {
    _worker: WorkerGuard,
}

pub fn init(format: LogFormat) -> LogGuard {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Not lossy: past its queue (128k lines) the writer makes the logger wait rather than drop
    // lines; a developer tool's logs are there to be read.
    let (writer, worker) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("sockai-log")
        // Buffered: the writer thread takes every line queued, then flushes once, so a burst of
        // lines costs one write to stderr rather than one each.
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_target(false);
    match format {
        LogFormat::Text => builder.with_ansi(crate::color::stderr()).init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
    LogGuard { _worker: worker }
}
