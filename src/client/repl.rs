//! `sockai connect`: the REPL on a terminal, JSON lines when scripted.
//!
//! One async loop owns the session: it receives command lines (from rustyline on a thread of
//! its own, or from stdin), connection events and finished acks, and prints through
//! [`Printer`]. On a terminal, lines printed while the user types go through rustyline's
//! external printer, so the half-typed input is redrawn below them.

use std::collections::{BTreeSet, HashMap};
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, ExternalPrinter, Helper};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::args::open_brackets;
use super::command::{self, COMMANDS, Command};
use super::connection::{ClientEvent, ConnectOptions, Connection, SendError};
use super::emit::{AI_MESSAGE_CHUNK, millis};
use super::output::{LineSink, Printer};
use crate::wire::{self, event};

/// How long `wait` waits when the script gives no timeout.
const DEFAULT_WAIT: Duration = Duration::from_secs(10);
/// How long a disconnect may take before we stop caring.
const DISCONNECT_GRACE: Duration = Duration::from_secs(2);

pub struct Settings {
    pub options: ConnectOptions,
    pub ack_timeout: Duration,
    pub history_file: Option<PathBuf>,
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

/// What the session shows of incoming events.
#[derive(Debug, Clone, PartialEq)]
enum Filter {
    All { hidden: BTreeSet<String> },
    Only { shown: BTreeSet<String> },
}

impl Filter {
    fn shows(&self, name: &str) -> bool {
        match self {
            Self::All { hidden } => !hidden.contains(name),
            Self::Only { shown } => shown.contains(name),
        }
    }

    fn describe(&self) -> Value {
        match self {
            Self::All { hidden } => json!({ "show": "all", "hidden": hidden }),
            Self::Only { shown } => json!({ "show": "only", "shown": shown }),
        }
    }

