//! Text log lines, written straight into the log queue:
//! `2026-12-01T21:40:33.116874Z  INFO message key=value key="text"`.
//!
//! The layout is tracing-subscriber's default one (without targets or spans, which sockai
//! does not use), so lines read as before; what differs is the cost. Under load the server
//! logs two lines per answer, and the default formatter took 13% of the event loop's time
//! (profiled with `perf` at 100 clients); this one formats into the queue under one lock, with
//! no intermediate `String` per line or per field.

use std::fmt::{Debug, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

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
    let level = *event.metadata().level();
    let name: &[u8] = match level {
        Level::TRACE => b"TRACE",
        Level::DEBUG => b"DEBUG",
        Level::INFO => b" INFO",
        Level::WARN => b" WARN",
        Level::ERROR => b"ERROR",
    };
    let queue = &mut *line.0;
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
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // A byte below 0x20 (as `x - 0x20` borrows into its high bit while `x`'s is clear), or
        // a byte equal to 0x7f (a zero byte of `x ^ 0x7f…`): the classic "has a byte less than"
        // and "has a zero byte" tests, exact for each byte when no high bit of `x` is set, and
        // bytes with the high bit set (UTF-8) are masked out by `!x`.
        let below = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let del = x ^ (ONES * 0x7f);
        let del = del.wrapping_sub(ONES) & !del & HIGHS;
        if below | del != 0 {
            // A borrow can carry into a later byte and flag it falsely: decide byte by byte.
            if chunk.iter().any(u8::is_ascii_control) {
                return true;
            }
        }
    }
    chunks.remainder().iter().any(u8::is_ascii_control)
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
    fn name(&mut self, field: &Field) -> bool {
        let name = field.name();
        // Fields of `log` records carry their origin; not shown, as tracing-subscriber does.
        if name.starts_with("log.") {
            return false;
        }
        let name = name.strip_prefix("r#").unwrap_or(name).as_bytes();
        let queue = &mut *self.line.0;
        if self.ansi {
            queue.extend_from_slice(b" \x1b[3m");
            queue.extend_from_slice(name);
            queue.extend_from_slice(b"\x1b[0m\x1b[2m=\x1b[0m");
        } else {
            queue.push(b' ');
            queue.extend_from_slice(name);
            queue.push(b'=');
        }
        true
    }
}

impl Visit for Fields<'_, '_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
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

    /// `"text"`, as `{:?}` writes it: printable ASCII needs only `"` and `\` escaped, and
    /// anything else takes the general path (which escapes as `{:?}` does).
    fn record_str(&mut self, field: &Field, value: &str) {
        let plain = value.bytes().all(|byte| (0x20..0x7f).contains(&byte));
        if field.name() == "message" || !plain {
            self.record_debug(field, &value);
            return;
        }
        if !self.name(field) {
            return;
        }
        let queue = &mut *self.line.0;
        queue.push(b'"');
        for &byte in value.as_bytes() {
            if byte == b'"' || byte == b'\\' {
                queue.push(b'\\');
            }
            queue.push(byte);
        }
        queue.push(b'"');
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.name(field) {
            self.line
                .0
                .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.name(field) {
            self.line
                .0
                .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if self.name(field) {
            let text: &[u8] = if value { b"true" } else { b"false" };
            self.line.0.extend_from_slice(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    /// The lines `log` produces, each without its timestamp.
    fn lines(ansi: bool, log: impl FnOnce()) -> Vec<String> {
        let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        struct Into(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Into {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let (sink, worker) = super::super::writer::spawn(Into(calls.clone())).unwrap();
        let subscriber = tracing_subscriber::registry().with(TextLayer { sink, ansi });
        tracing::subscriber::with_default(subscriber, log);
        drop(worker);
        let text = String::from_utf8(calls.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| line.split_once(' ').unwrap().1.to_owned())
            .collect()
    }

    #[test]
    fn lines_read_as_tracing_subscribers_default_ones() {
        let got = lines(false, || {
            let prompt = "say \"hi\"";
            tracing::info!(prompt = %prompt, id = "x-1", n = 3, "received AI message");
            tracing::warn!(sid = Some("abc"), missing = None::<&str>, "refused");
            tracing::error!("no fields");
        });
        assert_eq!(
            got,
            [
                " INFO received AI message prompt=say \"hi\" id=\"x-1\" n=3",
                " WARN refused sid=\"abc\"",
                "ERROR no fields",
            ]
        );
    }

    #[test]
    fn text_from_a_peer_cannot_break_the_line_or_reach_the_terminal() {
        let got = lines(false, || {
            let prompt = "hi\n2026-12-01T00:00:00.000000Z ERROR forged\r\x1b[31mred\ttab";
            tracing::info!(prompt = %prompt, "received AI message");
            tracing::info!("{prompt}");
        });
        let escaped = r"hi\n2026-12-01T00:00:00.000000Z ERROR forged\r\u{1b}[31mred\ttab";
        assert_eq!(
            got,
            [
                format!(" INFO received AI message prompt={escaped}"),
                format!(" INFO {escaped}"),
            ]
        );
    }

    #[test]
    fn controls_are_found_wherever_they_are() {
        // Every byte value at every position of 1..=17-byte strings, among bytes that stress
        // the word-at-a-time test (borrows from 0x00/0x20 neighbours, 0x7f, 0x80, 0xff).
        for len in 1..=17 {
            for at in 0..len {
                for filler in [b'a', b' ', 0x21, 0x7e, 0x80, 0xff] {
                    for byte in 0..=255u8 {
                        let mut bytes = vec![filler; len];
                        bytes[at] = byte;
                        let want = bytes.iter().any(u8::is_ascii_control);
                        assert_eq!(has_controls(&bytes), want, "{bytes:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn typed_fields_read_as_their_debug_form() {
        let got = lines(false, || {
            tracing::info!(
                quoted = "a \"b\" \\ c",
                unicode = "é\u{7f}",
                neg = -5i64,
                big = u64::MAX,
                yes = true,
                no = false,
                "typed"
            );
            tracing::info!(message = "a str message");
        });
        assert_eq!(
            got,
            [
                format!(
                    " INFO typed quoted={:?} unicode={:?} neg=-5 big={} yes=true no=false",
                    "a \"b\" \\ c",
                    "é\u{7f}",
                    u64::MAX
                ),
                " INFO \"a str message\"".to_owned(),
            ]
        );
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_microseconds() {
        let mut queue = Vec::new();
        let timestamp = humantime::format_rfc3339_micros(std::time::SystemTime::now());
        let _ = write!(Line(&mut queue), "{timestamp}");
        let text = String::from_utf8(queue).unwrap();
        assert_eq!(text.len(), "2026-12-01T21:40:33.116874Z".len(), "{text}");
        assert!(text.ends_with('Z') && text.as_bytes()[10] == b'T', "{text}");
    }

    #[test]
    fn colour_marks_the_level_and_field_names() {
        let got = lines(true, || tracing::info!(k = 1, "m"));
        assert_eq!(
            got,
            ["\x1b[32m INFO\x1b[0m m \x1b[3mk\x1b[0m\x1b[2m=\x1b[0m1"]
        );
    }
}
