//! What the session waits for before it reads the next line (`wait`, `expect`, `sleep`), and
//! the events that arrived and no wait has taken yet.

use std::collections::{HashMap, VecDeque};

use serde_json::{Value, json};
use tokio::time::Instant;

use super::session::Session;
use super::steps::PayloadCheck;

/// Arrivals kept per event name until a `wait` or `expect` takes them; a flood loses its
/// oldest.
const MAX_ARRIVALS: usize = 256;
/// Bytes of payload kept in all (as JSON): past it, the oldest arrivals of the event that
/// arrived lose their payload (a `wait` still counts them; an `expect` sees `null`).
const MAX_ARRIVAL_BYTES: usize = 16 * 1024 * 1024;

/// An event that arrived: its payload, and its entry in the recording.
pub(super) struct Arrival {
    pub(super) payload: Value,
    pub(super) entry: Option<usize>,
    bytes: usize,
}

/// The events no wait has taken yet, by name, within [`MAX_ARRIVALS`] per name and
/// [`MAX_ARRIVAL_BYTES`] in all.
#[derive(Default)]
pub(super) struct Arrivals {
    by_name: HashMap<String, VecDeque<Arrival>>,
    bytes: usize,
}

impl Arrivals {
    fn push(&mut self, name: &str, payload: Value, entry: Option<usize>) {
        let bytes = payload.to_string().len();
        let queue = self.by_name.entry(name.to_owned()).or_default();
        if queue.len() >= MAX_ARRIVALS
            && let Some(old) = queue.pop_front()
        {
            self.bytes -= old.bytes;
        }
        let mut arrival = Arrival {
            payload,
            entry,
            bytes,
        };
        for old in queue.iter_mut() {
            if self.bytes + arrival.bytes <= MAX_ARRIVAL_BYTES {
                break;
            }
            self.bytes -= std::mem::take(&mut old.bytes);
            old.payload = Value::Null;
        }
        if self.bytes + arrival.bytes > MAX_ARRIVAL_BYTES {
            arrival.payload = Value::Null;
            arrival.bytes = 0;
        }
        self.bytes += arrival.bytes;
        queue.push_back(arrival);
    }

    fn pop(&mut self, name: &str) -> Option<Arrival> {
        let arrival = self.by_name.get_mut(name)?.pop_front()?;
        self.bytes -= arrival.bytes;
        Some(arrival)
    }
}

pub(super) struct Waiting {
    /// The event waited for (`connect`, `disconnect` too); empty for `sleep` and `expect ack`.
    pub(super) event: String,
    pub(super) until: Instant,
    pub(super) kind: WaitKind,
    /// How long, said in a message ("within 5s").
    pub(super) said: String,
    /// The recording's entry of the line that waits: taken back if the wait fails.
    pub(super) entry: Option<usize>,
}

pub(super) enum WaitKind {
    /// `wait EVENT`
    Wait,
    /// `expect EVENT [checks]`
    Expect(Vec<PayloadCheck>),
    /// `expect no EVENT within T`
    No,
    /// `expect ack [checks]`, while an acknowledgement is on its way
    Ack(Vec<PayloadCheck>),
    /// `expect disconnect [REASON]`
    Disconnect(Option<String>),
    Sleep,
    /// A line that reads the last acknowledgement (`capture`, a check), typed while one is on
    /// its way: it runs when the acknowledgement has come (as in a scenario, where `ack` waits).
    /// With an event: `reply EVENT` before the server asked; it runs when the event arrives.
    Deferred(String),
}

