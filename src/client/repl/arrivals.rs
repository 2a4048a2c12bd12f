//! What the session waits for before it reads the next line (`wait`, `expect`, `sleep`), and
//! the events that arrived and no wait has taken yet: the data, which `session.rs` holds;
//! `waits.rs` is what the session does with them.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;
use tokio::time::Instant;

/// A check of a payload, built by the scenario's matchers (`ScenarioSyntax`): `Err` says why it
/// does not hold.
pub type PayloadCheck = Box<dyn Fn(&Value) -> Result<(), String> + Send + Sync>;

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
    pub(super) fn push(&mut self, name: &str, payload: Value, entry: Option<usize>) {
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

    pub(super) fn pop(&mut self, name: &str) -> Option<Arrival> {
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
