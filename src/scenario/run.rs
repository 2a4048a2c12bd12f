//! Running one scenario: its steps in order on its clients' connections, each bounded by the
//! step timeout and the run's deadline. No thread or runtime per step: one task per file.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::client::{Client, Fail, apply_flag};
use super::http;
use super::matcher::{self, Matcher, short};
use super::parse::{ConnectStep, Scenario, Step, StepKind};
use super::vars;
use crate::client::args::{DEFAULT_URL, payload_of};
use crate::client::command::{self, Command};
use crate::client::connect::ConnectError;
use crate::client::connection::{Connection, EncodedEvent, SendError};
use crate::client::options::ConnectOptions;
use crate::client::value::{self, Stdin};

pub struct Settings {
    pub step_timeout: Duration,
    /// The whole run's end (`--max-time`).
    pub deadline: Instant,
    pub vars: HashMap<String, String>,
    /// `--secret` names: their values (and those of `{{env.…}}`) are `***` in every report.
    pub secrets: std::collections::HashSet<String>,
    /// The `http` steps' clients, shared by every file.
    pub http: http::Clients,
}

/// Why a step failed.
#[derive(Debug, Clone)]
pub struct Failure {
    pub line: usize,
    pub client: String,
    /// The step as written.
    pub step: String,
    pub message: String,
    /// The last events on the client, oldest first.
    pub recent: Vec<String>,
    /// The connect itself failed (exit 3).
    pub connect: bool,
}

/// One step done, for the `--json` transcript.
pub struct StepDone<'a> {
    pub step: &'a Step,
    pub elapsed: Duration,
    pub error: Option<&'a str>,
}

