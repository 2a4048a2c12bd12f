//! The line editor (rustyline, on a thread of its own): history, completion of commands and
//! event names, argument hints, multi-line JSON.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, ExternalPrinter, Helper};
use tokio::sync::mpsc;

use super::Input;
use super::server_acks::ServerAcks;
use super::steps::STEPS;
use crate::client::args::open_brackets;
use crate::client::command::COMMANDS;
use crate::client::output::LineSink;
use crate::wire::event;
use crate::wire::event::AI_MESSAGE_CHUNK;

/// The rustyline thread: reads one line each time the session asks for one.
pub(super) fn line_editor(
    helper: ReplHelper,
    history: Option<PathBuf>,
    prompt: Arc<Mutex<String>>,
    ask: std::sync::mpsc::Receiver<bool>,
    lines: mpsc::UnboundedSender<Input>,
    sink: std::sync::mpsc::Sender<Option<Box<dyn LineSink>>>,
) {
    let config = rustyline::Config::builder()
        .auto_add_history(false)
        .max_history_size(5000)
        .map(|b| b.build())
        .unwrap_or_default();
    let mut editor = match Editor::<ReplHelper, DefaultHistory>::with_config(config) {
        Ok(editor) => editor,
        Err(_) => {
            sink.send(None).ok();
            lines.send(Input::Eof).ok();
            return;
        }
    };
    editor.set_helper(Some(helper));
    if let Some(path) = &history {
        // A first run has no history yet; that is not an error.
        editor.load_history(path).ok();
    }
    let printer: Option<Box<dyn LineSink>> = editor
        .create_external_printer()
        .ok()
        .map(|p| Box::new(RustylinePrinter(p)) as Box<dyn LineSink>);
    sink.send(printer).ok();
    while let Ok(true) = ask.recv() {
        let text = prompt.lock().map(|p| p.clone()).unwrap_or_default();
        let input = loop {
            match editor.readline(&text) {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        editor.add_history_entry(line.as_str()).ok();
                    }
                    break Input::Line(line);
                }
                // Ctrl-C drops the line being typed, as in a shell.
                Err(ReadlineError::Interrupted) => continue,
                Err(_) => break Input::Eof,
            }
        };
        if lines.send(input).is_err() {
            break;
        }
    }
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).ok();
        }
        editor.save_history(path).ok();
    }
}

struct RustylinePrinter<P: ExternalPrinter + Send>(P);

impl<P: ExternalPrinter + Send> LineSink for RustylinePrinter<P> {
    fn print(&mut self, text: String) -> std::io::Result<()> {
        self.0.print(text).map_err(std::io::Error::other)
    }
}

