//! `sockai emit`: connect, emit, wait for what was asked, check it, exit with a status CI can
//! trust.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::args::{Assertion, payload_of};
use super::connect::ConnectError;
use super::connection::{ClientEvent, Connection, SendError};
use super::options::ConnectOptions;
use super::output::Printer;
use crate::wire;

/// What goes to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Payloads, one compact JSON value per line.
    Payloads,
    /// A JSON-lines transcript of everything.
    Json,
    /// Nothing.
    Quiet,
}

#[derive(Debug, Clone)]
pub struct EmitPlan {
    pub url: String,
    pub options: ConnectOptions,
    pub event: String,
    pub args: Vec<Value>,
    pub expect: Vec<String>,
    pub ack: bool,
    /// `--ack-reply`: the arguments every server acknowledgement request is answered with.
    pub ack_reply: Option<Vec<Value>>,
    pub timeout: Duration,
    pub print_chunks: bool,
    pub asserts: Vec<Assertion>,
    pub count: u32,
    pub interval: Duration,
    pub mode: Mode,
}

#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// An expectation or assertion did not hold, or the wait timed out.
    #[error("{0}")]
    Failed(String),
}

impl EmitError {
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Connect(e) if e.is_usage() => wire::exit::USAGE,
            Self::Connect(_) => wire::exit::CONNECT,
            Self::Failed(_) => wire::exit::FAILURE,
        }
    }
}

pub async fn run(plan: &EmitPlan, printer: &Printer) -> Result<(), EmitError> {
    let deadline = Instant::now() + plan.timeout;
    let mut options = plan.options.clone();
    // `--timeout` bounds the whole run, the handshake included.
    options.connect_timeout = options.connect_timeout.min(plan.timeout);
    let (tx, mut events) = mpsc::unbounded_channel();
    let connection = Connection::connect(&plan.url, &options, tx).await?;
    let mut run = Run {
        plan,
        printer,
        connection: &connection,
        events: &mut events,
        deadline,
    };
    let outcome = run.all().await;
    let outcome = match (outcome, run.drain().await) {
        (Ok(()), drained) => drained,
        (failed, _) => failed,
    };
    if plan.ack || !plan.expect.is_empty() {
        // Leave politely, but never let a stuck transport hold up the exit status.
        tokio::time::timeout(Duration::from_secs(2), connection.disconnect())
            .await
            .ok();
    }
    // Otherwise nothing proves the server has handled the event yet, and Node socket.io drops
    // an event whose DISCONNECT packet follows right behind it ("ignore packet received after
    // disconnection"). Exiting closes the transport instead, which the server sees only after
    // it has dispatched the event.
    if let Err(EmitError::Failed(reason)) = &outcome
        && plan.mode == Mode::Json
    {
        printer.record("error", json!({ "message": reason }));
    }
    outcome
}

struct Run<'a> {
    plan: &'a EmitPlan,
    printer: &'a Printer,
    connection: &'a Connection,
    events: &'a mut mpsc::UnboundedReceiver<ClientEvent>,
    deadline: Instant,
}

