//! Answering prompts: validation, limits, conversation memory, the provider call and its logs,
//! shared by the Socket.IO handlers, the raw-WebSocket bridge and `POST /api/ai`.

use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::sync::futures::Notified;
use tokio_util::task::TaskTracker;

use super::metrics::{Metrics, Outcome};
use super::session::Session;
use crate::logging::{Field, log_direct};
use crate::providers::{ChatRequest, Completion, Provider};
use crate::wire::{self, AiChunk, AiPayload, AiResponse, ErrorCode, ErrorPayload};

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
    metrics: Arc<Metrics>,
}

/// Receives each piece of an answer as it streams.
pub type ChunkSink<'a> = &'a mut (dyn FnMut(AiChunk) + Send);

impl Assistant {
    pub fn new(provider: Arc<dyn Provider>, limits: AnswerLimits, metrics: Arc<Metrics>) -> Self {
        Self {
            provider,
            metrics,
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
    /// is refused with `busy` while another one is in flight, is stopped by `ai-cancel`
    /// ([`Assistant::cancel`]) and is cancelled (the upstream request dropped) when the session
    /// closes. Counted in the metrics: its outcome, its latency, its tokens, its error.
    pub async fn answer(
        &self,
        session: Option<&Session>,
        payload: &AiPayload,
        on_chunk: ChunkSink<'_>,
    ) -> Result<AiResponse, ErrorPayload> {
        // Counted where each outcome is decided, not by a wrapping future: the answer's future
        // is boxed per event, and a bigger one leaves the allocator's fast path.
        let started = Instant::now();
        let rejected = |e: &ErrorPayload| {
            tracing::warn!(code = %e.code, "rejected AI message: {}", e.message);
            self.failed(e);
        };
        let prompt = payload
            .prompt(self.limits.max_prompt_bytes)
            .inspect_err(rejected)?;
        if self.in_flight.is_closed() {
            let error = ErrorPayload::new(ErrorCode::Unavailable, "the server is shutting down");
            self.failed(&error);
            return Err(error);
        }
        let _busy = match session {
            Some(session) => Some(session.start().inspect_err(rejected)?),
            None => None,
        };
        let _in_flight = self.in_flight.token();
        let (number, id) = self.ids.next();
        // Before the answer is cancellable: a cancel that finds it is sure to be seen.
        let cancelled = session.map(|session| session.begin(number));
        log_direct!(
            INFO,
            "received AI message",
            prompt = Field::Display(&prompt),
            id = Field::Display(&id),
        );

        let (history, epoch) = match session {
            Some(session) if self.limits.history > 0 => {
                session.history(self.provider.reads_history())
            }
            _ => (Vec::new(), 0),
        };
        let prompt: Arc<str> = Arc::from(&*prompt);
        let request = ChatRequest::with_history(&history, Arc::clone(&prompt));
        let stream = self.limits.stream;
        // What a cancelled answer returns. Only a session's answer can be cancelled; one
        // buffer per answer, grown as pieces come (the provider's own is lost with its future).
        let mut so_far = String::new();
        let keep = session.is_some();
        // Only streamed answers have a first chunk (and `--no-stream` pays for no clock read).
        let mut first = stream;
        let metrics = &self.metrics;
        let mut on_delta = |delta: &str| {
            if first && !delta.is_empty() {
                first = false;
                metrics.first_chunk(started.elapsed());
            }
            if keep {
                so_far.push_str(delta);
            }
            if stream && !delta.is_empty() {
                on_chunk(AiChunk {
                    id: id.clone(),
                    delta: delta.to_owned(),
                });
            }
        };
        // A block, so that the provider's future (which borrows `on_delta`) is gone after it.
        let outcome = {
            let work = self.work(&request, &mut on_delta);
            let mut work = std::pin::pin!(work);
            // Polled once before anything else: an answer ready at once (the echo provider, a
            // refusal) costs no timer and no wait registered on the session's end or on
            // `ai-cancel` (together a twentieth of a round trip, `scripts/instructions.sh`).
            match std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await {
                Poll::Ready(outcome) => Some(outcome),
                Poll::Pending => self.wait(work, started, session, cancelled, &id).await?,
            }
        };
        // An answer that ended just as `ai-cancel` claimed it counts as cancelled, as its
        // acknowledgement said.
        match outcome.filter(|_| session.is_none_or(|session| session.finish(number))) {
            Some(outcome) => self.completed(session, epoch, prompt, id, outcome, started),
            None => {
                tracing::info!(%id, response = %so_far, "AI answer cancelled by the client");
                self.metrics
                    .ai_request(Outcome::Cancelled, started.elapsed());
                Ok(AiResponse {
                    response: so_far,
                    id: Some(id),
                    finish_reason: Some(wire::FINISH_CANCELLED.to_owned()),
                    usage: None,
                })
            }
        }
    }

    /// An answer not ready at once, until it is: bounded by `--ai-timeout` from its start,
    /// stopped by `ai-cancel` (`None`) or by the session's end (`Err`). Dropping `work` drops
    /// the provider's future, and with it the upstream request.
    async fn wait(
        &self,
        work: Pin<&mut impl Future<Output = Result<Completion, ErrorPayload>>>,
        started: Instant,
        session: Option<&Session>,
        cancelled: Option<Notified<'_>>,
        id: &str,
    ) -> Result<Option<Result<Completion, ErrorPayload>>, ErrorPayload> {
        let deadline = tokio::time::Instant::from_std(started) + self.limits.timeout;
        let timed = async {
            match tokio::time::timeout_at(deadline, work).await {
                Ok(outcome) => outcome,
                Err(_) => Err(self.timed_out()),
            }
        };
        let closed = async {
            match session {
                Some(session) => session.closed.cancelled().await,
                None => std::future::pending().await,
            }
        };
        let cancel = async {
            match cancelled {
                Some(notified) => notified.await,
                None => std::future::pending().await,
            }
        };
        // `biased`: an answer that is ready is taken before a cancellation.
        tokio::select! {
            biased;
            outcome = timed => Ok(Some(outcome)),
            () = closed => {
                tracing::info!(%id, "AI answer cancelled: the client disconnected");
                let error = ErrorPayload::new(ErrorCode::Unavailable, "the client disconnected");
                self.failed(&error);
                Err(error)
            }
            () = cancel => Ok(None),
        }
    }

    /// The provider call, waiting for a slot included (`--ai-timeout` bounds it from outside).
    async fn work(
        &self,
        request: &ChatRequest,
        on_delta: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, ErrorPayload> {
        let _permit = self.permits.acquire().await.map_err(|_| {
            ErrorPayload::new(ErrorCode::Unavailable, "the server is shutting down")
        })?;
        self.provider
            .complete(request, on_delta)
            .await
            .map_err(|e| ErrorPayload::new(e.code, e.message))
    }

    /// What an answer past `--ai-timeout` returns.
    fn timed_out(&self) -> ErrorPayload {
        ErrorPayload::new(
            ErrorCode::Timeout,
            format!(
                "{} gave no complete answer within {}",
                self.provider.name(),
                humantime::format_duration(self.limits.timeout)
            ),
        )
    }

    /// An answer that failed, for the metrics.
    fn failed(&self, error: &ErrorPayload) {
        self.metrics.ai_request(Outcome::Failed, Duration::ZERO);
        self.metrics.error(error.code);
    }

    /// Log, count and remember an answer that was not cancelled.
    fn completed(
        &self,
        session: Option<&Session>,
        epoch: u64,
        prompt: Arc<str>,
        id: String,
        outcome: Result<Completion, ErrorPayload>,
        started: Instant,
    ) -> Result<AiResponse, ErrorPayload> {
        match outcome {
            Ok(completion) => {
                self.metrics
                    .ai_request(Outcome::Answered, started.elapsed());
                if let Some(usage) = &completion.usage {
                    self.metrics
                        .tokens(usage.prompt_tokens, usage.completion_tokens);
                }
                log_direct!(
                    INFO,
                    "AI response",
                    response = Field::Display(&completion.text),
                    id = Field::Display(&id),
                    finish_reason = Field::Str(completion.finish_reason.as_deref().unwrap_or("")),
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
                self.failed(&e);
                Err(e)
            }
        }
    }

    /// `ai-cancel`: stop the session's answer in flight, if it is answer `id` (any, without
    /// one). Returns whether one was stopped. Policy: a cancelled answer is not remembered
    /// (see docs/protocol.md).
    pub fn cancel(&self, session: &Session, id: Option<&str>) -> bool {
        let target = match id {
            Some(id) => match self.ids.number(id) {
                Some(number) => Some(number),
                None => return false,
            },
            None => None,
        };
        session.cancel(target)
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

/// Request ids: unique within a run, and unlikely to repeat across runs (random prefix).
struct RequestIds {
    prefix: u32,
    /// `prefix` as the ids start: eight hex digits and the `-`, written once.
    head: String,
    next: AtomicU64,
}

impl RequestIds {
    fn new() -> Self {
        // RandomState is seeded randomly per process: a random number without a dependency.
        let random = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
        Self::with_prefix((random >> 32) as u32)
    }

    fn with_prefix(prefix: u32) -> Self {
        Self {
            prefix,
            head: format!("{prefix:08x}-"),
            next: AtomicU64::new(1),
        }
    }

    /// A new id and its number (never 0): `{prefix:08x}-{n}`, written by hand (`format!` cost
    /// a thousand instructions per answer, `scripts/instructions.sh`).
    fn next(&self) -> (u64, String) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut number = itoa::Buffer::new();
        let number = number.format(n);
        let mut id = String::with_capacity(self.head.len() + number.len());
        id.push_str(&self.head);
        id.push_str(number);
        (n, id)
    }

    /// The number of an id of this run; none for anything else.
    fn number(&self, id: &str) -> Option<u64> {
        let (prefix, n) = id.split_once('-')?;
        let prefix = u32::from_str_radix(prefix, 16).ok()?;
        (prefix == self.prefix).then(|| n.parse().ok()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Streams "partial", then never finishes (until its future is dropped).
    struct Stalls;

    impl Provider for Stalls {
        fn name(&self) -> &'static str {
            "stalls"
        }

        fn model(&self) -> &str {
            "stalls"
        }

        fn complete<'a>(
            &'a self,
            _request: &'a ChatRequest,
            on_delta: crate::providers::DeltaSink<'a>,
        ) -> futures_util::future::BoxFuture<'a, Result<Completion, crate::providers::ProviderError>>
        {
            Box::pin(async move {
                on_delta("partial");
                std::future::pending().await
            })
        }
    }

    #[test]
    fn request_ids_are_the_prefix_in_hex_then_a_counter() {
        for prefix in [0, 1, 0xabc, 0xdead_beef, u32::MAX] {
            let ids = RequestIds::with_prefix(prefix);
            assert_eq!(ids.next(), (1, format!("{prefix:08x}-1")));
            let (n, id) = ids.next();
            assert_eq!((n, ids.number(&id)), (2, Some(2)));
            ids.next.store(u64::MAX, Ordering::Relaxed);
            assert_eq!(ids.next().1, format!("{prefix:08x}-{}", u64::MAX));
        }
    }

    fn assistant(provider: Arc<dyn Provider>) -> Assistant {
        let limits = AnswerLimits {
            max_prompt_bytes: 1000,
            stream: true,
            history: 4,
            timeout: Duration::from_secs(30),
            max_concurrent: 1,
        };
        Assistant::new(provider, limits, Arc::new(Metrics::new("test", "test")))
    }

    #[tokio::test]
    async fn a_cancelled_answer_returns_its_text_so_far_and_is_not_remembered() {
        let assistant = assistant(Arc::new(Stalls));
        let session = Session::default();
        assert!(!assistant.cancel(&session, None), "nothing in flight");
        let (chunks, mut streamed) = tokio::sync::mpsc::unbounded_channel();
        let prompt = AiPayload::Value(serde_json::json!({"prompt": "tell me"}));
        let answer = async {
            let mut on_chunk = |chunk| {
                chunks.send(chunk).ok();
            };
            assistant
                .answer(Some(&session), &prompt, &mut on_chunk)
                .await
        };
        let cancel = async {
            let first: AiChunk = streamed.recv().await.expect("a chunk");
            assert!(!assistant.cancel(&session, Some("00000000-999")));
            assert!(!assistant.cancel(&session, Some("garbage")));
            assert!(assistant.cancel(&session, Some(&first.id)));
            // Claimed once: a second cancel finds nothing.
            assert!(!assistant.cancel(&session, None));
            first.id
        };
        let (response, id) = tokio::join!(answer, cancel);
        let response = response.unwrap();
        assert_eq!(response.response, "partial");
        assert_eq!(response.id, Some(id));
        assert_eq!(
            response.finish_reason.as_deref(),
            Some(wire::FINISH_CANCELLED)
        );
        // Policy: neither the prompt nor the partial answer is remembered; the session is free.
        assert!(session.history(true).0.is_empty());
        assert!(session.start().is_ok());
    }

    #[tokio::test]
    async fn an_answer_not_cancelled_is_remembered_and_cancel_then_finds_nothing() {
        let assistant = assistant(Arc::new(crate::providers::Echo::new(Duration::ZERO)));
        let session = Session::default();
        let prompt = AiPayload::Value(serde_json::json!({"prompt": "hi"}));
        let response = assistant.answer(Some(&session), &prompt, &mut |_| {}).await;
        assert_eq!(response.unwrap().finish_reason.as_deref(), Some("stop"));
        assert_eq!(session.history(true).0.len(), 1);
        assert!(!assistant.cancel(&session, None));
    }
}