impl Session<'_> {
    /// The oldest arrival of `name` no wait has taken. An `expect` typed takes its event out
    /// of the recording (the line typed checks it); a `wait` typed gives way to the `expect`
    /// recorded for the event, which waits as well and checks it too.
    pub(super) fn take_arrival(&mut self, name: &str, by_wait: bool) -> Option<Arrival> {
        let arrival = self.arrived.pop(name)?;
        self.taken(arrival.entry, by_wait, self.current_entry);
        Some(arrival)
    }

    fn taken(&mut self, event: Option<usize>, by_wait: bool, line: Option<usize>) {
        if let Some(recorder) = &mut self.recorder {
            if by_wait {
                recorder.retract(line);
            } else {
                recorder.consumed(event);
            }
        }
    }

    /// An event arrived: it ends the wait it satisfies, or is kept for a later one.
    pub(super) fn arrive(&mut self, name: &str, payload: Value, entry: Option<usize>) {
        let matches = self.waiting.as_ref().is_some_and(|w| {
            w.event == name
                && matches!(
                    w.kind,
                    WaitKind::Wait | WaitKind::Expect(_) | WaitKind::No | WaitKind::Disconnect(_)
                )
        });
        // A line deferred until this event arrives (`reply EVENT`): it runs, and the event
        // stays for a `wait` or `expect` (and in the recording).
        let deferred = self
            .waiting
            .as_ref()
            .is_some_and(|w| w.event == name && matches!(w.kind, WaitKind::Deferred(_)));
        if deferred && let Some(waiting) = self.waiting.take() {
            self.end_wait(waiting, Some(payload.clone()));
        }
        if !matches {
            self.arrived.push(name, payload, entry);
            return;
        }
        if let Some(waiting) = self.waiting.take() {
            let by_wait = matches!(waiting.kind, WaitKind::Wait);
            self.taken(entry, by_wait, waiting.entry);
            self.end_wait(waiting, Some(payload));
        }
    }

    /// A wait is over: `payload` is what arrived (`None`: its time ran out).
    pub(super) fn end_wait(&mut self, waiting: Waiting, payload: Option<Value>) {
        let errors = self.errors;
        let entry = waiting.entry;
        self.judge(waiting, payload);
        if self.errors != errors
            && let Some(recorder) = &mut self.recorder
        {
            recorder.retract(entry);
        }
    }

    fn judge(&mut self, waiting: Waiting, payload: Option<Value>) {
        let event = &waiting.event;
        match (waiting.kind, payload) {
            (WaitKind::Sleep, _) | (WaitKind::No, None) => {}
            (WaitKind::Deferred(line), Some(_)) => self.queued.push_front(line),
            (WaitKind::Deferred(line), None) if event.is_empty() => self.queued.push_front(line),
            (WaitKind::Deferred(_), None) => self.fail(&format!(
                "no `{event}` asking for an acknowledgement {} (reply takes the id shown with \
                 the event, or the name of an event that asks for one)",
                waiting.said
            )),
            (WaitKind::No, Some(payload)) => self.fail(&format!(
                "`{event}` arrived: {}",
                crate::client::render::compact(&payload)
            )),
            (WaitKind::Wait, Some(payload)) => self.last = Some(payload),
            (WaitKind::Expect(checks) | WaitKind::Ack(checks), Some(payload)) => {
                self.last = Some(payload.clone());
                self.check(
                    &checks,
                    &payload,
                    if event.is_empty() { "ack" } else { event },
                );
            }
            (WaitKind::Disconnect(reason), Some(payload)) => {
                let got = payload.as_str().unwrap_or_default().to_owned();
                match reason {
                    Some(reason) if !got.contains(&reason) => self.fail(&format!(
                        "disconnected with reason {got:?}, expected one containing {reason:?}"
                    )),
                    _ => self.passed("disconnect"),
                }
            }
            (WaitKind::Ack(_), None) => {
                self.fail(&format!("no acknowledgement {}", waiting.said));
            }
            (WaitKind::Wait, None) => self.fail(&format!("timed out waiting for `{event}`")),
            (_, None) => self.fail(&format!("no `{event}` {}", waiting.said)),
        }
    }

    /// Every check on `payload`; a failure says which.
    pub(super) fn check(&mut self, checks: &[PayloadCheck], payload: &Value, what: &str) {
        for check in checks {
            if let Err(why) = check(payload) {
                self.fail(&if what.is_empty() {
                    why
                } else {
                    format!("{what}: {why}")
                });
                return;
            }
        }
        self.passed(what);
    }

    pub(super) fn passed(&self, what: &str) {
        let what = if what.is_empty() { "check" } else { what };
        if self.json {
            self.printer
                .record("expect", json!({ "event": what, "ok": true }));
        } else {
            self.info(&format!("✓ expect {what}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arrivals_are_bounded_by_count_and_bytes() {
        let mut arrivals = Arrivals::default();
        for n in 0..MAX_ARRIVALS + 10 {
            arrivals.push("tick", json!(n), None);
        }
        assert_eq!(arrivals.pop("tick").map(|a| a.payload), Some(json!(10)));
        assert!(arrivals.pop("tock").is_none());
        let big = Value::String("x".repeat(MAX_ARRIVAL_BYTES / 2));
        arrivals.push("big", big.clone(), None);
        arrivals.push("big", big.clone(), None);
        assert!(arrivals.bytes <= MAX_ARRIVAL_BYTES);
        // The oldest lost its payload to keep the newest; both still count.
        assert_eq!(arrivals.pop("big").map(|a| a.payload), Some(Value::Null));
        assert_eq!(arrivals.pop("big").map(|a| a.payload), Some(big));
    }
}
