//! One connection's conversation: its memory, its single answer in flight, and what stops that
//! answer (`ai-cancel`, the connection closing). The assistant drives it; transports only hold
//! it through their `Conn`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio::sync::futures::Notified;
use tokio_util::sync::CancellationToken;

use crate::providers::Exchange;
use crate::wire::{ErrorCode, ErrorPayload};

/// One client connection's conversation: its memory and its single answer in flight.
///
/// The server keeps this, not the provider: memory belongs to a connection and dies with it.
#[derive(Debug, Default)]
pub struct Session {
    busy: AtomicBool,
    /// The number of the answer in flight (see `RequestIds`), 0 for none: what `ai-cancel`
    /// claims, by swapping it to 0, before waking the answer through `cancel`.
    current: AtomicU64,
    /// Woken by `ai-cancel`. Chosen over a token per answer: no allocation, and no lock unless
    /// the answer has to wait.
    cancel: Notify,
    memory: Mutex<Memory>,
    pub(super) closed: CancellationToken,
}

#[derive(Debug, Default)]
struct Memory {
    /// Oldest first.
    exchanges: VecDeque<Exchange>,
    /// Bumped by every reset, so an answer that was in flight across a reset is not remembered.
    epoch: u64,
}

/// Marks a session busy until dropped, even when the answer is cancelled.
pub struct Busy<'a>(&'a Session);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.current.store(0, Ordering::Release);
        self.0.busy.store(false, Ordering::Release);
    }
}

impl Session {
    /// Forget the conversation; returns how many exchanges were forgotten.
    pub fn reset(&self) -> usize {
        let mut memory = self.lock();
        memory.epoch += 1;
        let cleared = memory.exchanges.len();
        memory.exchanges.clear();
        cleared
    }

    /// The client is gone: cancel its answer in flight and forget everything.
    pub fn close(&self) {
        self.closed.cancel();
        self.reset();
    }

    /// Policy: one answer at a time per connection; a second one is refused with `busy` rather
    /// than queued, so a client is never left waiting on a hidden queue (see docs/protocol.md).
    pub(super) fn start(&self) -> Result<Busy<'_>, ErrorPayload> {
        if self.busy.swap(true, Ordering::AcqRel) {
            return Err(ErrorPayload::new(
                ErrorCode::Busy,
                "an answer is already in flight on this connection; wait for its \
                 ai-message-response or ai-message-error",
            ));
        }
        Ok(Busy(self))
    }

    /// Answer `number` is in flight: `ai-cancel` may stop it from now on. The future resolves
    /// when it does (it is woken by any cancel issued after this call, polled or not).
    pub(super) fn begin(&self, number: u64) -> Notified<'_> {
        let notified = self.cancel.notified();
        self.current.store(number, Ordering::Release);
        notified
    }

    /// Answer `number` is done; false if `ai-cancel` claimed it first.
    pub(super) fn finish(&self, number: u64) -> bool {
        self.current
            .compare_exchange(number, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Stop the answer in flight if it is `target` (any, with none); whether one was stopped.
    pub(super) fn cancel(&self, target: Option<u64>) -> bool {
        let current = self.current.load(Ordering::Acquire);
        if current == 0 || target.is_some_and(|target| target != current) {
            return false;
        }
        let claimed = self
            .current
            .compare_exchange(current, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if claimed {
            self.cancel.notify_waiters();
        }
        claimed
    }

    /// The remembered exchanges (only when `wanted`) and the epoch they belong to.
    pub(super) fn history(&self, wanted: bool) -> (Vec<Exchange>, u64) {
        let memory = self.lock();
        let exchanges = if wanted {
            memory.exchanges.iter().cloned().collect()
        } else {
            Vec::new()
        };
        (exchanges, memory.epoch)
    }

    pub(super) fn remember(&self, epoch: u64, prompt: Arc<str>, answer: Arc<str>, keep: usize) {
        if keep == 0 {
            return;
        }
        let mut memory = self.lock();
        if memory.epoch != epoch {
            return;
        }
        memory.exchanges.push_back((prompt, answer));
        while memory.exchanges.len() > keep {
            memory.exchanges.pop_front();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        crate::sync::lock(&self.memory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_keeps_the_last_exchanges_and_skips_answers_from_before_a_reset() {
        let session = Session::default();
        for n in 0..3 {
            let (_, epoch) = session.history(true);
            session.remember(epoch, format!("q{n}").into(), format!("a{n}").into(), 2);
        }
        let (history, epoch) = session.history(true);
        assert_eq!(
            history,
            [("q1".into(), "a1".into()), ("q2".into(), "a2".into())] as [Exchange; 2]
        );
        assert_eq!(session.reset(), 2);
        session.remember(epoch, "late".into(), "answer".into(), 2);
        assert!(session.history(true).0.is_empty());
    }

    #[test]
    fn one_answer_at_a_time() {
        let session = Session::default();
        let busy = session.start().unwrap();
        assert_eq!(session.start().err().map(|e| e.code), Some(ErrorCode::Busy));
        drop(busy);
        assert!(session.start().is_ok());
    }
}