pub async fn run_file(
    scenario: &Scenario,
    settings: &Settings,
    on_step: &mut (dyn FnMut(StepDone<'_>) + Send),
) -> Result<usize, Failure> {
    let mut run = Run::new(settings, scenario);
    let outcome = run.steps(&scenario.steps, on_step).await;
    run.close().await;
    outcome
}

impl<'a> Run<'a> {
    /// A scenario's clients and variables before its first step (`sockai bench --scenario`
    /// keeps one across passes over the steps: see load.rs).
    pub(super) fn new(settings: &'a Settings, scenario: &Scenario) -> Self {
        let mut run = Run {
            settings,
            vars: settings.vars.clone(),
            clients: HashMap::new(),
            secrets: Vec::new(),
            http: None,
            parsed: HashMap::new(),
            frames: HashMap::new(),
            said: format!(
                "within {}",
                humantime::format_duration(settings.step_timeout)
            ),
        };
        for name in &settings.secrets {
            if let Some(value) = settings.vars.get(name) {
                run.secret(value.clone());
            }
        }
        for step in &scenario.steps {
            for (_, name) in vars::references(&step.text).unwrap_or_default() {
                if let Some(env) = name.strip_prefix("env.")
                    && let Ok(value) = std::env::var(env)
                {
                    run.secret(value);
                }
            }
        }
        run
    }

    /// Run `steps` in order, up to the first failure (or `quit`): the number done.
    pub(super) async fn steps(
        &mut self,
        steps: &[Step],
        on_step: &mut (dyn FnMut(StepDone<'_>) + Send),
    ) -> Result<usize, Failure> {
        let mut done = 0;
        for step in steps {
            let started = Instant::now();
            let result = self.step(step).await.map_err(|fail| Fail {
                message: self.mask(&fail.message),
                ..fail
            });
            let error = result.as_ref().err().map(|f| f.message.as_str());
            on_step(StepDone {
                step,
                elapsed: started.elapsed(),
                error,
            });
            match result {
                Ok(true) => done += 1,
                Ok(false) => break,
                Err(fail) => return Err(self.failure(step, fail)),
            }
        }
        Ok(done)
    }

    fn failure(&mut self, step: &Step, fail: Fail) -> Failure {
        let recent = self
            .clients
            .get_mut(&step.client)
            .map(|c| {
                c.drain();
                c.recent
                    .iter()
                    .rev()
                    .take(5)
                    .rev()
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
            .iter()
            .map(|event| self.mask(event))
            .collect();
        Failure {
            line: step.line,
            client: step.client.clone(),
            step: step.text.clone(),
            message: fail.message,
            recent,
            connect: fail.connect,
        }
    }

    /// Say goodbye on every connection (each bounded) and forget the clients.
    pub(super) async fn close(&mut self) {
        for client in self.clients.values() {
            if let Some(connection) = &client.connection {
                tokio::time::timeout(Duration::from_secs(1), connection.disconnect())
                    .await
                    .ok();
            }
        }
        self.clients.clear();
    }
}

/// A scenario's clients and variables while it runs.
pub(super) struct Run<'a> {
    settings: &'a Settings,
    vars: HashMap<String, String>,
    clients: HashMap<String, Client>,
    /// Secret values, longest first.
    secrets: Vec<String>,
    /// The last `http` step's answer.
    http: Option<http::Response>,
    /// The REPL commands without variables, parsed, by line.
    parsed: HashMap<usize, Command>,
    /// `within --timeout`, for messages.
    said: String,
    /// Emits without variables, encoded once, by line (with their event's name).
    frames: HashMap<usize, (String, EncodedEvent)>,
}

impl Run<'_> {
    fn secret(&mut self, value: String) {
        if !value.is_empty() && !self.secrets.contains(&value) {
            self.secrets.push(value);
            self.secrets.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    /// `text` with every secret value shown as `***`.
    fn mask(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "***");
            }
        }
        text
    }

    fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |name: &str| match name.strip_prefix("env.") {
            Some(env) => std::env::var(env).ok(),
            None => self.vars.get(name).cloned(),
        }
    }

    fn subst(&self, text: &str) -> Result<String, Fail> {
        Ok(vars::substitute(text, &self.lookup())?)
    }

    /// The step's deadline and how long that is, said for a message.
    fn deadline(&self, within: Option<Duration>) -> (Instant, String) {
        let wanted = within.unwrap_or(self.settings.step_timeout);
        let end = Instant::now() + wanted;
        if end > self.settings.deadline {
            (
                self.settings.deadline,
                "before the run's --max-time ran out".to_owned(),
            )
        } else if within.is_none() {
            // Said once: most steps wait `--timeout`, again and again under `bench --scenario`.
            (end, self.said.clone())
        } else {
            (
                end,
                format!("within {}", humantime::format_duration(wanted)),
            )
        }
    }

    fn client(&mut self, name: &str) -> Result<&mut Client, Fail> {
        self.clients
            .get_mut(name)
            .ok_or_else(|| Fail::from(format!("client {name:?} is not connected")))
    }

    /// Run one step: `Ok(false)` ends the scenario (`quit`).
    async fn step(&mut self, step: &Step) -> Result<bool, Fail> {
        match &step.kind {
            StepKind::Connect(connect) => self.connect(&step.client, connect).await?,
            StepKind::Command => return self.command(step).await,
            StepKind::ReplyTo { event, args } => {
                let args = self.args(args)?;
                let (deadline, said) = self.deadline(None);
                let client = self.client(&step.client)?;
                let id = match client.asks.iter().position(|(name, _)| name == event) {
                    Some(at) => client.asks.remove(at).map_or(0, |(_, id)| id),
                    None => client.wait_ask(event, deadline, &said).await?,
                };
                client
                    .connected()?
                    .reply(id, args)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            StepKind::Expect {
                event,
                within,
                matchers,
            } => {
                let (deadline, said) = self.deadline(*within);
                let resolved = self.resolve(matchers)?;
                let client = self.client(&step.client)?;
                let payload = client.expect(event, deadline, &said).await?;
                check(matchers, &resolved, &payload)?;
            }
            StepKind::ExpectNo { event, within } => {
                let (deadline, _) = self.deadline(Some(*within));
                self.client(&step.client)?
                    .expect_none(event, deadline)
                    .await?;
            }
            StepKind::ExpectAck { matchers } => {
                let resolved = self.resolve(matchers)?;
                let client = self.client(&step.client)?;
                let Some(ack) = client.last_ack.clone() else {
                    return Err(
                        "no acknowledgement yet: `ack EVENT …` (or emit --ack) first".into(),
                    );
                };
                check(matchers, &resolved, &ack)?;
            }
            StepKind::ExpectDisconnect { reason } => {
                let (deadline, said) = self.deadline(None);
                let client = self.client(&step.client)?;
                client
                    .expect_disconnect(reason.as_deref(), deadline, &said)
                    .await?;
            }
            StepKind::Http(request) => {
                let resolved = http::Resolved::of(request, &|text| self.subst(text))?;
                let (deadline, said) = self.deadline(None);
                let timeout = deadline.saturating_duration_since(Instant::now());
                let response = http::send(&self.settings.http, resolved, timeout, &said).await?;
                let outcome = http::check_default_status(request, &response);
                self.http = Some(response);
                outcome?;
            }
            StepKind::ExpectHttp { status, matchers } => {
                let resolved = self.resolve(matchers)?;
                let response = self.http.as_ref().ok_or("no HTTP response yet")?;
                if !http::status_matches(status, response.status) {
                    return Err(format!("expected status {status}: {}", response.summary()).into());
                }
                check(matchers, &resolved, &response.body)?;
            }
            StepKind::Capture {
                name,
                pointer,
                regex,
                from_http,
            } => {
                let regex = match regex {
                    Some(re) => Some(matcher::compile(&self.subst(re)?)?),
                    None => None,
                };
                let last = if *from_http {
                    self.http
                        .as_ref()
                        .map(|r| &r.body)
                        .ok_or("no HTTP response yet")?
                } else {
                    let client = self.client(&step.client)?;
                    client
                        .last
                        .as_ref()
                        .ok_or("nothing to capture from: no event or acknowledgement yet")?
                };
                let value = matcher::capture(last, pointer, regex.as_ref())?;
                if self.settings.secrets.contains(name) {
                    self.secret(value.clone());
                }
                self.vars.insert(name.clone(), value);
            }
            StepKind::Sleep(duration) => {
                let until = (Instant::now() + *duration).min(self.settings.deadline);
                tokio::time::sleep_until(until).await;
                if until == self.settings.deadline {
                    return Err("the run's --max-time ran out".into());
                }
            }
        }
        Ok(true)
    }

    fn resolve(&self, matchers: &[Matcher]) -> Result<Vec<matcher::Resolved>, Fail> {
        let lookup = self.lookup();
        matchers
            .iter()
            .map(|m| m.resolve(&lookup).map_err(Fail::from))
            .collect()
    }

    /// Argument words with their variables replaced, read as the REPL reads them.
    fn args(&self, words: &[String]) -> Result<Vec<Value>, Fail> {
        let words = words
            .iter()
            .map(|w| self.subst(w))
            .collect::<Result<Vec<_>, _>>()?;
        value::resolve_args(&words, Stdin::None).map_err(|e| e.to_string().into())
    }

    async fn connect(&mut self, name: &str, step: &ConnectStep) -> Result<(), Fail> {
        let url = match &step.url {
            Some(url) => self.subst(url)?,
            None => self
                .vars
                .get("url")
                .cloned()
                .unwrap_or_else(|| DEFAULT_URL.to_owned()),
        };
        let mut options = ConnectOptions {
            connect_timeout: self.settings.step_timeout,
            ..ConnectOptions::default()
        };
        for (flag, value) in &step.flags {
            let value = match value {
                Some(v) => self.subst(v)?,
                None => String::new(),
            };
            apply_flag(&mut options, flag, &value)?;
        }
        let left = self
            .settings
            .deadline
            .saturating_duration_since(Instant::now());
        options.connect_timeout = options.connect_timeout.min(left);
        let (tx, events) = mpsc::unbounded_channel();
        let result = Connection::connect(&url, &options, tx).await;
        let mut client = Client {
            url,
            options,
            connection: None,
            events,
            recent: VecDeque::new(),
            last: None,
            last_ack: None,
            asks: VecDeque::new(),
            pending: VecDeque::new(),
        };
        let outcome = match (result, &step.expect_error) {
            (Ok(connection), None) => {
                client.connection = Some(connection);
                Ok(())
            }
            (Ok(connection), Some(_)) => {
                client.connection = Some(connection);
                Err("connected, but a connect_error was expected".into())
            }
            (Err(ConnectError::Rejected { message, data, .. }), Some(matchers)) => {
                let payload = json!({ "message": message, "data": data.map(|d| *d) });
                client
                    .recent
                    .push_back(format!("connect_error {}", short(&payload)));
                client.last = Some(payload.clone());
                let resolved = self.resolve(matchers)?;
                check(matchers, &resolved, &payload)
            }
            (Err(e), _) => Err(Fail {
                message: e.to_string(),
                connect: true,
            }),
        };
        self.clients.insert(name.to_owned(), client);
        outcome
    }

    /// A REPL command line, as `sockai connect` runs it.
    async fn command(&mut self, step: &Step) -> Result<bool, Fail> {
        // `sockai bench --scenario` sends the same event again and again: encoded once.
        if let Some((event, frame)) = self.frames.get(&step.line)
            && let Some(sent) = (self.clients.get(&step.client))
                .and_then(|c| c.connection.as_ref())
                .and_then(|c| c.emit_encoded(frame))
        {
            sent.map_err(|e| format!("emit `{event}`: {e}"))?;
            return Ok(true);
        }
        let cacheable = !step.text.contains("{{");
        let mut encoded = None;
        let command = if step.text.contains("{{") {
            let (words, _) = super::parse::words(&step.text).map_err(|e| e.to_string())?;
            match words.first().map(String::as_str) {
                Some(name @ ("emit" | "ack")) => {
                    let (ack, rest) = match words.get(1) {
                        Some(flag) if flag == "--ack" => (true, &words[2..]),
                        _ => (name == "ack", &words[1..]),
                    };
                    let (event, args) = rest.split_first().ok_or("usage: emit EVENT [arg …]")?;
                    Command::Emit {
                        event: matcher::unquote(&self.subst(event)?),
                        args: self.args(args)?,
                        ack,
                    }
                }
                Some("reply") if words.len() > 1 => Command::Reply {
                    ack_id: self
                        .subst(&words[1])?
                        .parse()
                        .map_err(|_| "not an acknowledgement id")?,
                    args: self.args(&words[2..])?,
                },
                _ => command::parse(&self.subst(&step.text)?)?,
            }
        } else if let Some(parsed) = self.parsed.get(&step.line) {
            // `sockai bench --scenario` runs a step again and again: parse it once.
            parsed.clone()
        } else {
            let parsed = command::parse(&step.text)?;
            self.parsed.insert(step.line, parsed.clone());
            parsed
        };
        let (deadline, said) = self.deadline(None);
        let timeout = deadline.saturating_duration_since(Instant::now());
        let client = self.client(&step.client)?;
        match command {
            Command::Emit {
                event,
                args,
                ack: false,
            } => {
                let connection = client.connected()?;
                let failed = |e: SendError| format!("emit `{event}`: {e}");
                if cacheable {
                    let frame = connection.encode_event(&event, args).map_err(failed)?;
                    if let Some(sent) = connection.emit_encoded(&frame) {
                        sent.map_err(failed)?;
                    }
                    encoded = Some((event, frame));
                } else {
                    connection.emit_queued(&event, args).map_err(failed)?;
                }
            }
            Command::Emit {
                event,
                args,
                ack: true,
            } => {
                let (args, _) = client
                    .connected()?
                    .emit_with_ack(&event, args, timeout)
                    .await
                    .map_err(|e| match e {
                        SendError::AckTimeout(_) => {
                            format!("no acknowledgement of `{event}` {said}")
                        }
                        e => format!("ack `{event}`: {e}"),
                    })?;
                let payload = payload_of(&args);
                client.drain();
                client
                    .recent
                    .push_back(format!("ack of {event} {}", short(&payload)));
                client.trim();
                client.last_ack = Some(payload.clone());
                client.last = Some(payload);
            }
            Command::Ai(prompt) => {
                let args = vec![json!({ "prompt": prompt })];
                client
                    .connected()?
                    .emit(crate::wire::event::AI_MESSAGE, args)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Command::Msg(value) => {
                client
                    .connected()?
                    .emit(crate::wire::event::MESSAGE, vec![value])
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Command::Reply { ack_id, args } => {
                client
                    .connected()?
                    .reply(ack_id, args)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Command::Wait { event, timeout } => {
                let (deadline, said) = self.deadline(timeout);
                let client = self.client(&step.client)?;
                client.expect(&event, deadline, &said).await?;
            }
            Command::Disconnect => {
                if let Some(connection) = client.connection.take() {
                    tokio::time::timeout(timeout, connection.disconnect())
                        .await
                        .ok();
                }
            }
            Command::Reconnect => {
                if let Some(connection) = client.connection.take() {
                    tokio::time::timeout(timeout, connection.disconnect())
                        .await
                        .ok();
                }
                let (tx, events) = mpsc::unbounded_channel();
                let connection = Connection::connect(&client.url, &client.options, tx)
                    .await
                    .map_err(|e| Fail {
                        message: format!("reconnect: {e} ({said})"),
                        connect: true,
                    })?;
                client.events = events;
                client.pending.clear();
                client.connection = Some(connection);
            }
            Command::Quit => return Ok(false),
            Command::Empty
            | Command::On(_)
            | Command::Off(_)
            | Command::Only(_)
            | Command::Status
            | Command::Clear
            | Command::Help(_) => {}
        }
        if let Some(encoded) = encoded {
            self.frames.insert(step.line, encoded);
        }
        Ok(true)
    }
}

fn check(
    matchers: &[Matcher],
    resolved: &[matcher::Resolved],
    payload: &Value,
) -> Result<(), Fail> {
    for (m, r) in matchers.iter().zip(resolved) {
        m.check(r, payload)
            .map_err(|why| format!("expected {}: {why}", m.describe()))?;
    }
    Ok(())
}
