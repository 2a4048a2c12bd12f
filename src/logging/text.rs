//! Text log lines, written straight into the log queue:
//! `2026-12-01T21:40:33.116874Z  INFO message key=value key="text"`.
//!
//! The layout is tracing-subscriber's default one (without targets or spans, which sockai
//! does not use), so lines read as before; what differs is the cost. Under load the server
//! logs two lines per answer, and the default formatter took 13% of the event loop's time
//! (profiled with `perf` at 100 clients); this one formats into the queue under one lock, with
//! no intermediate `String` per line or per field.

use std::fmt::{Debug, Write as _};

use tracing::field::{Field as TracingField, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use super::field::Field;
use super::timestamp::write_timestamp;
use super::writer::Sink;

pub struct TextLayer {
    pub sink: Sink,
    pub ansi: bool,
}

impl<S: Subscriber> Layer<S> for TextLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        self.sink.with_queue(|queue| {
            let mut line = Line(queue);
            write_line(&mut line, event, self.ansi);
        });
    }
}

/// The queue as a `fmt::Write` (lines are UTF-8 text).
struct Line<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Line<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

fn write_line(line: &mut Line<'_>, event: &Event<'_>, ansi: bool) {
    write_prefix(line.0, *event.metadata().level(), ansi);
    // The message comes first whatever the order of the fields (tracing puts it first).
    let start = line.0.len();
    let mut fields = Fields {
        line,
        start,
        ansi,
        message_end: None,
    };
    event.record(&mut fields);
    line.0.push(b'\n');
}

