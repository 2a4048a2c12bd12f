//! What the session does with what it waits for and what arrived (`arrivals.rs`): an event
//! ends a wait or is kept; a wait ends with its checks judged.

use serde_json::{Value, json};

use super::arrivals::{Arrival, PayloadCheck, WaitKind, Waiting};
use super::session::Session;

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
