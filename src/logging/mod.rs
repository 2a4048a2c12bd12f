//! Log set-up: `tracing` to stderr, filtered by `RUST_LOG`, as text or JSON lines.
//!
//! The event loop formats a line straight into an in-memory queue and goes on; a thread of its
//! own writes the queue out, one write per burst (`writer.rs`), so the server never waits on
//! stderr. Callsites whose level is off are skipped before any field is formatted (tracing's
//! filter).

pub(crate) mod direct;
mod field;
mod json;
mod text;
mod timestamp;
mod writer;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub(crate) use direct::log_direct;
pub(crate) use field::Field;

/// How lines are written: `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// tracing-subscriber's default text layout.
    Text,
    /// One JSON object per line, fields flattened.
    Json,
}

/// What is shown when `RUST_LOG` is unset: our own info lines, only warnings from libraries.
const DEFAULT_FILTER: &str = "warn,sockai=info";

/// Keeps the log writer's thread; dropping it writes out the lines still queued.
#[must_use = "logs queued when this is dropped are written then; keep it until the end"]
pub struct LogGuard {
    _worker: Option<writer::Worker>,
}

pub fn init(format: Format) -> LogGuard {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let Ok((sink, worker)) = writer::spawn(std::io::stderr()) else {
        // No thread to be had: log synchronously rather than not at all.
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_target(false)
            .init();
        return LogGuard { _worker: None };
    };
    let registry = tracing_subscriber::registry().with(filter);
    let ansi = crate::color::stderr();
    direct::install(sink.clone(), format, ansi);
    match format {
        Format::Text => registry.with(text::TextLayer { sink, ansi }).init(),
        Format::Json => registry.with(json::JsonLayer { sink }).init(),
    }
    LogGuard {
        _worker: Some(worker),
    }
}