pub(super) struct ReplHelper {
    pub(super) seen: Arc<Mutex<BTreeSet<String>>>,
    /// The server's acknowledgement requests still waiting: what `reply` completes to.
    pub(super) server_acks: ServerAcks,
    /// The collection's names: typed alone (or after `run`/`save`) they complete.
    pub(super) saved: Arc<Mutex<Vec<String>>>,
    pub(super) color: bool,
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before.rfind(char::is_whitespace).map_or(0, |at| at + 1);
        let word = &before[start..];
        let earlier: Vec<&str> = before[..start].split_whitespace().collect();
        let pair = |s: &str| Pair {
            display: s.to_owned(),
            replacement: s.to_owned(),
        };
        let saved = || self.saved.lock().map(|s| s.clone()).unwrap_or_default();
        let candidates: Vec<Pair> = match earlier.as_slice() {
            [] => {
                let mut names: Vec<String> = COMMANDS
                    .iter()
                    .map(|(name, _, _)| *name)
                    .chain(STEPS.iter().map(|(name, _, _)| *name))
                    .map(str::to_owned)
                    .collect();
                names.sort();
                names.extend(saved());
                names
                    .iter()
                    .filter(|name| name.starts_with(word))
                    .map(|n| pair(n))
                    .collect()
            }
            ["run" | "save"] => saved()
                .iter()
                .filter(|name| name.starts_with(word))
                .map(|n| pair(n))
                .collect(),
            ["help"] => COMMANDS
                .iter()
                .map(|(name, _, _)| *name)
                .filter(|name| name.starts_with(word))
                .map(pair)
                .collect(),
            // The event name of emit/ack, and the names of the filter commands.
            ["emit" | "ack"] | ["emit", "--ack"] | ["on" | "off" | "only" | "wait", ..] => {
                let seen = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
                let mut names: BTreeSet<String> = seen;
                names.extend(
                    [
                        event::AI_MESSAGE,
                        event::MESSAGE,
                        event::AI_MESSAGE_RESPONSE,
                        AI_MESSAGE_CHUNK,
                    ]
                    .map(str::to_owned),
                );
                names
                    .iter()
                    .filter(|name| name.starts_with(word))
                    .map(|n| pair(n))
                    .collect()
            }
            // `reply <ack_id>`: the requests still waiting, shown with their event.
            ["reply"] => self
                .server_acks
                .entries()
                .into_iter()
                .map(|(id, event)| (id.to_string(), event))
                .filter(|(id, _)| id.starts_with(word))
                .map(|(id, event)| Pair {
                    display: format!("{id} ({event})"),
                    replacement: id,
                })
                .collect(),
            _ => Vec::new(),
        };
        Ok((start, candidates))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    /// After a complete command name, show its arguments.
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos != line.len() {
            return None;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            return None;
        }
        let (name, rest) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
        if !rest.trim().is_empty() {
            return None;
        }
        let (_, usage, _) = COMMANDS.iter().chain(STEPS).find(|(n, _, _)| *n == name)?;
        let args = usage.strip_prefix(name)?.trim_start();
        if args.is_empty() {
            return None;
        }
        Some(if line.ends_with(' ') {
            args.to_owned()
        } else {
            format!(" {args}")
        })
    }
}

impl Highlighter for ReplHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> std::borrow::Cow<'h, str> {
        if self.color {
            std::borrow::Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            std::borrow::Cow::Borrowed(hint)
        }
    }
}

impl Validator for ReplHelper {
    /// An unclosed `{` or `[` continues the command on the next line.
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        if open_brackets(ctx.input()) > 0 {
            Ok(ValidationResult::Incomplete)
        } else {
            Ok(ValidationResult::Valid(None))
        }
    }
}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn completions(helper: &ReplHelper, line: &str) -> Vec<(String, String)> {
        let history = DefaultHistory::new();
        let ctx = Context::new(&history);
        let (_, pairs) = helper.complete(line, line.len(), &ctx).unwrap();
        pairs
            .into_iter()
            .map(|p| (p.display, p.replacement))
            .collect()
    }

    #[test]
    fn reply_completes_to_the_waiting_acknowledgement_requests() {
        let helper = ReplHelper {
            seen: Arc::default(),
            server_acks: ServerAcks::default(),
            saved: Arc::default(),
            color: false,
        };
        assert!(completions(&helper, "reply ").is_empty());
        helper.server_acks.insert(7, "question".into());
        helper.server_acks.insert(12, "confirm".into());
        assert_eq!(
            completions(&helper, "reply "),
            [
                ("7 (question)".to_owned(), "7".to_owned()),
                ("12 (confirm)".to_owned(), "12".to_owned()),
            ]
        );
        assert_eq!(
            completions(&helper, "reply 1"),
            [("12 (confirm)".to_owned(), "12".to_owned())]
        );
        // Only the ack id is completed, not the arguments after it.
        assert!(completions(&helper, "reply 7 ").is_empty());
    }

    #[test]
    fn saved_names_complete_alone_and_after_run_and_save() {
        let helper = ReplHelper {
            seen: Arc::default(),
            server_acks: ServerAcks::default(),
            saved: Arc::new(Mutex::new(vec!["greet".into(), "join-lobby".into()])),
            color: false,
        };
        let names = |line: &str| -> Vec<String> {
            completions(&helper, line)
                .into_iter()
                .map(|p| p.1)
                .collect()
        };
        assert_eq!(names("gr"), ["greet"]);
        assert_eq!(names("j"), ["join-lobby"]);
        assert_eq!(names("run "), ["greet", "join-lobby"]);
        assert_eq!(names("save g"), ["greet"]);
        assert_eq!(names("sav"), ["save", "saved"]);
        assert_eq!(names("exp"), ["expect"]);
    }
}