impl Run<'_> {
    async fn all(&mut self) -> Result<(), EmitError> {
        self.drain().await?;
        let mut round_trips = Vec::new();
        for round in 0..self.plan.count {
            if round > 0 && !self.plan.interval.is_zero() {
                tokio::time::sleep_until((Instant::now() + self.plan.interval).min(self.deadline))
                    .await;
            }
            let started = Instant::now();
            let last = self.once().await?;
            if self.plan.ack || !self.plan.expect.is_empty() {
                round_trips.push(started.elapsed());
            }
            if let Some(payload) = &last {
                let failures: Vec<String> = self
                    .plan
                    .asserts
                    .iter()
                    .filter_map(|a| a.check(payload).err())
                    .collect();
                if !failures.is_empty() {
                    return Err(EmitError::Failed(format!(
                        "assertion failed: {}",
                        failures.join("; ")
                    )));
                }
            }
        }
        if self.plan.count > 1 && !round_trips.is_empty() {
            self.report(&mut round_trips);
        }
        Ok(())
    }

    /// One emit and its waits; returns the last payload waited for.
    async fn once(&mut self) -> Result<Option<Value>, EmitError> {
        let plan = self.plan;
        if plan.mode == Mode::Json {
            self.printer.record(
                "sent",
                json!({ "event": plan.event, "args": plan.args, "ack": plan.ack }),
            );
        }
        let mut last = None;
        if plan.ack {
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self
                .connection
                .emit_with_ack(&plan.event, plan.args.clone(), left)
                .await
            {
                Ok((args, took)) => {
                    self.drain().await?;
                    let payload = payload_of(&args);
                    match plan.mode {
                        Mode::Json => self.printer.record(
                            "ack",
                            json!({ "event": plan.event, "args": args, "ms": millis(took) }),
                        ),
                        Mode::Payloads => self.printer.out(&payload.to_string()),
                        Mode::Quiet => {}
                    }
                    last = Some(payload);
                }
                Err(SendError::AckTimeout(after)) => {
                    return Err(EmitError::Failed(format!(
                        "timed out after {} waiting for the acknowledgement of `{}`",
                        humantime::format_duration(self.plan.timeout.max(after)),
                        plan.event
                    )));
                }
                Err(e) => return Err(EmitError::Failed(format!("emit `{}`: {e}", plan.event))),
            }
        } else {
            self.connection
                .emit(&plan.event, plan.args.clone())
                .await
                .map_err(|e| EmitError::Failed(format!("emit `{}`: {e}", plan.event)))?;
        }
        for expected in &plan.expect {
            last = Some(self.wait_for(expected).await?);
        }
        Ok(last)
    }

    /// Wait for the next `expected` event; events before it are skipped (and listed if the wait
    /// fails), chunks printed with `--print-chunks`.
    async fn wait_for(&mut self, expected: &str) -> Result<Value, EmitError> {
        let mut skipped: Vec<String> = Vec::new();
        loop {
            let event = match tokio::time::timeout_at(self.deadline, self.events.recv()).await {
                Ok(Some(event)) => event,
                Ok(None) => {
                    return Err(EmitError::Failed(format!(
                        "the connection closed while waiting for `{expected}`"
                    )));
                }
                Err(_) => {
                    let seen = if skipped.is_empty() {
                        "nothing else arrived".to_owned()
                    } else {
                        format!("received instead: {}", summarize(&skipped))
                    };
                    return Err(EmitError::Failed(format!(
                        "timed out after {} waiting for `{expected}` ({seen})",
                        humantime::format_duration(self.plan.timeout)
                    )));
                }
            };
            self.handle(&event).await?;
            match event {
                ClientEvent::Event { name, args, .. } => {
                    let payload = payload_of(&args);
                    if name == expected {
                        if self.plan.mode == Mode::Payloads {
                            self.printer.out(&payload.to_string());
                        }
                        return Ok(payload);
                    }
                    if name == wire::event::AI_MESSAGE_CHUNK
                        && self.plan.print_chunks
                        && self.plan.mode == Mode::Payloads
                    {
                        self.printer.out(&payload.to_string());
                    } else {
                        skipped.push(name);
                    }
                }
                ClientEvent::Connected { .. } | ClientEvent::Reconnecting { .. } => {}
                ClientEvent::Disconnected { reason } => {
                    return Err(EmitError::Failed(format!(
                        "disconnected ({reason}) while waiting for `{expected}`"
                    )));
                }
                ClientEvent::Error { message } => {
                    return Err(EmitError::Failed(format!(
                        "connection error while waiting for `{expected}`: {message}"
                    )));
                }
            }
        }
    }

    /// Handle the events already received (transcript records, `--ack-reply`), without
    /// waiting.
    async fn drain(&mut self) -> Result<(), EmitError> {
        while let Ok(event) = self.events.try_recv() {
            self.handle(&event).await?;
        }
        Ok(())
    }

    /// The transcript record of an event, and the answer to a server acknowledgement request
    /// when `--ack-reply` gave one.
    async fn handle(&self, event: &ClientEvent) -> Result<(), EmitError> {
        self.record(event);
        let (
            ClientEvent::Event {
                name,
                ack_id: Some(id),
                ..
            },
            Some(args),
        ) = (event, &self.plan.ack_reply)
        else {
            return Ok(());
        };
        if self.plan.mode == Mode::Json {
            self.printer.record(
                "reply",
                json!({ "ack_id": id, "event": name, "args": args }),
            );
        }
        self.connection.reply(*id, args.clone()).await.map_err(|e| {
            EmitError::Failed(format!(
                "cannot answer the acknowledgement {id} of `{name}`: {e}"
            ))
        })
    }

    fn record(&self, event: &ClientEvent) {
        if self.plan.mode != Mode::Json {
            return;
        }
        let printer = self.printer;
        match event {
            ClientEvent::Connected { namespace, sid } => printer.record(
                "connect",
                json!({ "url": self.connection.url(), "namespace": namespace, "sid": sid }),
            ),
            ClientEvent::Event {
                namespace,
                name,
                args,
                ack_id,
            } => printer.received(namespace, name, args, *ack_id),
            ClientEvent::Reconnecting { attempt, delay } => printer.record(
                "reconnecting",
                json!({ "attempt": attempt, "delay_ms": millis(*delay) }),
            ),
            ClientEvent::Disconnected { reason } => {
                printer.record("disconnect", json!({ "reason": reason }));
            }
            ClientEvent::Error { message } => {
                printer.record("error", json!({ "message": message }));
            }
        }
    }

    fn report(&self, round_trips: &mut [Duration]) {
        let (min, median, max) = stats(round_trips);
        match self.plan.mode {
            Mode::Json => self.printer.record(
                "stats",
                json!({
                    "count": round_trips.len(),
                    "min_ms": millis(min),
                    "median_ms": millis(median),
                    "max_ms": millis(max),
                }),
            ),
            Mode::Payloads => self.printer.diag(&format!(
                "round trip over {} emits: min {:.1} ms, median {:.1} ms, max {:.1} ms",
                round_trips.len(),
                millis(min),
                millis(median),
                millis(max)
            )),
            Mode::Quiet => {}
        }
    }
}

