//! The offline default provider: deterministic answers without a key or a network.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::{ChatRequest, Completion, DeltaSink, Provider, ProviderError};

/// Answers `echo: <prompt>`, after an optional delay that imitates a model's latency.
pub struct Echo {
    delay: Duration,
}

impl Echo {
    pub fn new(delay: Duration) -> Self {
        Self { delay }
    }
}

impl Provider for Echo {
    fn name(&self) -> &'static str {
        "echo"
    }

    fn model(&self) -> &str {
        "echo"
    }

    fn reads_history(&self) -> bool {
        false
    }

    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_delta: DeltaSink<'a>,
    ) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(async move {
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            let prompt = request.last_prompt();
            let mut text = String::with_capacity(6 + prompt.len());
            text.push_str("echo: ");
            text.push_str(prompt);
            on_delta(&text);
            Ok(Completion {
                text,
                finish_reason: Some("stop".to_owned()),
                usage: None,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn echoes_the_last_prompt_and_streams_it() {
        let echo = Echo::new(Duration::ZERO);
        let mut seen = String::new();
        let answer = echo
            .complete(&ChatRequest::prompt("Hello AI"), &mut |d| seen.push_str(d))
            .await
            .unwrap();
        assert_eq!(answer.text, "echo: Hello AI");
        assert_eq!(seen, answer.text);
    }
}