    fn human(&self) -> String {
        match self {
            Self::All { hidden } if hidden.is_empty() => "showing every event".to_owned(),
            Self::All { hidden } => format!(
                "showing every event except {}",
                hidden.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            Self::Only { shown } if shown.is_empty() => "showing no events".to_owned(),
            Self::Only { shown } => format!(
                "showing only {}",
                shown.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Connected,
    /// The library reported an error: the server may be gone; it may reconnect on its own.
    Troubled(String),
    Disconnected(String),
}

struct AckOutcome {
    event: String,
    result: Result<(Vec<Value>, Duration), SendError>,
}

struct Session<'a> {
    settings: Settings,
    printer: &'a Printer,
    json: bool,
    connection: Option<Arc<Connection>>,
    namespace: String,
    state: State,
    events_tx: mpsc::UnboundedSender<ClientEvent>,
    events: mpsc::UnboundedReceiver<ClientEvent>,
    filter: Filter,
    /// Event names seen so far, for tab completion.
    seen: Arc<Mutex<BTreeSet<String>>>,
    acks: JoinSet<AckOutcome>,
    /// Arrivals not yet consumed by a `wait`, per name.
    arrived: HashMap<String, usize>,
    waiting: Option<(String, Instant)>,
    /// The streamed answer being assembled from `ai-message-chunk` deltas (terminal only).
    answer: Option<String>,
    /// Prompt text shared with the line-editor thread.
    prompt: Arc<Mutex<String>>,
    /// A scripted command failed: the exit status will be 1.
    failed: bool,
    /// The session starts connected: that first `Connected` does not count for `wait connect`,
    /// which waits for a reconnection.
    first_connect: bool,
}

enum Flow {
    Continue,
    Quit,
}

/// Stdin is not a terminal (or `--json`): commands line by line, JSON records out.
pub async fn run_script(settings: Settings, printer: &Printer) -> i32 {
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
    let Some(mut session) = Session::open(settings, printer, true).await else {
        return wire::exit::CONNECT;
    };
    session.run(rx, None).await
}

/// A terminal: the rustyline REPL.
pub async fn run_interactive(settings: Settings, printer: &Printer) -> i32 {
    let history = settings.history_file.clone();
    let Some(mut session) = Session::open(settings, printer, false).await else {
        return wire::exit::CONNECT;
    };
    let (lines_tx, lines_rx) = mpsc::unbounded_channel();
    let (ask_tx, ask_rx) = std::sync::mpsc::channel::<bool>();
    let (sink_tx, sink_rx) = std::sync::mpsc::channel::<Option<Box<dyn LineSink>>>();
    let helper = ReplHelper {
        seen: session.seen.clone(),
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
    let code = session.run(lines_rx, Some(&ask_tx)).await;
    // Stop the editor (it is waiting for a "next line" that never comes) so it restores the
    // terminal and saves the history before we exit.
    ask_tx.send(false).ok();
    printer.set_sink(None);
    editor_thread.join().ok();
    code
}

/// The rustyline thread: reads one line each time the session asks for one.
fn line_editor(
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

impl<'a> Session<'a> {
    /// Connect; on failure print the one-line cause and return `None` (exit 3).
    async fn open(settings: Settings, printer: &'a Printer, json: bool) -> Option<Self> {
        let (events_tx, events) = mpsc::unbounded_channel();
        let connection = match Connection::connect(&settings.options, events_tx.clone()).await {
            Ok(connection) => connection,
            Err(e) => {
                printer.error(&e.to_string());
                return None;
            }
        };
        let namespace = connection.namespace().to_owned();
        Some(Self {
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
            arrived: HashMap::new(),
            waiting: None,
            answer: None,
            prompt: Arc::new(Mutex::new("sockai> ".to_owned())),
            failed: false,
            first_connect: true,
        })
    }

    async fn run(
        &mut self,
        mut input: mpsc::UnboundedReceiver<Input>,
        ask: Option<&std::sync::mpsc::Sender<bool>>,
    ) -> i32 {
        let request_line = |session: &Self| {
            if let Some(ask) = ask {
                session.update_prompt();
                ask.send(true).ok();
            }
        };
        request_line(self);
        let mut input_open = true;
        loop {
            if self.printer.stdout_closed() {
                break;
            }
            let wait_deadline = self.waiting.as_ref().map(|(_, at)| *at);
            tokio::select! {
                biased;
                Some(event) = self.events.recv() => {
                    let was_waiting = self.waiting.is_some();
                    self.on_event(event);
                    if was_waiting && self.waiting.is_none() {
                        request_line(self);
                    }
                }
                Some(done) = self.acks.join_next(), if !self.acks.is_empty() => {
                    if let Ok(outcome) = done {
                        self.on_ack(outcome);
                    }
                }
                () = sleep_until_opt(wait_deadline) => {
                    if let Some((name, _)) = self.waiting.take() {
                        self.fail(&format!("timed out waiting for `{name}`"));
                        request_line(self);
                    }
                }
                line = input.recv(), if input_open && self.waiting.is_none() => {
                    match line {
                        Some(Input::Line(line)) => {
                            if let Flow::Quit = self.on_line(&line).await {
                                break;
                            }
                            if self.waiting.is_none() {
                                request_line(self);
                            }
                        }
                        Some(Input::Eof) | None => input_open = false,
                    }
                }
                else => break,
            }
            if !input_open && self.waiting.is_none() {
                break;
            }
        }
        self.finish().await;
        if self.failed {
            wire::exit::FAILURE
        } else {
            wire::exit::OK
        }
    }

    /// End of input: let pending acks finish (each is bounded by its timeout), then leave.
    async fn finish(&mut self) {
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

    fn update_prompt(&self) {
        let text = match &self.state {
            State::Connected if self.namespace == "/" => "sockai> ".to_owned(),
            State::Connected => format!("sockai {}> ", self.namespace),
            State::Troubled(_) => "sockai (connection trouble)> ".to_owned(),
            State::Disconnected(_) => "sockai (disconnected)> ".to_owned(),
        };
        if let Ok(mut prompt) = self.prompt.lock() {
            *prompt = text;
        }
    }

    fn fail(&mut self, message: &str) {
        self.failed = true;
        self.show_error(message);
    }

    fn show_error(&self, message: &str) {
        if self.json {
            self.printer.record("error", json!({ "message": message }));
        } else {
            self.printer
                .out(&self.printer.lifecycle(&format!("error: {message}"), false));
        }
    }

    fn info(&self, text: &str) {
        if !self.json {
            self.printer.out(&self.printer.dim(text));
        }
    }

    // ---- incoming ----

    fn on_event(&mut self, event: ClientEvent) {
        match event {
            ClientEvent::Connected { namespace, .. } => {
                self.state = State::Connected;
                self.namespace = namespace.clone();
                let url = self.settings.options.url.clone();
                if self.json {
                    self.printer
                        .record("connect", json!({ "url": url, "namespace": namespace }));
                } else {
                    self.printer.out(
                        &self.printer.lifecycle(
                            &format!("connected to {url} (namespace {namespace})"),
                            true,
                        ),
                    );
                }
                if !std::mem::take(&mut self.first_connect) {
                    self.arrive("connect");
                }
            }
            ClientEvent::Disconnected { reason } => {
                self.flush_answer();
                self.state = State::Disconnected(reason.clone());
                if self.json {
                    self.printer
                        .record("disconnect", json!({ "reason": reason }));
                } else {
                    self.printer.out(
                        &self
                            .printer
                            .lifecycle(&format!("disconnected: {reason}"), false),
                    );
                }
                self.arrive("disconnect");
            }
            ClientEvent::Error { message } => {
                self.flush_answer();
                if self.json {
                    self.printer.record("error", json!({ "message": message }));
                } else {
                    self.printer
                        .out(&self.printer.lifecycle(&format!("error: {message}"), false));
                    if self.settings.options.reconnect {
                        self.printer.out(&self.printer.warning(
                            "── the connection may be lost; reconnecting in the background…",
                        ));
                    }
                }
                // The library reports a dead server only as an error, never as a close.
                if self.state == State::Connected {
                    self.state = State::Troubled(message);
                }
                self.arrive("disconnect");
            }
            ClientEvent::Event { name, args, .. } => {
                if let Ok(mut seen) = self.seen.lock() {
                    seen.insert(name.clone());
                }
                if self.filter.shows(&name) {
                    self.show_event(&name, &args);
                }
                self.arrive(&name);
            }
            ClientEvent::Reconnecting { .. } => {}
        }
        self.update_prompt();
    }

    /// Count an arrival for `wait`, or end the wait it satisfies.
    fn arrive(&mut self, name: &str) {
        if self.waiting.as_ref().is_some_and(|(w, _)| w == name) {
            self.waiting = None;
        } else {
            *self.arrived.entry(name.to_owned()).or_default() += 1;
        }
    }

    fn show_event(&mut self, name: &str, args: &[Value]) {
        if self.json {
            self.printer.record(
                "received",
                json!({ "event": name, "namespace": self.namespace, "args": args }),
            );
            return;
        }
        // A streamed answer grows line by line until `ai-message-response` closes it.
        if name == AI_MESSAGE_CHUNK
            && let Some(delta) = args
                .first()
                .and_then(|a| a.get("delta"))
                .and_then(Value::as_str)
        {
            if self.answer.is_none() {
                self.printer
                    .out(&self.printer.event_line(&self.namespace, name, &[]));
            }
            let answer = self.answer.get_or_insert_with(String::new);
            answer.push_str(delta);
            self.flush_answer_lines(false);
            return;
        }
        if name == event::AI_MESSAGE_RESPONSE || name == event::AI_MESSAGE_ERROR {
            self.flush_answer();
        }
        self.printer
            .out(&self.printer.event_line(&self.namespace, name, args));
    }

    /// Print the finished lines of the streamed answer (all of it when `all`). Long lines are
    /// broken at a space so that the answer visibly grows even without newlines.
    fn flush_answer_lines(&mut self, all: bool) {
        let Some(answer) = self.answer.as_mut() else {
            return;
        };
        let mut lines = Vec::new();
        loop {
            if let Some(at) = answer.find('\n') {
                lines.push(answer[..at].to_owned());
                answer.drain(..=at);
            } else if answer.chars().count() > 72
                && let Some(at) = answer[..answer.len().min(72)].rfind(' ')
            {
                lines.push(answer[..at].to_owned());
                answer.drain(..=at);
            } else {
                break;
            }
        }
        if all && !answer.is_empty() {
            lines.push(std::mem::take(answer));
        }
        for line in lines {
            self.printer.out(&self.printer.answer_text(&line));
        }
    }

    fn flush_answer(&mut self) {
        self.flush_answer_lines(true);
        self.answer = None;
    }

    fn on_ack(&mut self, outcome: AckOutcome) {
        match outcome.result {
            Ok((args, took)) => {
                if self.json {
                    self.printer.record(
                        "ack",
                        json!({ "event": outcome.event, "args": args, "ms": millis(took) }),
                    );
                } else {
                    self.printer
                        .out(&self.printer.ack_line(&outcome.event, &args, millis(took)));
                }
            }
            Err(SendError::AckTimeout(after)) => self.fail(&format!(
                "no acknowledgement of `{}` within {}",
                outcome.event,
                humantime::format_duration(after)
            )),
            Err(e) => self.fail(&format!("`{}`: {e}", outcome.event)),
        }
    }

    // ---- commands ----

    async fn on_line(&mut self, line: &str) -> Flow {
        let command = match command::parse(line) {
            Ok(command) => command,
            Err(message) => {
                self.fail(&message);
                return Flow::Continue;
            }
        };
        match command {
            Command::Empty => {}
            Command::Quit => return Flow::Quit,
            Command::Ai(prompt) => {
                self.send(event::AI_MESSAGE, vec![json!({ "prompt": prompt })], false)
                    .await;
            }
            Command::Msg(value) => self.send(event::MESSAGE, vec![value], false).await,
            Command::Emit { event, args, ack } => self.send(&event, args, ack).await,
            Command::On(names) => {
                if names.is_empty() {
                    self.filter = Filter::All {
                        hidden: BTreeSet::new(),
                    };
                } else {
                    match &mut self.filter {
                        Filter::All { hidden } => names.iter().for_each(|n| {
                            hidden.remove(n);
                        }),
                        Filter::Only { shown } => shown.extend(names),
                    }
                }
                self.show_filter();
            }
            Command::Off(names) => {
                match &mut self.filter {
                    Filter::All { hidden } => hidden.extend(names),
                    Filter::Only { shown } => names.iter().for_each(|n| {
                        shown.remove(n);
                    }),
                }
                self.show_filter();
            }
            Command::Only(names) => {
                self.filter = Filter::Only {
                    shown: names.into_iter().collect(),
                };
                self.show_filter();
            }
            Command::Wait { event, timeout } => match self.arrived.get_mut(&event) {
                Some(count) if *count > 0 => *count -= 1,
                _ => {
                    let deadline = Instant::now() + timeout.unwrap_or(DEFAULT_WAIT);
                    self.waiting = Some((event, deadline));
                }
            },
            Command::Status => self.status(),
            Command::Disconnect => {
                self.flush_answer();
                match self.connection.take() {
                    Some(connection) => {
                        tokio::time::timeout(DISCONNECT_GRACE, connection.disconnect())
                            .await
                            .ok();
                        self.on_event(ClientEvent::Disconnected {
                            reason: "client disconnect".to_owned(),
                        });
                    }
                    None => self.info("not connected"),
                }
            }
            Command::Reconnect => self.reconnect().await,
            Command::Clear => {
                if !self.json {
                    // ANSI: erase the screen, cursor home. The prompt is redrawn after it.
                    self.printer.out("\x1b[2J\x1b[H");
                }
            }
            Command::Help(topic) => match command::help(topic.as_deref()) {
                Ok(text) if self.json => self.printer.record("help", json!({ "text": text })),
                Ok(text) => self.printer.out(&text),
                Err(message) => self.fail(&message),
            },
        }
        Flow::Continue
    }

    async fn send(&mut self, event: &str, args: Vec<Value>, ack: bool) {
        let connection = match (&self.connection, &self.state) {
            // After the server's goodbye the library would drop emits silently.
            (Some(connection), State::Connected | State::Troubled(_)) => connection.clone(),
            _ => {
                self.fail(&format!(
                    "cannot emit `{event}`: not connected (type `reconnect`)"
                ));
                return;
            }
        };
        if self.json {
            self.printer
                .record("sent", json!({ "event": event, "args": args, "ack": ack }));
        } else {
            self.printer.out(&self.printer.sent_line(event, &args));
        }
        if ack {
            let timeout = self.settings.ack_timeout;
            let event = event.to_owned();
            self.acks.spawn(async move {
                let result = connection.emit_with_ack(&event, args, timeout).await;
                AckOutcome { event, result }
            });
        } else if let Err(e) = connection.emit(event, args).await {
            self.fail(&format!("cannot emit `{event}`: {e}"));
        }
    }

    async fn reconnect(&mut self) {
        if let Some(old) = self.connection.take() {
            tokio::time::timeout(DISCONNECT_GRACE, old.disconnect())
                .await
                .ok();
        }
        if !self.json {
            self.printer.out(
                &self
                    .printer
                    .warning(&format!("── connecting to {}…", self.settings.options.url)),
            );
        }
        match Connection::connect(&self.settings.options, self.events_tx.clone()).await {
            Ok(connection) => self.connection = Some(Arc::new(connection)),
            Err(e) => {
                self.state = State::Disconnected(e.to_string());
                self.fail(&e.to_string());
            }
        }
    }

    fn show_filter(&self) {
        if self.json {
            self.printer.record("filter", self.filter.describe());
        } else {
            self.info(&self.filter.human());
        }
    }

    fn status(&self) {
        let (state, detail) = match &self.state {
            State::Connected if self.connection.is_some() => ("connected", None),
            State::Connected => ("disconnected", None),
            State::Troubled(why) => ("connection trouble", Some(why.clone())),
            State::Disconnected(why) => ("disconnected", Some(why.clone())),
        };
        let options = &self.settings.options;
        if self.json {
            self.printer.record(
                "status",
                json!({
                    "state": state,
                    "detail": detail,
                    "url": options.url,
                    "namespace": self.namespace,
                    "pending_acks": self.acks.len(),
                    "filter": self.filter.describe(),
                }),
            );
        } else {
            let mut lines = vec![
                format!(
                    "state:     {state}{}",
                    detail.map(|d| format!(" ({d})")).unwrap_or_default()
                ),
                format!("url:       {}", options.url),
                format!("namespace: {}", self.namespace),
                format!("filter:    {}", self.filter.human()),
                format!("pending acks: {}", self.acks.len()),
            ];
            if let Ok(seen) = self.seen.lock()
                && !seen.is_empty()
            {
                lines.push(format!(
                    "events seen: {}",
                    seen.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            self.printer.out(&lines.join("\n"));
        }
    }
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

// ---- rustyline helper: completion, hints, multi-line JSON ----

struct ReplHelper {
    seen: Arc<Mutex<BTreeSet<String>>>,
    color: bool,
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
        let candidates: Vec<Pair> = match earlier.as_slice() {
            [] => COMMANDS
                .iter()
                .map(|(name, _, _)| *name)
                .filter(|name| name.starts_with(word))
                .map(pair)
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
        let (_, usage, _) = COMMANDS.iter().find(|(n, _, _)| *n == name)?;
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

    #[test]
    fn filters_show_and_hide() {
        let mut filter = Filter::All {
            hidden: BTreeSet::new(),
        };
        assert!(filter.shows("x"));
        if let Filter::All { hidden } = &mut filter {
            hidden.insert("x".into());
        }
        assert!(!filter.shows("x"));
        assert!(filter.shows("y"));
        let only = Filter::Only {
            shown: ["a".to_owned()].into(),
        };
        assert!(only.shows("a"));
        assert!(!only.shows("b"));
        assert_eq!(only.human(), "showing only a");
    }

    #[test]
    fn history_lives_in_the_xdg_data_dir() {
        // Read-only check of the rule; the environment is not modified.
        if let Some(path) = default_history_file() {
            assert!(path.ends_with("sockai/history"));
        }
    }
}
