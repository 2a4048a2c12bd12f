//! Log set-up: `tracing` to stderr, filtered by `RUST_LOG`, as text or JSON lines.

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// What is shown when `RUST_LOG` is unset: our own info lines, only warnings from libraries.
const DEFAULT_FILTER: &str = "warn,sockai=info";

pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    match format {
        LogFormat::Text => builder.with_ansi(crate::color::stderr()).init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
