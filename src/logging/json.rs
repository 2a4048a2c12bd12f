//! JSON log lines (`--log-format json`), written straight into the log queue:
//! `{"timestamp":"…","level":"INFO","message":"received AI message","prompt":"hi","id":"…"}`.
//!
//! The layout is tracing-subscriber's JSON formatter's as sockai configured it (flattened
//! fields, no target, no spans, which sockai does not use), so lines read as before, field for
//! field and escape for escape: strings are escaped as serde_json escapes them (`protocol::json`,
//! fuzzed against it) and other values go through serde_json as they did there. What differs is
//! the cost: that formatter wrote through an `io::Write` over a `fmt::Write` over another
//! `io::Write`, checking every piece for UTF-8 on the way, and cost more than twice what the
//! rest of an answered event does (`scripts/instructions.sh`, docs/performance.md).

use std::fmt::Debug;

use serde::Serializer as _;
use tracing::field::{Field as TracingField, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use super::field::Field;
use super::timestamp::write_timestamp;
use super::writer::Sink;
use crate::protocol::json;

pub struct JsonLayer {
    pub sink: Sink,
}

impl<S: Subscriber> Layer<S> for JsonLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        self.sink.with_queue(|queue| write_line(queue, event));
    }
}

fn write_line(queue: &mut Vec<u8>, event: &Event<'_>) {
    write_prefix(queue, *event.metadata().level());
    event.record(&mut Fields(queue));
    queue.extend_from_slice(b"}\n");
}

/// A line of the direct path ([`super::direct`]): byte for byte what [`JsonLayer`] writes for
/// an event of the same message and fields (a `%value` and a `&str` alike are JSON strings).
pub(super) fn write_direct(
    queue: &mut Vec<u8>,
    level: Level,
    message: &str,
    fields: &[(&str, Field<'_>)],
) {
    write_prefix(queue, level);
    queue.extend_from_slice(b",\"message\":");
    json::write_str(queue, message);
    for &(name, value) in fields {
        queue.push(b',');
        json::write_str(queue, name);
        queue.push(b':');
        let (Field::Display(text) | Field::Str(text)) = value;
        json::write_str(queue, text);
    }
    queue.extend_from_slice(b"}\n");
}

/// `{"timestamp":"…","level":"…"`.
fn write_prefix(queue: &mut Vec<u8>, level: Level) {
    let level: &[u8] = match level {
        Level::TRACE => b"TRACE",
        Level::DEBUG => b"DEBUG",
        Level::INFO => b"INFO",
        Level::WARN => b"WARN",
        Level::ERROR => b"ERROR",
    };
    queue.extend_from_slice(b"{\"timestamp\":\"");
    write_timestamp(queue, std::time::SystemTime::now());
    queue.extend_from_slice(b"\",\"level\":\"");
    queue.extend_from_slice(level);
    queue.push(b'"');
}

/// Each field as `,"name":value`, in the order tracing records them (the message first).
struct Fields<'a>(&'a mut Vec<u8>);

impl Fields<'_> {
    /// `,"name":` — then the caller writes the value.
    fn name(&mut self, field: &TracingField) -> &mut Vec<u8> {
        self.0.push(b',');
        json::write_str(self.0, field.name());
        self.0.push(b':');
        self.0
    }
}

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &TracingField, value: &dyn Debug) {
        let queue = self.name(field);
        // As tracing-serde: the `{:?}` text as a JSON string, escaped while it is written.
        let _ = serde_json::Serializer::new(queue).collect_str(&format_args!("{value:?}"));
    }

    fn record_str(&mut self, field: &TracingField, value: &str) {
        let queue = self.name(field);
        json::write_str(queue, value);
    }

    fn record_u64(&mut self, field: &TracingField, value: u64) {
        let queue = self.name(field);
        queue.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    fn record_i64(&mut self, field: &TracingField, value: i64) {
        let queue = self.name(field);
        queue.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    fn record_f64(&mut self, field: &TracingField, value: f64) {
        let queue = self.name(field);
        // serde_json writes `null` for NaN and the infinities, as it did there.
        let _ = serde_json::to_writer(queue, &value);
    }

    fn record_bool(&mut self, field: &TracingField, value: bool) {
        let queue = self.name(field);
        let text: &[u8] = if value { b"true" } else { b"false" };
        queue.extend_from_slice(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::layer::SubscriberExt;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The lines `log` gives, each with its timestamp's digits blanked.
    fn blanked(bytes: &[u8]) -> Vec<String> {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        text.lines()
            .map(|line| {
                let prefix = "{\"timestamp\":\"";
                assert!(line.starts_with(prefix), "{line}");
                let stamp = prefix.len().."2026-12-01T21:40:33.116874Z".len() + prefix.len();
                format!("{prefix}X{}", &line[stamp.end..])
            })
            .collect()
    }

    fn events() {
        let prompt = "say \"hi\"\n\u{1b}[31m é \u{7f}";
        tracing::info!(prompt = %prompt, id = "x-1", n = 3, "received AI message");
        tracing::warn!(
            sid = Some("abc"),
            missing = None::<&str>,
            neg = -4i64,
            "refused"
        );
        tracing::error!(
            ratio = 0.25,
            nan = f64::NAN,
            yes = true,
            no = false,
            "no {}",
            "fields"
        );
        tracing::info!(message = "a str message", debug = ?vec![1, 2]);
        tracing::debug!(big = u64::MAX, "debug line");
    }

    #[test]
    fn lines_are_tracing_subscribers_json_lines() {
        let ours = Shared::default();
        let (sink, worker) = super::super::writer::spawn(ours.clone()).unwrap();
        let subscriber = tracing_subscriber::registry().with(JsonLayer { sink });
        tracing::subscriber::with_default(subscriber, events);
        drop(worker);

        let theirs = Shared::default();
        let writer = theirs.clone();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_target(false)
                .with_writer(move || writer.clone()),
        );
        tracing::subscriber::with_default(subscriber, events);

        let ours = blanked(&ours.0.lock().unwrap());
        let theirs = blanked(&theirs.0.lock().unwrap());
        assert_eq!(ours.len(), 5);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn direct_lines_are_the_layers_lines() {
        let prompt = "say \"hi\"\n\u{1b}[31m é \u{7f}\\";
        let layer = Shared::default();
        let (sink, worker) = super::super::writer::spawn(layer.clone()).unwrap();
        let subscriber = tracing_subscriber::registry().with(JsonLayer { sink });
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(prompt = %prompt, id = %"x-1", reason = "stop", "AI response");
        });
        drop(worker);

        let mut direct = Vec::new();
        write_direct(
            &mut direct,
            Level::INFO,
            "AI response",
            &[
                ("prompt", Field::Display(prompt)),
                ("id", Field::Display("x-1")),
                ("reason", Field::Str("stop")),
            ],
        );
        let layer = blanked(&layer.0.lock().unwrap());
        assert_eq!(layer.len(), 1);
        assert_eq!(blanked(&direct), layer);
    }
}
