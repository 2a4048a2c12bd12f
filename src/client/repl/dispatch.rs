//! What each REPL command does.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::arrivals::{WaitKind, Waiting};
use super::filter::Filter;
use super::session::{
    AckOutcome, CLIENT_DISCONNECT, DEFAULT_WAIT, DISCONNECT_GRACE, Flow, Session, State,
};
use super::steps::STEPS;
use crate::client::command::{self, Command};
use crate::client::connection::{ClientEvent, Connection};
use crate::wire::event;

impl Session<'_> {
    pub(super) async fn on_line(&mut self, line: &str) -> Flow {
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
            Command::Reply { ack_id, args } => self.reply(ack_id, args).await,
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
            Command::Wait { event, timeout } => match self.take_arrival(&event, true) {
                Some(arrival) => self.last = Some(arrival.payload),
                None => {
                    let wanted = timeout.unwrap_or(DEFAULT_WAIT);
                    self.waiting = Some(Waiting {
                        event,
                        until: Instant::now() + wanted,
                        kind: WaitKind::Wait,
                        said: format!("within {}", humantime::format_duration(wanted)),
                        entry: self.current_entry,
                    });
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
                            reason: CLIENT_DISCONNECT.to_owned(),
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
            Command::Help(topic) => match help(topic.as_deref()) {
                Ok(text) if self.json => self.printer.record("help", json!({ "text": text })),
                Ok(text) => self.printer.out(&text),
                Err(message) => self.fail(&message),
            },
        }
        Flow::Continue
    }

    pub(super) async fn send(&mut self, event: &str, args: Vec<Value>, ack: bool) {
        let connection = match (&self.connection, &self.state) {
            // Refused here rather than by the connection, so the line can say what to do.
            (Some(connection), State::Connected) => connection.clone(),
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
            let entry = self.current_entry;
            self.acks.spawn(async move {
                let result = connection.emit_with_ack(&event, args, timeout).await;
                AckOutcome {
                    event,
                    entry,
                    result,
                }
            });
        } else if let Err(e) = connection.emit(event, args).await {
            self.fail(&format!("cannot emit `{event}`: {e}"));
        }
    }

    /// Answer the server's acknowledgement request `ack_id`, once.
    pub(super) async fn reply(&mut self, ack_id: u64, args: Vec<Value>) {
        let Some(event) = self.server_acks.get(ack_id) else {
            let waiting = self.server_acks.entries();
            let waiting = if waiting.is_empty() {
                "none is waiting".to_owned()
            } else {
                let ids: Vec<String> = waiting.iter().map(|(id, _)| id.to_string()).collect();
                format!("waiting: {}", ids.join(", "))
            };
            self.fail(&format!(
                "no server acknowledgement {ack_id} is waiting for an answer ({waiting})"
            ));
            return;
        };
        let connection = match (&self.connection, &self.state) {
            (Some(connection), State::Connected) => connection.clone(),
            _ => {
                self.fail(&format!("cannot reply {ack_id}: not connected"));
                return;
            }
        };
        if self.json {
            self.printer.record(
                "reply",
                json!({ "ack_id": ack_id, "event": event, "args": args }),
            );
        } else {
            self.printer
                .out(&self.printer.reply_line(ack_id, Some(&event), &args));
        }
        // Answered or not, it is not ours to answer again.
        self.server_acks.remove(ack_id);
        if let Err(e) = connection.reply(ack_id, args).await {
            self.fail(&format!("cannot reply {ack_id} (`{event}`): {e}"));
        }
    }

    pub(super) async fn reconnect(&mut self) {
        if let Some(old) = self.connection.take() {
            tokio::time::timeout(DISCONNECT_GRACE, old.disconnect())
                .await
                .ok();
        }
        if !self.json {
            self.printer.out(
                &self
                    .printer
                    .warning(&format!("── connecting to {}…", self.settings.url)),
            );
        }
        match Connection::connect(
            &self.settings.url,
            &self.settings.options,
            self.events_tx.clone(),
        )
        .await
        {
            Ok(connection) => self.connection = Some(Arc::new(connection)),
            Err(e) => {
                self.state = State::Disconnected(e.to_string());
                self.fail(&e.to_string());
            }
        }
    }

    pub(super) fn show_filter(&self) {
        if self.json {
            self.printer.record("filter", self.filter.describe());
        } else {
            self.info(&self.filter.human());
        }
    }
}

/// `help`: the commands, then the scenario steps and saved messages.
fn help(topic: Option<&str>) -> Result<String, String> {
    let step = |name: &str| STEPS.iter().find(|(n, _, _)| *n == name);
    match topic {
        Some(name) if step(name).is_some() => Ok(step(name)
            .map(|(_, usage, what)| format!("{usage}\n  {what}"))
            .unwrap_or_default()),
        Some(_) => command::help(topic),
        None => {
            let mut text = command::help(None)?;
            text.push_str("\nScenario steps and saved messages:\n");
            for (_, usage, what) in STEPS {
                text.push_str(&format!("  {usage}\n      {what}\n"));
            }
            text.push_str("Every line here is a scenario line (`sockai run`, docs/scenarios.md).");
            Ok(text)
        }
    }
}