/// Minimum, median and maximum (the mean of the two middle values for an even count).
/// `times` must not be empty.
pub fn stats(times: &mut [Duration]) -> (Duration, Duration, Duration) {
    times.sort();
    let n = times.len();
    let median = if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2
    };
    (times[0], median, times[n - 1])
}

pub fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// `a ×3, b` for a list of event names.
fn summarize(names: &[String]) -> String {
    let mut counted: Vec<(String, usize)> = Vec::new();
    for name in names {
        match counted.iter_mut().find(|(n, _)| n == name) {
            Some((_, count)) => *count += 1,
            None => counted.push((name.clone(), 1)),
        }
    }
    counted
        .iter()
        .map(|(name, count)| {
            if *count > 1 {
                format!("`{name}` ×{count}")
            } else {
                format!("`{name}`")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_are_min_median_max() {
        let ms = Duration::from_millis;
        assert_eq!(stats(&mut [ms(5), ms(1), ms(3)]), (ms(1), ms(3), ms(5)));
        assert_eq!(
            stats(&mut [ms(4), ms(1), ms(2), ms(10)]),
            (ms(1), ms(3), ms(10))
        );
        assert_eq!(stats(&mut [ms(7)]), (ms(7), ms(7), ms(7)));
    }

    #[test]
    fn skipped_events_are_summarized() {
        let names: Vec<String> = ["a", "b", "a", "a"].iter().map(|s| s.to_string()).collect();
        assert_eq!(summarize(&names), "`a` ×3, `b`");
    }
}
