//! Everything the client writes to the terminal goes through here.
//!
//! Two forms: human lines (colour only on a terminal and without `NO_COLOR`) and JSON-lines
//! records with a timestamp. A closed stdout (`sockai … | head -1`) is noted and later writes are
//! dropped instead of panicking; callers ask [`Printer::stdout_closed`] to end early.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use colored::Colorize;
use serde_json::{Map, Value};

use super::render;

/// Where human lines go while a line editor owns the terminal (rustyline's external printer):
/// they are printed above the prompt, which is then redrawn with the half-typed input.
pub trait LineSink: Send {
    fn print(&mut self, text: String) -> std::io::Result<()>;
}

pub struct Printer {
    color: bool,
    closed: AtomicBool,
    sink: Mutex<Option<Box<dyn LineSink>>>,
}

impl Printer {
    pub fn new(color: bool) -> Self {
        // `colored` has its own global switch; make it agree with ours.
        colored::control::set_override(color);
        Self {
            color,
            closed: AtomicBool::new(false),
            sink: Mutex::new(None),
        }
    }

    pub fn color(&self) -> bool {
        self.color
    }

    /// Route human stdout lines through `sink` from now on (or back to stdout with `None`).
    pub fn set_sink(&self, sink: Option<Box<dyn LineSink>>) {
        if let Ok(mut slot) = self.sink.lock() {
            *slot = sink;
        }
    }

    pub fn stdout_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// One line (or several, joined by newlines) on stdout.
    pub fn out(&self, text: &str) {
        if self.stdout_closed() {
            return;
        }
        if let Ok(mut slot) = self.sink.lock()
            && let Some(sink) = slot.as_mut()
        {
            if sink.print(format!("{text}\n")).is_err() {
                // The editor is gone (it is shutting down); fall back to plain stdout.
                *slot = None;
            } else {
                return;
            }
        }
        let mut stdout = std::io::stdout().lock();
        let result = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
        if result.is_err() {
            // EPIPE or a closed terminal: nobody reads any more.
            self.closed.store(true, Ordering::SeqCst);
        }
    }

    /// A diagnostic line on stderr, prefixed like every sockai error.
    pub fn diag(&self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        writeln!(stderr, "sockai: {text}").ok();
    }

    /// One JSON-lines record on stdout: `{"type": kind, "time": …, …fields}`.
    pub fn record(&self, kind: &str, fields: Value) {
        let mut map = Map::new();
        map.insert("type".to_owned(), Value::String(kind.to_owned()));
        map.insert("time".to_owned(), Value::String(timestamp()));
        if let Value::Object(fields) = fields {
            map.extend(fields);
        }
        self.out(&Value::Object(map).to_string());
    }

    /// The `received` record of a server event; `ack_id` when the server asked for an ack.
    pub fn received(&self, namespace: &str, name: &str, args: &[Value], ack_id: Option<u64>) {
        let mut fields = Map::new();
        fields.insert("event".to_owned(), Value::from(name));
        fields.insert("namespace".to_owned(), Value::from(namespace));
        fields.insert("args".to_owned(), Value::Array(args.to_vec()));
        if let Some(id) = ack_id {
            fields.insert("ack_id".to_owned(), Value::from(id));
        }
        self.record("received", Value::Object(fields));
    }

    // ---- human forms ----

