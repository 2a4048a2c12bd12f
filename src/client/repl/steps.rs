//! Every line typed (or piped, or replayed from a saved block) goes through [`Session::on_input`]:
//! the collection's commands (`save`, `saved`, a saved name), `{{variables}}`, the scenario's
//! own steps the REPL runs too (`expect`, `capture`, `sleep`, a check line, `reply EVENT`),
//! then the REPL commands of `dispatch.rs`. What ran is written to the recording.
//!
//! The checks of `expect` are the scenario language's ([`crate::scenario::matcher`]). The
//! scenario module uses this client, so the client cannot import it back: main hands the two
//! functions over in a [`ScenarioSyntax`].

use tokio::time::Instant;

use super::arrivals::{PayloadCheck, WaitKind, Waiting};
use super::loosen::event_word;
use super::session::{DEFAULT_WAIT, Flow, Session};
use crate::client::args::{rest_of_line, split_words};
use crate::client::command::{self, COMMANDS};
use crate::client::value::{self, Stdin};
use crate::duration::parse_duration;

/// The value of a variable, `None` when it is not defined.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The scenario language's checks and variables, as the REPL uses them.
#[derive(Clone, Copy, Debug)]
pub struct ScenarioSyntax {
    /// `POINTER TEST [VALUE]` words (`/text == "hi"`) → their check.
    pub check: fn(&[String]) -> Result<PayloadCheck, String>,
    /// `{{name}}` and `{{env.NAME}}` replaced through a lookup; an unknown one is an error.
    pub substitute: fn(&str, Lookup<'_>) -> Result<String, String>,
}

/// The REPL's lines beyond `command.rs`'s commands: name, usage, what it does (for `help`).
pub(super) const STEPS: &[(&str, &str, &str)] = &[
    (
        "save",
        "save <name> [--last N | command …]",
        "keep the last command (the last N, or the one given) under <name> in the collection \
         file; type <name> to send it again",
    ),
    ("saved", "saved", "list the saved names and what each sends"),
    (
        "run",
        "run <name>",
        "send a saved block again (typing <name> alone does the same)",
    ),
    (
        "expect",
        "expect <event> [within T] [check]",
        "wait for the event and check its payload (/text == \"hi\", /n is number, …); also \
         expect ack [check], expect no <event> within T, expect disconnect [reason]",
    ),
    (
        "capture",
        "capture <name> = <pointer> [matches regex]",
        "keep a value of the last payload as {{name}} for the lines that follow",
    ),
    ("sleep", "sleep <duration>", "pause (300ms, 2s)"),
];

/// Lines that change nothing on the server: not recorded, not what `save` keeps.
const VIEW_ONLY: &[&str] = &[
    "help", "?", "status", "clear", "on", "off", "only", "quit", "exit",
];

/// Is `name` a command or a step (so not a saved block's name)?
pub(super) fn reserved(name: &str) -> bool {
    COMMANDS.iter().any(|(n, _, _)| *n == name)
        || [
            "message", "exit", "?", "save", "saved", "run", "expect", "capture", "sleep",
            "connect", "http", "set",
        ]
        .contains(&name)
}

impl Session<'_> {
    /// One line of input. `from_block`: it comes from a saved block being replayed.
    pub(super) async fn on_input(&mut self, line: &str, from_block: bool) -> Flow {
        let typed = line.trim();
        if typed.is_empty() || typed.starts_with('#') {
            return Flow::Continue;
        }
        let words = match split_words(typed) {
            Ok(words) => words,
            Err(e) => {
                self.fail(&e.to_string());
                return Flow::Continue;
            }
        };
        let first = words.first().map(String::as_str).unwrap_or_default();
        match first {
            "save" => return self.save(typed, &words),
            "saved" => return self.list_saved(),
            "run" if words.len() == 2 => return self.run_saved(&words[1], from_block),
            name if words.len() == 1 && !reserved(name) && self.is_saved(name) => {
                return self.run_saved(name, from_block);
            }
            _ => {}
        }
        // As in a scenario, where `ack` waits: what reads the last acknowledgement waits for the
        // one on its way.
        let reads_ack = first == "capture" || first == "." || first.starts_with('/');
        if reads_ack && !self.acks.is_empty() {
            let within = Some(self.settings.ack_timeout);
            self.wait_for("", within, WaitKind::Deferred(typed.to_owned()));
            return Flow::Continue;
        }
        // `reply EVENT` before the server asked: as in a scenario, it waits for the request.
        if first == "reply"
            && let Some(event) = words.get(1).filter(|w| w.parse::<u64>().is_err())
        {
            let event = unquote(event);
            if !self.server_acks.entries().iter().any(|(_, e)| *e == event) {
                let within = Some(self.settings.ack_timeout);
                self.wait_for(&event, within, WaitKind::Deferred(typed.to_owned()));
                return Flow::Continue;
            }
        }
        let text = match self.substitute(typed) {
            Ok(text) => text,
            Err(message) => {
                self.fail(&message);
                return Flow::Continue;
            }
        };
        let run_words = if text == typed {
            words.clone()
        } else {
            match split_words(&text) {
                Ok(words) => words,
                Err(e) => {
                    self.fail(&e.to_string());
                    return Flow::Continue;
                }
            }
        };
        let keep = !VIEW_ONLY.contains(&first);
        let recorded = self.recorded_text(typed, &words);
        let entry = match &mut self.recorder {
            Some(recorder) if keep => recorder.line(&recorded),
            _ => None,
        };
        let errors = self.errors;
        self.current_entry = entry;
        let flow = self.step(&text, &run_words).await;
        self.current_entry = None;
        if self.errors != errors {
            if let Some(recorder) = &mut self.recorder {
                recorder.retract(entry);
            }
        } else if keep {
            self.remember(typed);
        }
        flow
    }

