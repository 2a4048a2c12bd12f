//! The session loop: one task owns the connection, the command lines, the events and the acks.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::arrivals::{Arrivals, Waiting};
use super::filter::Filter;
use super::record::Recorder;
use super::server_acks::ServerAcks;
use super::{Input, Settings};
use crate::client::connect::ConnectError;
use crate::client::connection::{ClientEvent, Connection, SendError};
use crate::client::error::ClientError;
use crate::client::output::Printer;

/// How long `wait` waits when the script gives no timeout.
pub(super) const DEFAULT_WAIT: Duration = Duration::from_secs(10);
/// The reason of a disconnect the user typed.
pub(super) const CLIENT_DISCONNECT: &str = "client disconnect";
/// How long a disconnect may take before we stop caring.
pub(super) const DISCONNECT_GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq)]
pub(super) enum State {
    Connected,
    Disconnected(String),
}

pub(super) struct AckOutcome {
    pub(super) event: String,
    /// The line's entry in the recording.
    pub(super) entry: Option<usize>,
    pub(super) result: Result<(Vec<Value>, Duration), SendError>,
}

pub(super) struct Session<'a> {
    pub(super) settings: Settings,
    pub(super) printer: &'a Printer,
    pub(super) json: bool,
    pub(super) connection: Option<Arc<Connection>>,
    pub(super) namespace: String,
    pub(super) state: State,
    pub(super) events_tx: mpsc::UnboundedSender<ClientEvent>,
    pub(super) events: mpsc::UnboundedReceiver<ClientEvent>,
    pub(super) filter: Filter,
    /// Event names seen so far, for tab completion.
    pub(super) seen: Arc<Mutex<BTreeSet<String>>>,
    pub(super) acks: JoinSet<AckOutcome>,
    /// Acknowledgements the server asked for and nobody answered yet: id → event name.
    /// Forgotten on disconnect, as the client forgets them.
    pub(super) server_acks: ServerAcks,
    /// Arrivals not yet taken by a `wait` or `expect`, per name.
    pub(super) arrived: Arrivals,
    /// What the session waits for before it reads the next line.
    pub(super) waiting: Option<Waiting>,
    /// The payload of the last event waited for or acknowledgement received (checks, captures).
    pub(super) last: Option<Value>,
    pub(super) last_ack: Option<Value>,
    /// `capture`d variables.
    pub(super) vars: HashMap<String, String>,
    /// Lines of a saved block still to run.
    pub(super) queued: VecDeque<String>,
    /// The last lines that ran (what `save` keeps).
    pub(super) remembered: VecDeque<String>,
    /// Names in the collection, shared with the editor for completion.
    pub(super) saved_names: Arc<Mutex<Vec<String>>>,
    pub(super) recorder: Option<Recorder>,
    /// The recording's entry of the line running now.
    pub(super) current_entry: Option<usize>,
    /// Errors so far: a line that added one is not recorded.
    pub(super) errors: usize,
    /// The streamed answer being assembled from `ai-message-chunk` deltas (terminal only).
    pub(super) answer: Option<String>,
    /// Prompt text shared with the line-editor thread.
    pub(super) prompt: Arc<Mutex<String>>,
    /// A scripted command failed: the exit status will be 1.
    pub(super) failed: bool,
    /// The session starts connected: that first `Connected` does not count for `wait connect`,
    /// which waits for a reconnection.
    pub(super) first_connect: bool,
}

pub(super) enum Flow {
    Continue,
    Quit,
}

impl<'a> Session<'a> {
    /// Connect; the error is the command's (exit 3).
    pub(super) async fn open(
        settings: Settings,
        printer: &'a Printer,
        json: bool,
    ) -> Result<Self, ConnectError> {
        let (events_tx, events) = mpsc::unbounded_channel();
        let connection =
            Connection::connect(&settings.url, &settings.options, events_tx.clone()).await?;
        let namespace = connection.namespace().to_owned();
        Ok(Self {
            settings,
            printer,
            json,
            connection: Some(Arc::new(connection)),
            namespace,
            state: State::Connected,
            events_tx,
            events,
            filter: Filter::All {
                hidden: BTreeSet::new(),
            },
            seen: Arc::default(),
            acks: JoinSet::new(),
            server_acks: ServerAcks::default(),
            arrived: Arrivals::default(),
            waiting: None,
            last: None,
            last_ack: None,
            vars: HashMap::new(),
            queued: VecDeque::new(),
            remembered: VecDeque::new(),
            saved_names: Arc::default(),
            recorder: None,
            current_entry: None,
            errors: 0,
            answer: None,
            prompt: Arc::new(Mutex::new("sockai> ".to_owned())),
            failed: false,
            first_connect: true,
        })
    }