/// A line of the direct path ([`super::direct`]): byte for byte what [`TextLayer`] writes for
/// an event of the same message and fields.
pub(super) fn write_direct(
    queue: &mut Vec<u8>,
    level: Level,
    ansi: bool,
    message: &str,
    fields: &[(&str, Field<'_>)],
) {
    write_prefix(queue, level, ansi);
    // A literal of ours: nothing to escape.
    debug_assert!(!has_controls(message.as_bytes()), "{message:?}");
    queue.extend_from_slice(message.as_bytes());
    for &(name, value) in fields {
        write_name(queue, name.strip_prefix("r#").unwrap_or(name), ansi);
        match value {
            Field::Display(text) => write_display(queue, text),
            Field::Str(text) => write_quoted(queue, text),
        }
    }
    queue.push(b'\n');
}

/// The timestamp and the level, and the space before the message.
fn write_prefix(queue: &mut Vec<u8>, level: Level, ansi: bool) {
    let name: &[u8] = match level {
        Level::TRACE => b"TRACE",
        Level::DEBUG => b"DEBUG",
        Level::INFO => b" INFO",
        Level::WARN => b" WARN",
        Level::ERROR => b"ERROR",
    };
    if ansi {
        let colour: &[u8] = match level {
            Level::TRACE => b"35",
            Level::DEBUG => b"34",
            Level::INFO => b"32",
            Level::WARN => b"33",
            Level::ERROR => b"31",
        };
        queue.extend_from_slice(b"\x1b[2m");
        write_timestamp(queue, std::time::SystemTime::now());
        queue.extend_from_slice(b"\x1b[0m \x1b[");
        queue.extend_from_slice(colour);
        queue.extend_from_slice(b"m");
        queue.extend_from_slice(name);
        queue.extend_from_slice(b"\x1b[0m ");
    } else {
        write_timestamp(queue, std::time::SystemTime::now());
        queue.push(b' ');
        queue.extend_from_slice(name);
        queue.push(b' ');
    }
}

/// ` name=`, the name in italics when coloured.
fn write_name(queue: &mut Vec<u8>, name: &str, ansi: bool) {
    if ansi {
        queue.extend_from_slice(b" \x1b[3m");
        queue.extend_from_slice(name.as_bytes());
        queue.extend_from_slice(b"\x1b[0m\x1b[2m=\x1b[0m");
    } else {
        queue.push(b' ');
        queue.extend_from_slice(name.as_bytes());
        queue.push(b'=');
    }
}

/// A text as `%value` shows it: as it is, control characters escaped.
fn write_display(queue: &mut Vec<u8>, text: &str) {
    let start = queue.len();
    queue.extend_from_slice(text.as_bytes());
    escape_controls(queue, start);
}

/// A text as a `&str` field shows it, `{:?}`: printable ASCII needs only `"` and `\` escaped;
/// anything else takes `{:?}` itself (and then the control-character escape, as every value).
fn write_quoted(queue: &mut Vec<u8>, text: &str) {
    let plain = text.bytes().all(|byte| (0x20..0x7f).contains(&byte));
    let start = queue.len();
    if !plain {
        let _ = write!(Line(queue), "{text:?}");
        escape_controls(queue, start);
        return;
    }
    queue.push(b'"');
    for &byte in text.as_bytes() {
        if byte == b'"' || byte == b'\\' {
            queue.push(b'\\');
        }
        queue.push(byte);
    }
    queue.push(b'"');
}

struct Fields<'a, 'b> {
    line: &'a mut Line<'b>,
    /// Where this line's fields begin in the queue.
    start: usize,
    ansi: bool,
    /// Where the message ends, once written.
    message_end: Option<usize>,
}

/// Whether any byte is an ASCII control character (below 0x20, or 0x7f), eight bytes at a time:
/// this runs on every value logged, and a byte-by-byte scan was a fifth of a line's cost.
fn has_controls(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        if word_has_controls(word) {
            return true;
        }
    }
    // The tail, padded with a plain byte: one more word rather than a byte-by-byte loop.
    let mut word = [b'a'; 8];
    for (slot, &byte) in word.iter_mut().zip(chunks.remainder()) {
        *slot = byte;
    }
    word_has_controls(word)
}

fn word_has_controls(word: [u8; 8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let x = u64::from_le_bytes(word);
    // A byte below 0x20 (as `x - 0x20` borrows into its high bit while `x`'s is clear), or
    // a byte equal to 0x7f (a zero byte of `x ^ 0x7f…`): the classic "has a byte less than"
    // and "has a zero byte" tests, exact for each byte when no high bit of `x` is set, and
    // bytes with the high bit set (UTF-8) are masked out by `!x`.
    let below = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
    let del = x ^ (ONES * 0x7f);
    let del = del.wrapping_sub(ONES) & !del & HIGHS;
    // A borrow can carry into a later byte and flag it falsely: then decide byte by byte.
    below | del != 0 && word.iter().any(u8::is_ascii_control)
}

/// Control characters written from `start` on are replaced by escapes: a prompt (or any text a
/// peer sent) cannot start a forged log line or send escape sequences to the terminal.
fn escape_controls(queue: &mut Vec<u8>, start: usize) {
    if !has_controls(&queue[start..]) {
        return;
    }
    let tail: Vec<u8> = queue.drain(start..).collect();
    for byte in tail {
        match byte {
            b'\n' => queue.extend_from_slice(b"\\n"),
            b'\r' => queue.extend_from_slice(b"\\r"),
            b'\t' => queue.extend_from_slice(b"\\t"),
            control if control.is_ascii_control() => {
                queue.extend_from_slice(format!("\\u{{{control:x}}}").as_bytes());
            }
            other => queue.push(other),
        }
    }
}

impl Fields<'_, '_> {
    fn message(&mut self, value: &dyn Debug) {
        let before = self.line.0.len();
        let _ = write!(self.line, "{value:?}");
        escape_controls(self.line.0, before);
        if self.message_end.is_none() && before != self.start {
            // Fields came first: move the message in front of them.
            let message: Vec<u8> = self.line.0.drain(before..).collect();
            let at = self.start;
            self.line.0.splice(at..at, message.iter().copied());
            self.message_end = Some(at + message.len());
        } else {
            self.message_end = Some(self.line.0.len());
        }
    }

    /// ` name=` for a field that is shown; `false` for one that is not.
    fn name(&mut self, field: &TracingField) -> bool {
        let name = field.name();
        // Fields of `log` records carry their origin; not shown, as tracing-subscriber does.
        if name.starts_with("log.") {
            return false;
        }
        write_name(
            self.line.0,
            name.strip_prefix("r#").unwrap_or(name),
            self.ansi,
        );
        true
    }
}

impl Visit for Fields<'_, '_> {
    fn record_debug(&mut self, field: &TracingField, value: &dyn Debug) {
        if field.name() == "message" {
            self.message(value);
            return;
        }
        if !self.name(field) {
            return;
        }
        let start = self.line.0.len();
        let _ = write!(self.line, "{value:?}");
        escape_controls(self.line.0, start);
    }

    fn record_str(&mut self, field: &TracingField, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &value);
        } else if self.name(field) {
            write_quoted(self.line.0, value);
        }
    }

    fn record_u64(&mut self, field: &TracingField, value: u64) {
        if self.name(field) {
            self.line
                .0
                .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        }
    }

    fn record_i64(&mut self, field: &TracingField, value: i64) {
        if self.name(field) {
            self.line
                .0
                .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        }
    }

    fn record_bool(&mut self, field: &TracingField, value: bool) {
        if self.name(field) {
            let text: &[u8] = if value { b"true" } else { b"false" };
            self.line.0.extend_from_slice(text);
        }
    }
}

#[cfg(test)]
#[path = "tests/text.rs"]
mod tests;
