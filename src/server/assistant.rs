//! Answering prompts: validation, the provider call and its logs, shared by the Socket.IO
//! handlers, the raw-WebSocket bridge and `POST /api/ai`.

use std::sync::Arc;

use serde_json::Value;
use tokio_util::task::TaskTracker;

use crate::providers::{ChatRequest, Provider};
use crate::wire::{self, AiResponse, ErrorCode, ErrorPayload};

pub struct Assistant {
    provider: Arc<dyn Provider>,
    max_prompt_bytes: usize,
    /// Answers in flight; shutdown waits on it.
    in_flight: TaskTracker,
}

impl Assistant {
    pub fn new(provider: Arc<dyn Provider>, max_prompt_bytes: usize) -> Self {
        Self {
            provider,
            max_prompt_bytes,
            in_flight: TaskTracker::new(),
        }
    }

    pub fn provider(&self) -> &dyn Provider {
        self.provider.as_ref()
    }

    /// Validate an `ai-message` payload and answer it. `on_delta` sees the answer as it streams.
    pub async fn answer(
        &self,
        payload: &Value,
        on_delta: &mut (dyn FnMut(&str) + Send),
    ) -> Result<AiResponse, ErrorPayload> {
        let prompt = wire::parse_ai_request(payload, self.max_prompt_bytes).inspect_err(|e| {
            tracing::warn!(code = %e.code, "rejected AI message: {}", e.message);
        })?;
        if self.in_flight.is_closed() {
            return Err(ErrorPayload::new(
                ErrorCode::Unavailable,
                "the server is shutting down",
            ));
        }
        let _in_flight = self.in_flight.token();
        tracing::info!(prompt = %prompt, "received AI message");
        let request = ChatRequest::prompt(prompt);
        match self.provider.complete(&request, on_delta).await {
            Ok(completion) => {
                tracing::info!(response = %completion.text, "AI response");
                Ok(AiResponse {
                    response: completion.text,
                    id: None,
                    finish_reason: completion.finish_reason,
                    usage: completion.usage,
                })
            }
            Err(e) => {
                tracing::warn!(code = %e.code, "AI provider failed: {}", e.message);
                Err(ErrorPayload::new(e.code, e.message))
            }
        }
    }

    /// Refuse new prompts and wait for the answers in flight, at most `limit`.
    pub async fn drain(&self, limit: std::time::Duration) {
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