    pub(super) async fn run(
        &mut self,
        mut input: mpsc::UnboundedReceiver<Input>,
        ask: Option<&std::sync::mpsc::Sender<bool>>,
    ) -> Result<(), ClientError> {
        // The editor is asked for one line at a time, once the session is idle.
        let mut asked = false;
        let mut input_open = true;
        loop {
            if self.printer.stdout_closed() {
                break;
            }
            let idle = self.waiting.is_none();
            if idle && let Some(line) = self.queued.pop_front() {
                if let Flow::Quit = self.on_input(&line, true).await {
                    break;
                }
                continue;
            }
            if idle
                && !asked
                && input_open
                && let Some(ask) = ask
            {
                self.update_prompt();
                ask.send(true).ok();
                asked = true;
            }
            let wait_deadline = self.waiting.as_ref().map(|w| w.until);
            tokio::select! {
                biased;
                Some(event) = self.events.recv() => self.on_event(event),
                Some(done) = self.acks.join_next(), if !self.acks.is_empty() => {
                    if let Ok(outcome) = done {
                        self.on_ack(outcome);
                    }
                }
                () = sleep_until_opt(wait_deadline) => {
                    if let Some(waiting) = self.waiting.take() {
                        self.end_wait(waiting, None);
                    }
                }
                line = input.recv(), if input_open && idle => {
                    asked = false;
                    match line {
                        Some(Input::Line(line)) => {
                            if let Flow::Quit = self.on_input(&line, false).await {
                                break;
                            }
                        }
                        Some(Input::Eof) | None => input_open = false,
                    }
                }
                else => break,
            }
            if !input_open && self.waiting.is_none() && self.queued.is_empty() {
                break;
            }
        }
        self.finish().await;
        self.write_recording();
        if self.failed {
            Err(ClientError::Script)
        } else {
            Ok(())
        }
    }

    /// End of input: let pending acks finish (each is bounded by its timeout), then leave.
    pub(super) async fn finish(&mut self) {
        while let Some(done) = self.acks.join_next().await {
            if let Ok(outcome) = done {
                self.on_ack(outcome);
            }
        }
        // Show what already arrived, so a script sees everything up to its end.
        while let Ok(event) = self.events.try_recv() {
            self.on_event(event);
        }
        self.flush_answer();
        // No DISCONNECT packet here: Node socket.io drops an event whose DISCONNECT follows
        // right behind it, and a script typically ends with an emit. Exiting closes the
        // transport, which the server sees only after it has dispatched what came before.
    }

    pub(super) fn update_prompt(&self) {
        let text = match &self.state {
            State::Connected if self.namespace == "/" => "sockai> ".to_owned(),
            State::Connected => format!("sockai {}> ", self.namespace),
            State::Disconnected(_) => "sockai (disconnected)> ".to_owned(),
        };
        if let Ok(mut prompt) = self.prompt.lock() {
            *prompt = text;
        }
    }

    pub(super) fn fail(&mut self, message: &str) {
        self.failed = true;
        self.errors += 1;
        self.show_error(message);
        if !self.queued.is_empty() {
            self.queued.clear();
            self.info("── the rest of the saved block is not run");
        }
    }

    pub(super) fn show_error(&self, message: &str) {
        if self.json {
            self.printer.record("error", json!({ "message": message }));
        } else {
            self.printer
                .out(&self.printer.lifecycle(&format!("error: {message}"), false));
        }
    }

    pub(super) fn info(&self, text: &str) {
        if !self.json {
            self.printer.out(&self.printer.dim(text));
        }
    }
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Session<'_> {
    /// At the end of the session: the recording, replaced atomically.
    pub(super) fn write_recording(&mut self) {
        let Some(recorder) = &self.recorder else {
            return;
        };
        let stamp = crate::client::output::timestamp();
        let text = recorder.render(stamp.get(..16).unwrap_or(&stamp));
        let path = recorder.path.clone();
        match crate::atomic::write_atomically(&path, &text) {
            Ok(()) if self.json => self.printer.record(
                "recorded",
                serde_json::json!({ "file": path.display().to_string() }),
            ),
            Ok(()) => self.info(&format!(
                "recorded the session in {} (sockai run {} --var url=…)",
                path.display(),
                path.display()
            )),
            Err(e) => self.fail(&format!("cannot write {}: {e}", path.display())),
        }
    }
}