    /// `12:00:01 /chat event-name {json}`; long payloads are pretty-printed below. When the
    /// server asked for an acknowledgement, the line says how to answer it.
    pub fn event_line(
        &self,
        namespace: &str,
        name: &str,
        args: &[Value],
        ack_id: Option<u64>,
    ) -> String {
        let payload = match args {
            [] => String::new(),
            [one] => render::json(one),
            many => render::json(&Value::Array(many.to_vec())),
        };
        let mut head = format!(
            "{} {} {}",
            clock().dimmed(),
            namespace.dimmed(),
            name.cyan().bold()
        );
        let ack = ack_id.map(|id| {
            format!("(ack {id} requested: reply {id} …)")
                .magenta()
                .to_string()
        });
        if payload.contains('\n') {
            if let Some(ack) = ack {
                head = format!("{head} {ack}");
            }
            return format!("{head}\n{}", indent(&payload));
        }
        [Some(head), (!payload.is_empty()).then_some(payload), ack]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `→ reply 3 (question) 4`
    pub fn reply_line(&self, ack_id: u64, event: Option<&str>, args: &[Value]) -> String {
        let args: Vec<String> = args.iter().map(render::compact).collect();
        let about = event.map(|e| format!(" ({e})")).unwrap_or_default();
        format!(
            "{}",
            format!("→ reply {ack_id}{about} {}", args.join(" "))
                .trim_end()
                .dimmed()
        )
    }

    pub fn lifecycle(&self, text: &str, good: bool) -> String {
        let line = format!("── {text}");
        if good {
            format!("{} {}", clock().dimmed(), line.green().bold())
        } else {
            format!("{} {}", clock().dimmed(), line.red().bold())
        }
    }

    pub fn warning(&self, text: &str) -> String {
        format!("{} {}", clock().dimmed(), text.yellow().bold())
    }

    pub fn ack_line(&self, event: &str, args: &[Value], millis: f64) -> String {
        let payload = match args {
            [] => "(no arguments)".to_owned(),
            [one] => render::json(one),
            many => render::json(&Value::Array(many.to_vec())),
        };
        let head = format!(
            "{} {} {} {}",
            clock().dimmed(),
            "ack".magenta().bold(),
            event.cyan(),
            format!("({millis:.1} ms)").dimmed()
        );
        if payload.contains('\n') {
            format!("{head}\n{}", indent(&payload))
        } else {
            format!("{head} {payload}")
        }
    }

    pub fn sent_line(&self, event: &str, args: &[Value]) -> String {
        let args: Vec<String> = args.iter().map(render::compact).collect();
        format!(
            "{}",
            format!("→ {event} {}", args.join(" ")).trim_end().dimmed()
        )
    }

    pub fn dim(&self, text: &str) -> String {
        format!("{}", text.dimmed())
    }

    pub fn answer_text(&self, text: &str) -> String {
        format!("  {}", text.bold())
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// RFC 3339 UTC time with milliseconds, for JSON records.
pub fn timestamp() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// `HH:MM:SS` (UTC) for human lines.
fn clock() -> String {
    let stamp = timestamp();
    stamp.get(11..19).unwrap_or(&stamp).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The clock at the start of a human line varies; what follows it does not.
    fn after_clock(line: &str) -> &str {
        line.split_once(' ').map_or(line, |(_, rest)| rest)
    }

    #[test]
    fn an_event_that_asks_for_an_ack_says_how_to_answer() {
        let printer = Printer::new(false);
        let line = printer.event_line("/", "question", &[json!("2+2?")], Some(3));
        assert_eq!(
            after_clock(&line),
            r#"/ question "2+2?" (ack 3 requested: reply 3 …)"#
        );
        let line = printer.event_line("/chat", "ping", &[], Some(0));
        assert_eq!(
            after_clock(&line),
            "/chat ping (ack 0 requested: reply 0 …)"
        );
        let line = printer.event_line("/", "plain", &[json!(1), json!({"$binary": "AQ=="})], None);
        assert_eq!(after_clock(&line), "/ plain [1,<binary 1 byte: 01>]");
        // A long payload goes below; the ack notice stays on the head line.
        let long = json!({"text": "x".repeat(120)});
        let line = printer.event_line("/", "big", &[long], Some(7));
        let mut lines = line.lines();
        assert_eq!(
            after_clock(lines.next().unwrap()),
            "/ big (ack 7 requested: reply 7 …)"
        );
        assert_eq!(lines.next(), Some("  {"));
    }

    #[test]
    fn replies_are_echoed_like_emits() {
        let printer = Printer::new(false);
        assert_eq!(
            printer.reply_line(3, Some("question"), &[json!(4), json!("four")]),
            r#"→ reply 3 (question) 4 "four""#
        );
        assert_eq!(printer.reply_line(1, None, &[]), "→ reply 1");
    }
}
