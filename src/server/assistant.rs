//! Answering prompts: validation, limits, conversation memory, the provider call and its logs,
//! shared by the Socket.IO handlers, the raw-WebSocket bridge and `POST /api/ai`.

use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::providers::{ChatRequest, Exchange, Provider};
use crate::wire::{self, AiChunk, AiResponse, ErrorCode, ErrorPayload};

/// How answers are produced, from `sockai serve` flags.
#[derive(Debug, Clone)]
pub struct AnswerLimits {
    pub max_prompt_bytes: usize,
    /// Pass streamed pieces on as `ai-message-chunk` (`--no-stream` turns it off).
    pub stream: bool,
    /// Exchanges remembered per connection (`--history`); 0 turns memory off.
    pub history: usize,
    /// Longest a whole answer may take, waiting for a provider slot included (`--ai-timeout`).
    pub timeout: Duration,
    /// Answers computed at once over the whole server (`--max-concurrent-ai`).
    pub max_concurrent: usize,
}

pub struct Assistant {
    provider: Arc<dyn Provider>,
    limits: AnswerLimits,
    /// Global bound on provider calls; waiting for a permit counts against the timeout.
    permits: Semaphore,
    /// Answers in flight; shutdown waits on it.
    in_flight: TaskTracker,
    ids: RequestIds,
}

/// Receives each piece of an answer as it streams.
pub type ChunkSink<'a> = &'a mut (dyn FnMut(AiChunk) + Send);

impl Assistant {
    pub fn new(provider: Arc<dyn Provider>, limits: AnswerLimits) -> Self {
        Self {
            provider,
            permits: Semaphore::new(limits.max_concurrent.max(1)),
            limits,
            in_flight: TaskTracker::new(),
            ids: RequestIds::new(),
        }
    }

    pub fn provider(&self) -> &dyn Provider {
        self.provider.as_ref()
    }

    /// Validate an `ai-message` payload and answer it. `on_chunk` sees the answer as it streams
    /// (never with `--no-stream`). With a `session`, the answer uses and extends its memory,
    /// is refused with `busy` while another one is in flight, and is cancelled (the upstream
    /// request dropped) when the session closes.
    pub async fn answer(
        &self,
        session: Option<&Session>,
        payload: &Value,
        on_chunk: ChunkSink<'_>,
    ) -> Result<AiResponse, ErrorPayload> {
        let prompt =
            wire::parse_ai_request(payload, self.limits.max_prompt_bytes).inspect_err(|e| {
                tracing::warn!(code = %e.code, "rejected AI message: {}", e.message);
            })?;
        if self.in_flight.is_closed() {
            return Err(ErrorPayload::new(
                ErrorCode::Unavailable,
                "the server is shutting down",
            ));
        }
        let _busy = match session {
            Some(session) => Some(session.start().inspect_err(|e| {
                tracing::warn!(code = %e.code, "rejected AI message: {}", e.message);
            })?),
            None => None,
        };
        let _in_flight = self.in_flight.token();
        let id = self.ids.next();
        tracing::info!(prompt = %prompt, %id, "received AI message");

        let (history, epoch) = match session {
            Some(session) if self.limits.history > 0 => {
                session.history(self.provider.reads_history())
            }
            _ => (Vec::new(), 0),
        };
        let prompt: Arc<str> = prompt.into();
        let request = ChatRequest::with_history(&history, Arc::clone(&prompt));
        let stream = self.limits.stream;
        let mut on_delta = |delta: &str| {
            if stream && !delta.is_empty() {
                on_chunk(AiChunk {
                    id: id.clone(),
                    delta: delta.to_owned(),
                });
            }
        };
        let work = async {
            let _permit = self.permits.acquire().await.map_err(|_| {
                ErrorPayload::new(ErrorCode::Unavailable, "the server is shutting down")
            })?;
            self.provider
                .complete(&request, &mut on_delta)
                .await
                .map_err(|e| ErrorPayload::new(e.code, e.message))
        };
        let timed = async {
            tokio::time::timeout(self.limits.timeout, work)
                .await
                .unwrap_or_else(|_| {
                    Err(ErrorPayload::new(
                        ErrorCode::Timeout,
                        format!(
                            "{} gave no complete answer within {}",
                            self.provider.name(),
                            humantime::format_duration(self.limits.timeout)
                        ),
                    ))
                })
        };
        let closed = async {
            match session {
                Some(session) => session.closed.cancelled().await,
                None => std::future::pending().await,
            }
        };
        // Dropping `timed` drops the provider's future, and with it the upstream request.
        // `biased`: an answer ready at once (the echo provider, every refusal) never registers
        // a wait on the session's cancellation, which costs a lock each way.
        let outcome = tokio::select! {
            biased;
            outcome = timed => outcome,
            () = closed => {
                tracing::info!(%id, "AI answer cancelled: the client disconnected");
                return Err(ErrorPayload::new(ErrorCode::Unavailable, "the client disconnected"));
            }
        };
        match outcome {
            Ok(completion) => {
                tracing::info!(
                    response = %completion.text,
                    %id,
                    finish_reason = completion.finish_reason.as_deref().unwrap_or(""),
                    "AI response"
                );
                if let Some(session) = session.filter(|_| self.limits.history > 0) {
                    let answer = completion.text.as_str().into();
                    session.remember(epoch, prompt, answer, self.limits.history);
                }
                Ok(AiResponse {
                    response: completion.text,
                    id: Some(id),
                    finish_reason: completion.finish_reason,
                    usage: completion.usage,
                })
            }
            Err(e) => {
                tracing::warn!(code = %e.code, %id, "AI provider failed: {}", e.message);
                Err(e)
            }
        }
    }

