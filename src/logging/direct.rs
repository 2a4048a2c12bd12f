//! The direct path: lines the server logs on every answer, written straight into the log queue.
//!
//! Through `tracing`, each `%value` field reaches the layer as `&dyn Debug` and costs a
//! `core::fmt::write`, and `tracing::Value` is sealed, so a field cannot hand over its `&str`
//! and still print unquoted: the seed's two lines per answer cost a fifth of a round trip
//! (`scripts/instructions.sh`, docs/performance.md). [`log_direct!`] keeps everything else of
//! a tracing event: the caller's callsite decides with `tracing::enabled!`, so `RUST_LOG`
//! filters it by the caller's module and level as any event; the line goes to the same queue
//! in the same format, byte for byte (unit tests compare it with the layers' lines). Without
//! [`super::init`]'s writer (unit tests, or no thread to be had) it is an ordinary tracing
//! event.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use tracing::Level;

use super::field::Field;
use super::writer::Sink;
use super::{Format, json, text};

struct Direct {
    sink: Sink,
    format: Format,
    ansi: bool,
}

static DIRECT: OnceLock<Direct> = OnceLock::new();

/// Route direct lines into `sink` from now on (once per process; later calls are ignored).
pub(super) fn install(sink: Sink, format: Format, ansi: bool) {
    let _ = DIRECT.set(Direct { sink, format, ansi });
}

/// Write one line; `false` when no writer is installed (the caller then logs through tracing).
pub fn write(level: Level, message: &str, fields: &[(&str, Field<'_>)]) -> bool {
    let Some(direct) = DIRECT.get() else {
        return false;
    };
    direct.sink.with_queue(|queue| match direct.format {
        Format::Text => text::write_direct(queue, level, direct.ansi, message, fields),
        Format::Json => json::write_direct(queue, level, message, fields),
    });
    true
}

/// A callsite's filter decision, kept once the log writer is installed: the filter is built once
/// per process from `RUST_LOG`, and sockai opens no spans (which are all a dynamic directive
/// could match), so the answer cannot change. tracing asked it of the filter on every event.
pub struct Decided(AtomicU8);

impl Decided {
    const UNKNOWN: u8 = 0;
    const OFF: u8 = 1;
    const ON: u8 = 2;

    #[allow(clippy::new_without_default)] // a `static` needs a `const fn`
    pub const fn new() -> Self {
        Self(AtomicU8::new(Self::UNKNOWN))
    }

    /// Whether the callsite is on: `decide` (the callsite's `tracing::enabled!`) the first time.
    pub fn get(&self, decide: impl FnOnce() -> bool) -> bool {
        match self.0.load(Ordering::Relaxed) {
            Self::OFF => false,
            Self::ON => true,
            _ => {
                let on = decide();
                // Without the writer, tests may switch subscribers: ask every time.
                if DIRECT.get().is_some() {
                    self.0
                        .store(if on { Self::ON } else { Self::OFF }, Ordering::Relaxed);
                }
                on
            }
        }
    }
}

/// `tracing::event!` for a line logged on every answer:
/// `log_direct!(INFO, "AI response", response = Field::Display(text), id = Field::Str(id))`.
/// The message is a literal without format arguments; each value is a [`Field`] and is
/// evaluated once.
macro_rules! log_direct {
    ($level:ident, $message:literal $(, $name:ident = $value:expr)* $(,)?) => {
        static ON: $crate::logging::direct::Decided = $crate::logging::direct::Decided::new();
        if ON.get(|| tracing::enabled!(tracing::Level::$level)) {
            $(let $name: $crate::logging::Field<'_> = $value;)*
            let fields = [$((stringify!($name), $name)),*];
            if !$crate::logging::direct::write(tracing::Level::$level, $message, &fields) {
                tracing::event!(tracing::Level::$level, $($name = ?$name,)* $message);
            }
        }
    };
}
pub(crate) use log_direct;