    /// `reply ID …` is recorded as `reply EVENT …`: ack ids differ from run to run.
    fn recorded_text(&self, typed: &str, words: &[String]) -> String {
        if words.first().is_some_and(|w| w == "reply")
            && let Some(id) = words.get(1).and_then(|w| w.parse::<u64>().ok())
            && let Some(event) = self.server_acks.get(id)
        {
            let args = rest_of_line(rest_of_line(typed));
            return format!("reply {} {args}", event_word(&event))
                .trim_end()
                .to_owned();
        }
        typed.to_owned()
    }

    fn substitute(&self, text: &str) -> Result<String, String> {
        match &self.settings.syntax {
            Some(syntax) if text.contains("{{") => {
                let lookup = |name: &str| match name.strip_prefix("env.") {
                    Some(env) => std::env::var(env).ok(),
                    None => self.vars.get(name).cloned(),
                };
                (syntax.substitute)(text, &lookup)
            }
            _ => Ok(text.to_owned()),
        }
    }

    async fn step(&mut self, text: &str, words: &[String]) -> Flow {
        let first = words.first().map(String::as_str).unwrap_or_default();
        let result = match first {
            "sleep" => match words {
                [_, d] => parse_duration(d).map(|d| self.sleep(d)),
                _ => Err("usage: sleep DURATION".to_owned()),
            },
            "expect" => self.expect(words),
            "capture" => self.capture(words),
            "." => self.check_last(words),
            check if check.starts_with('/') => self.check_last(words),
            "reply" if words.get(1).is_some_and(|w| w.parse::<u64>().is_err()) => {
                return self.reply_to(words).await;
            }
            "connect" if words.len() > 1 => Err(
                "`connect URL …` opens a client in a scenario; here, type `reconnect` (or start \
                 `sockai connect URL …`)"
                    .to_owned(),
            ),
            _ => return self.on_line(text).await,
        };
        if let Err(message) = result {
            self.fail(&message);
        }
        Flow::Continue
    }

    pub(super) fn wait_for(
        &mut self,
        event: &str,
        within: Option<std::time::Duration>,
        kind: WaitKind,
    ) {
        let wanted = within.unwrap_or(DEFAULT_WAIT);
        self.waiting = Some(Waiting {
            event: event.to_owned(),
            until: Instant::now() + wanted,
            kind,
            said: format!("within {}", humantime::format_duration(wanted)),
            entry: self.current_entry,
        });
    }

    fn sleep(&mut self, duration: std::time::Duration) {
        self.wait_for("", Some(duration), WaitKind::Sleep);
    }

    /// `reply EVENT [arg …]`: answer the oldest acknowledgement request of that event.
    async fn reply_to(&mut self, words: &[String]) -> Flow {
        let event = unquote(&words[1]);
        let found = self
            .server_acks
            .entries()
            .into_iter()
            .find(|(_, name)| *name == event);
        let Some((id, _)) = found else {
            self.fail(&format!(
                "{:?} is not an acknowledgement id, nor an event waiting for one: the id is the \
                 number shown with the event (`status` lists them)",
                words[1]
            ));
            return Flow::Continue;
        };
        match value::resolve_args(&words[2..], Stdin::None) {
            Ok(args) => self.reply(id, args).await,
            Err(e) => self.fail(&e.to_string()),
        }
        Flow::Continue
    }
}

/// An event name may be written "quoted".
fn unquote(word: &str) -> String {
    command::unquote(word)
}
