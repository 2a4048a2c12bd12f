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
    let timestamp = humantime::format_rfc3339_micros(std::time::SystemTime::now());
    let name = match level {
        Level::TRACE => "TRACE",
        Level::DEBUG => "DEBUG",
        Level::INFO => " INFO",
        Level::WARN => " WARN",
        Level::ERROR => "ERROR",
    };
    // Formatting into a Vec cannot fail.
    if ansi {
        let colour = match level {
            Level::TRACE => "35",
            Level::DEBUG => "34",
            Level::INFO => "32",
            Level::WARN => "33",
            Level::ERROR => "31",
        };
        let _ = write!(
            line,
            "\x1b[2m{timestamp}\x1b[0m \x1b[{colour}m{name}\x1b[0m "
        );
    } else {
        let _ = write!(line, "{timestamp} {name} ");
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

/// Control characters written from `start` on are replaced by escapes: a prompt (or any text a
/// peer sent) cannot start a forged log line or send escape sequences to the terminal.
fn escape_controls(queue: &mut Vec<u8>, start: usize) {
    if !queue[start..].iter().any(u8::is_ascii_control) {
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
}

impl Visit for Fields<'_, '_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        let name = field.name();
        if name == "message" {
            self.message(value);
            return;
        }
        // Fields of `log` records carry their origin; not shown, as tracing-subscriber does.
        if name.starts_with("log.") {
            return;
        }
        let name = name.strip_prefix("r#").unwrap_or(name);
        let _ = if self.ansi {
            write!(self.line, " \x1b[3m{name}\x1b[0m\x1b[2m=\x1b[0m")
        } else {
            write!(self.line, " {name}=")
        };
        let start = self.line.0.len();
        let _ = write!(self.line, "{value:?}");
        escape_controls(self.line.0, start);
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
