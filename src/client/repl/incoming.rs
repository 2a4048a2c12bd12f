//! What the server sent, shown: lifecycle lines, events (a streamed answer grows in place),
//! acknowledgements.

use serde_json::{Value, json};

use super::arrivals::WaitKind;
use super::session::{AckOutcome, CLIENT_DISCONNECT, Session, State};
use crate::client::args::payload_of;
use crate::client::connection::{ClientEvent, SendError};
use crate::client::emit::millis;
use crate::wire::event;

impl Session<'_> {
    pub(super) fn on_event(&mut self, event: ClientEvent) {
        match event {
            ClientEvent::Connected { namespace, sid } => {
                self.state = State::Connected;
                // A new session: the old one's acknowledgement requests cannot be answered.
                self.server_acks.clear();
                self.namespace = namespace.clone();
                let url = self.settings.url.clone();
                if self.json {
                    self.printer.record(
                        "connect",
                        json!({ "url": url, "namespace": namespace, "sid": sid }),
                    );
                } else {
                    self.printer.out(&self.printer.lifecycle(
                        &format!("connected to {url} (namespace {namespace}, sid {sid})"),
                        true,
                    ));
                }
                if !std::mem::take(&mut self.first_connect) {
                    if let Some(recorder) = &mut self.recorder {
                        recorder.reconnected();
                    }
                    self.arrive("connect", Value::Null, None);
                }
            }
            ClientEvent::Disconnected { reason } => {
                self.flush_answer();
                self.server_acks.clear();
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
                // The `disconnect` typed is recorded as a line; any other end is expected.
                let entry = match &mut self.recorder {
                    Some(recorder) if reason != CLIENT_DISCONNECT => recorder.disconnected(&reason),
                    _ => None,
                };
                self.arrive("disconnect", Value::String(reason), entry);
            }
            ClientEvent::Error { message } => {
                self.flush_answer();
                // `status` then says why the session stays down, not "reconnecting".
                self.state = State::Disconnected(message.clone());
                if self.json {
                    self.printer.record("error", json!({ "message": message }));
                } else {
                    self.printer
                        .out(&self.printer.lifecycle(&format!("error: {message}"), false));
                    // The one error the connection reports is a refused reconnection, after
                    // which it stops trying: say so, and what to do.
                    self.printer.out(
                        &self
                            .printer
                            .warning("── no longer reconnecting; type `reconnect` to try again"),
                    );
                }
            }
            ClientEvent::Reconnecting { attempt, delay } => {
                if self.json {
                    self.printer.record(
                        "reconnecting",
                        json!({ "attempt": attempt, "delay_ms": millis(delay) }),
                    );
                } else {
                    self.printer.out(&self.printer.warning(&format!(
                        "── reconnecting in {} (attempt {attempt})…",
                        humantime::format_duration(round_to_millis(delay))
                    )));
                }
            }
            ClientEvent::Event {
                namespace,
                name,
                args,
                ack_id,
            } => {
                if let Ok(mut seen) = self.seen.lock() {
                    seen.insert(name.clone());
                }
                if let Some(id) = ack_id {
                    self.server_acks.insert(id, name.clone());
                }
                if self.filter.shows(&name) {
                    self.show_event(&namespace, &name, &args, ack_id);
                }
                let payload = payload_of(&args);
                let entry = match &mut self.recorder {
                    Some(recorder) => recorder.event(&name, &payload),
                    None => None,
                };
                self.arrive(&name, payload, entry);
            }
        }
        self.update_prompt();
    }

    pub(super) fn show_event(
        &mut self,
        namespace: &str,
        name: &str,
        args: &[Value],
        ack_id: Option<u64>,
    ) {
        if self.json {
            self.printer.received(namespace, name, args, ack_id);
            return;
        }
        // A streamed answer grows line by line until `ai-message-response` closes it.
        if name == event::AI_MESSAGE_CHUNK
            && ack_id.is_none()
            && let Some(delta) = args
                .first()
                .and_then(|a| a.get("delta"))
                .and_then(Value::as_str)
        {
            if self.answer.is_none() {
                self.printer
                    .out(&self.printer.event_line(namespace, name, &[], None));
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
            .out(&self.printer.event_line(namespace, name, args, ack_id));
    }

    /// Print the finished lines of the streamed answer (all of it when `all`). Long lines are
    /// broken at a space so that the answer visibly grows even without newlines.
    pub(super) fn flush_answer_lines(&mut self, all: bool) {
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

    pub(super) fn flush_answer(&mut self) {
        self.flush_answer_lines(true);
        self.answer = None;
    }

    pub(super) fn on_ack(&mut self, outcome: AckOutcome) {
        let waited = self.waiting.take_if(|w| {
            matches!(w.kind, WaitKind::Ack(_))
                || (matches!(w.kind, WaitKind::Deferred(_)) && w.event.is_empty())
        });
        let got = match outcome.result {
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
                let payload = payload_of(&args);
                self.last_ack = Some(payload.clone());
                self.last = Some(payload.clone());
                Ok(payload)
            }
            Err(SendError::AckTimeout(after)) => Err(format!(
                "no acknowledgement of `{}` within {}",
                outcome.event,
                humantime::format_duration(after)
            )),
            Err(e) => Err(format!("`{}`: {e}", outcome.event)),
        };
        if let Some(recorder) = &mut self.recorder {
            recorder.ack(outcome.entry, got.clone());
        }
        match (got, waited) {
            (Ok(payload), Some(waiting)) => self.end_wait(waiting, Some(payload)),
            (Ok(_), None) => {}
            (Err(message), waiting) => {
                self.fail(&message);
                // A deferred line still runs (and says there is no acknowledgement).
                if let Some(waiting) = waiting
                    .filter(|w| matches!(w.kind, WaitKind::Deferred(_)) && w.event.is_empty())
                {
                    self.end_wait(waiting, None);
                }
            }
        }
    }
}

/// `1.234567s` reads badly: whole milliseconds.
fn round_to_millis(delay: std::time::Duration) -> std::time::Duration {
    std::time::Duration::from_millis(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX))
}
