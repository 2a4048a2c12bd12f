//! The acknowledgements the server asked for and nobody answered yet: kept by the session,
//! read by the line editor to complete `reply <ack_id>`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

// The connection hands out no more ack ids than this, so the map stays within it; the oldest
// goes first should a request outlive its session's bookkeeping.
use crate::client::connection::MAX_SERVER_ACKS;

/// Id → event name, shared between the session and the editor thread.
#[derive(Clone, Default)]
pub(super) struct ServerAcks(Arc<Mutex<BTreeMap<u64, String>>>);

impl ServerAcks {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, String>> {
        crate::sync::lock(&self.0)
    }

    pub(super) fn insert(&self, id: u64, event: String) {
        let mut acks = self.lock();
        if acks.len() >= MAX_SERVER_ACKS && !acks.contains_key(&id) {
            acks.pop_first();
        }
        acks.insert(id, event);
    }

    /// The event of request `id`, if it still waits.
    pub(super) fn get(&self, id: u64) -> Option<String> {
        self.lock().get(&id).cloned()
    }

    pub(super) fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    pub(super) fn clear(&self) {
        self.lock().clear();
    }

    /// Every waiting request, oldest id first.
    pub(super) fn entries(&self) -> Vec<(u64, String)> {
        self.lock()
            .iter()
            .map(|(id, event)| (*id, event.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_request_goes_when_too_many_wait() {
        let acks = ServerAcks::default();
        for id in 0..=MAX_SERVER_ACKS as u64 {
            acks.insert(id, "ev".into());
        }
        let entries = acks.entries();
        assert_eq!(entries.len(), MAX_SERVER_ACKS);
        assert_eq!(entries.first().map(|e| e.0), Some(1));
        assert_eq!(acks.get(MAX_SERVER_ACKS as u64).as_deref(), Some("ev"));
        acks.remove(5);
        assert_eq!(acks.get(5), None);
        acks.clear();
        assert!(acks.entries().is_empty());
    }
}
