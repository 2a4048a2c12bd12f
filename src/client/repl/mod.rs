//! `sockai connect`: the REPL on a terminal, JSON lines when scripted.
//!
//! One async loop ([`session`]) owns the session: it receives command lines (from rustyline on
//! a thread of its own, [`editor`], or from stdin), connection events and finished acks, and
//! prints through [`Printer`]. On a terminal, lines printed while the user types go through
//! rustyline's external printer, so the half-typed input is redrawn below them.
//! [`incoming`] shows what the server sent (and remembers the acknowledgements it asked
//! for), [`dispatch`] runs the commands, [`status`] reports the session, [`filter`] decides
//! which events are shown. Every line goes through [`steps`] first: the scenario steps the
//! REPL runs too (`sleep`, `reply EVENT`; [`expect`]: `expect`, checks, `capture`), [`saved`]
//! messages, `{{variables}}`; [`waits`]
//! holds what the session waits for; [`record`] writes `--record`'s scenario, with the checks
//! [`loosen`] makes.

mod arrivals;
mod dispatch;
mod editor;
mod expect;
mod filter;
mod incoming;
mod loosen;
mod record;
mod saved;
mod server_acks;
mod session;
mod status;
mod steps;
mod waits;

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use super::args::open_brackets;
use super::collection;
use super::error::ClientError;
use super::options::ConnectOptions;
use super::output::{LineSink, Printer};
pub use arrivals::PayloadCheck;
use editor::{ReplHelper, line_editor};
use session::Session;
pub use steps::ScenarioSyntax;

pub struct Settings {
    pub url: String,
    pub options: ConnectOptions,
    pub ack_timeout: Duration,
    pub history_file: Option<PathBuf>,
    /// Where saved messages live (`save NAME`).
    pub collection: PathBuf,
    /// `--record FILE`: the session is written there as a scenario when it ends.
    pub record: Option<PathBuf>,
    pub syntax: Option<ScenarioSyntax>,
}

/// Connect, with the collection read first: one that does not parse stops here (exit 2),
/// before anything connects, and is left as it is.
async fn open<'a>(
    settings: Settings,
    printer: &'a Printer,
    json: bool,
) -> Result<Session<'a>, ClientError> {
    let names = collection::load(&settings.collection)
        .map_err(|e| {
            ClientError::Usage(format!(
                "{e} (the saved messages of `sockai connect`; --collection FILE names another)"
            ))
        })?
        .names();
    let recorder = settings
        .record
        .as_ref()
        .map(|path| record::Recorder::new(path.clone(), &settings.url, &settings.options));
    let mut session = Session::open(settings, printer, json).await?;
    if let Ok(mut saved) = session.saved_names.lock() {
        *saved = names;
    }
    session.recorder = recorder;
    Ok(session)
}

/// `$XDG_DATA_HOME/sockai/history`, else `~/.local/share/sockai/history`.
pub fn default_history_file() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".local/share"))
        })?;
    Some(data.join("sockai").join("history"))
}

/// Command lines, from whichever source.
enum Input {
    Line(String),
    Eof,
}

/// Stdin is not a terminal (or `--json`): commands line by line, JSON records out.
pub async fn run_script(settings: Settings, printer: &Printer) -> Result<(), ClientError> {
    let (tx, rx) = mpsc::unbounded_channel();
    // Blocking stdin reads stay off the async threads.
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut pending = String::new();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            // A line with an unclosed { or [ goes on on the next one (multi-line JSON).
            if !pending.is_empty() {
                pending.push('\n');
            }
            pending.push_str(&line);
            if open_brackets(&pending) > 0 {
                continue;
            }
            if tx.send(Input::Line(std::mem::take(&mut pending))).is_err() {
                return;
            }
        }
        if !pending.is_empty() {
            tx.send(Input::Line(pending)).ok();
        }
        tx.send(Input::Eof).ok();
    });
    let mut session = open(settings, printer, true).await?;
    session.run(rx, None).await
}

/// A terminal: the rustyline REPL.
pub async fn run_interactive(settings: Settings, printer: &Printer) -> Result<(), ClientError> {
    let history = settings.history_file.clone();
    let mut session = open(settings, printer, false).await?;
    let (lines_tx, lines_rx) = mpsc::unbounded_channel();
    let (ask_tx, ask_rx) = std::sync::mpsc::channel::<bool>();
    let (sink_tx, sink_rx) = std::sync::mpsc::channel::<Option<Box<dyn LineSink>>>();
    let helper = ReplHelper {
        seen: session.seen.clone(),
        server_acks: session.server_acks.clone(),
        saved: session.saved_names.clone(),
        color: printer.color(),
    };
    let prompt = session.prompt.clone();
    let editor_thread = std::thread::spawn(move || {
        line_editor(helper, history, prompt, ask_rx, lines_tx, sink_tx);
    });
    // Until the editor is up, lines go straight to stdout.
    if let Ok(sink) = sink_rx.recv_timeout(Duration::from_secs(5)) {
        printer.set_sink(sink);
    }
    let result = session.run(lines_rx, Some(&ask_tx)).await;
    // Stop the editor (it is waiting for a "next line" that never comes) so it restores the
    // terminal and saves the history before we exit.
    ask_tx.send(false).ok();
    printer.set_sink(None);
    editor_thread.join().ok();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_lives_in_the_xdg_data_dir() {
        // Read-only check of the rule; the environment is not modified.
        if let Some(path) = default_history_file() {
            assert!(path.ends_with("sockai/history"));
        }
    }
}