    /// Refuse new prompts and wait for the answers in flight, at most `limit`.
    pub async fn drain(&self, limit: Duration) {
        self.in_flight.close();
        if tokio::time::timeout(limit, self.in_flight.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                pending = self.in_flight.len(),
                "shutdown: gave up waiting for answers in flight"
            );
        }
    }
}

/// One client connection's conversation: its memory and its single answer in flight.
///
/// The server keeps this, not the provider: memory belongs to a connection and dies with it.
#[derive(Debug, Default)]
pub struct Session {
    busy: AtomicBool,
    memory: Mutex<Memory>,
    closed: CancellationToken,
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
    fn start(&self) -> Result<Busy<'_>, ErrorPayload> {
        if self.busy.swap(true, Ordering::AcqRel) {
            return Err(ErrorPayload::new(
                ErrorCode::Busy,
                "an answer is already in flight on this connection; wait for its \
                 ai-message-response or ai-message-error",
            ));
        }
        Ok(Busy(self))
    }

    /// The remembered exchanges (only when `wanted`) and the epoch they belong to.
    fn history(&self, wanted: bool) -> (Vec<Exchange>, u64) {
        let memory = self.lock();
        let exchanges = if wanted {
            memory.exchanges.iter().cloned().collect()
        } else {
            Vec::new()
        };
        (exchanges, memory.epoch)
    }

    fn remember(&self, epoch: u64, prompt: Arc<str>, answer: Arc<str>, keep: usize) {
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

/// Request ids: unique within a run, and unlikely to repeat across runs (random prefix).
struct RequestIds {
    prefix: u32,
    next: AtomicU64,
}

impl RequestIds {
    fn new() -> Self {
        // RandomState is seeded randomly per process: a random number without a dependency.
        let random = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
        Self {
            prefix: (random >> 32) as u32,
            next: AtomicU64::new(1),
        }
    }

    /// `{prefix:08x}-{n}`, written by hand: `format!` cost a thousand instructions per answer
    /// (`scripts/instructions.sh`), a twentieth of an answered event.
    fn next(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut number = itoa::Buffer::new();
        let number = number.format(n);
        let mut id = String::with_capacity(9 + number.len());
        for shift in (0..8).rev() {
            id.push(char::from(HEX[(self.prefix >> (shift * 4)) as usize & 0xf]));
        }
        id.push('-');
        id.push_str(number);
        id
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
    fn request_ids_are_the_prefix_in_hex_then_a_counter() {
        for prefix in [0, 1, 0xabc, 0xdead_beef, u32::MAX] {
            let ids = RequestIds {
                prefix,
                next: AtomicU64::new(1),
            };
            assert_eq!(ids.next(), format!("{prefix:08x}-1"));
            assert_eq!(ids.next(), format!("{prefix:08x}-2"));
            ids.next.store(u64::MAX, Ordering::Relaxed);
            assert_eq!(ids.next(), format!("{prefix:08x}-{}", u64::MAX));
        }
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
