//! Any OpenAI-compatible Chat Completions server: OpenAI, Ollama, llama.cpp, vLLM, LM Studio.
//!
//! `POST {base}/chat/completions`. Streamed answers are server-sent events of
//! `chat.completion.chunk` objects ending with `data: [DONE]`. Compatible servers differ (measured
//! on llama.cpp's server): a stream may end
//! with no `[DONE]` and no finish reason (a prompt over the context window on llama.cpp), which
//! is an error, not an empty answer; errors may arrive as `data: {"error": …}` on a 200; keep-alive
//! comments appear; usage chunks have `choices: []` or `null`.

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::answer::{self, Gather};
use super::http::Upstream;
use super::{
    ChatRequest, Completion, ConfigError, DeltaSink, Generation, Provider, ProviderError, Role,
};
use crate::wire::{ErrorCode, Usage};

pub const DEFAULT_MODEL: &str = "gpt-4o-mini";
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// Sent when `--max-tokens` is not given: without a bound, local servers generate until the
/// context fills (a measured 46 s for one answer).
pub const DEFAULT_MAX_TOKENS: u32 = 1024;

pub struct OpenAi {
    upstream: Upstream,
    key: Option<String>,
    model: String,
    url: String,
    generation: Generation,
}

impl OpenAi {
    pub fn new(
        base_url: String,
        key: Option<String>,
        model: String,
        generation: Generation,
        retries: u32,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            upstream: Upstream::new("openai", key.clone(), retries)?,
            key,
            model: model.trim().to_owned(),
            url: format!("{base_url}/chat/completions"),
            generation,
        })
    }

    fn body<'a>(&'a self, request: &'a ChatRequest) -> CompletionRequest<'a> {
        let system = self
            .generation
            .system
            .as_deref()
            .map(|content| ChatMessage {
                role: "system",
                content,
            });
        let messages = system
            .into_iter()
            .chain(request.messages.iter().map(|m| ChatMessage {
                role: match m.role {
                    Role::User => "user",
                    Role::Assistant => "assistant",
                },
                content: &m.content,
            }))
            .collect();
        CompletionRequest {
            model: &self.model,
            messages,
            max_tokens: self.generation.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
            temperature: self.generation.temperature,
            stream: self.generation.stream,
            stream_options: self.generation.stream.then_some(StreamOptions {
                include_usage: true,
            }),
        }
    }

    async fn answer(
        &self,
        request: &ChatRequest,
        on_delta: DeltaSink<'_>,
    ) -> Result<Completion, ProviderError> {
        let body = self.body(request);
        let build = || {
            let builder = self.upstream.client().post(&self.url).json(&body);
            match &self.key {
                Some(key) => builder.bearer_auth(key),
                None => builder,
            }
        };
        answer::answer::<Answer>(&self.upstream, self.generation.stream, build, on_delta).await
    }
}

impl Provider for OpenAi {
    fn name(&self) -> &'static str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_delta: DeltaSink<'a>,
    ) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(self.answer(request, on_delta))
    }
}

#[derive(Serialize)]
struct CompletionRequest<'a> {
    model: &'a str,
    messages: Vec<ChatMessage<'a>>,
    /// `max_tokens` rather than the newer `max_completion_tokens`: every compatible server
    /// knows it.
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
}

#[derive(Serialize)]
struct ChatMessage<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

/// A `chat.completion` or a `chat.completion.chunk`: only the fields used, all optional.
#[derive(Deserialize, Default)]
#[serde(default)]
struct CompletionObject {
    /// `null` or `[]` on a usage-only chunk.
    choices: Option<Vec<Choice>>,
    usage: Option<UsageObject>,
    error: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Choice {
    /// Whole answers have `message`, chunks have `delta`.
    message: Option<ChoiceMessage>,
    delta: Option<ChoiceMessage>,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChoiceMessage {
    content: Option<String>,
    refusal: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UsageObject {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

#[derive(Default)]
struct Answer {
    text: String,
    refusal: String,
    finish_reason: Option<String>,
    usage: Option<Usage>,
    /// `data: [DONE]` arrived.
    done: bool,
}

impl Gather for Answer {
    type Object = CompletionObject;
    const EVENT: &'static str = "a completion chunk";

    fn ends_stream(&mut self, data: &str) -> bool {
        self.done = data == "[DONE]";
        self.done
    }

    fn absorb(
        &mut self,
        upstream: &Upstream,
        object: CompletionObject,
        on_delta: DeltaSink<'_>,
    ) -> Result<(), ProviderError> {
        if let Some(error) = &object.error {
            return Err(upstream.in_band_error(error));
        }
        if let Some(usage) = object.usage {
            self.usage = Some(Usage {
                prompt_tokens: usage.prompt_tokens.unwrap_or(0),
                completion_tokens: usage.completion_tokens.unwrap_or(0),
            });
        }
        let Some(choice) = object.choices.unwrap_or_default().into_iter().next() else {
            return Ok(());
        };
        if let Some(message) = choice.message.or(choice.delta) {
            if let Some(text) = message.content.filter(|t| !t.is_empty()) {
                on_delta(&text);
                self.text.push_str(&text);
            }
            if let Some(refusal) = message.refusal {
                self.refusal.push_str(&refusal);
            }
        }
        if choice.finish_reason.is_some() {
            self.finish_reason = choice.finish_reason;
        }
        Ok(())
    }

    fn finish(self, upstream: &Upstream, streamed: bool) -> Result<Completion, ProviderError> {
        if streamed && !self.done && self.finish_reason.is_none() {
            return Err(upstream.error(
                ErrorCode::Upstream,
                "the stream ended before the model finished (no [DONE], no finish reason; \
                 a prompt longer than the model's context does this on some servers)",
            ));
        }
        if !streamed && self.finish_reason.is_none() && self.text.is_empty() {
            return Err(upstream.error(ErrorCode::Upstream, "answered without a choice"));
        }
        if self.text.is_empty()
            && (!self.refusal.is_empty() || self.finish_reason.as_deref() == Some("content_filter"))
        {
            let detail = if self.refusal.is_empty() {
                "content filter".to_owned()
            } else {
                self.refusal
            };
            return Err(upstream.error(ErrorCode::Blocked, format!("refused to answer: {detail}")));
        }
        Ok(Completion {
            text: self.text,
            finish_reason: self.finish_reason,
            usage: self.usage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn openai(generation: Generation) -> OpenAi {
        OpenAi::new(
            "http://127.0.0.1:9/v1".into(),
            None,
            "llama".into(),
            generation,
            0,
        )
        .unwrap()
    }

    #[test]
    fn request_body_always_bounds_max_tokens() {
        let provider = openai(Generation {
            system: Some("Be brief.".into()),
            temperature: Some(0.2),
            max_tokens: None,
            stream: true,
        });
        let history = [("Hi".into(), "Hello!".into())];
        assert_eq!(
            serde_json::to_value(provider.body(&ChatRequest::with_history(&history, "Joke?")))
                .unwrap(),
            json!({
                "model": "llama",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello!"},
                    {"role": "user", "content": "Joke?"},
                ],
                "max_tokens": DEFAULT_MAX_TOKENS,
                "temperature": 0.2f32,
                "stream": true,
                "stream_options": {"include_usage": true},
            })
        );
        assert_eq!(provider.url, "http://127.0.0.1:9/v1/chat/completions");
    }

    fn absorb_all(
        chunks: &[Value],
        done: bool,
        streamed: bool,
    ) -> Result<(Completion, String), ProviderError> {
        let upstream = Upstream::new("openai", None, 0).unwrap();
        let mut answer = Answer::default();
        let mut seen = String::new();
        for chunk in chunks {
            let chunk = serde_json::from_value(chunk.clone()).unwrap();
            answer.absorb(&upstream, chunk, &mut |d| seen.push_str(d))?;
        }
        answer.done = done;
        Ok((answer.finish(&upstream, streamed)?, seen))
    }

    #[test]
    fn chunks_role_only_usage_only_and_null_choices_are_handled() {
        let (completion, seen) = absorb_all(
            &[
                json!({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]}),
                json!({"choices": [{"index": 0, "delta": {"content": "Hel"}, "finish_reason": null}]}),
                json!({"choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": null}]}),
                json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
                json!({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}),
                json!({"choices": null}),
            ],
            true,
            true,
        )
        .unwrap();
        assert_eq!(
            (completion.text.as_str(), seen.as_str()),
            ("Hello", "Hello")
        );
        assert_eq!(completion.finish_reason.as_deref(), Some("stop"));
        assert_eq!(completion.usage.map(|u| u.completion_tokens), Some(2));
    }

    #[test]
    fn a_stream_that_just_stops_is_an_error_not_an_empty_answer() {
        let error = absorb_all(&[], false, true).unwrap_err();
        assert_eq!(error.code, ErrorCode::Upstream);
        assert!(error.message.contains("ended before"), "{}", error.message);
        // A finish reason without [DONE] is a whole answer.
        let (completion, _) = absorb_all(
            &[json!({"choices": [{"delta": {"content": "ok"}, "finish_reason": "length"}]})],
            false,
            true,
        )
        .unwrap();
        assert_eq!(completion.finish_reason.as_deref(), Some("length"));
    }

    #[test]
    fn mid_stream_errors_and_refusals_are_reported() {
        let error = absorb_all(
            &[
                json!({"choices": [{"delta": {"content": "Hel"}}]}),
                json!({"error": {"message": "model crashed", "type": "server_error"}}),
            ],
            false,
            true,
        )
        .unwrap_err();
        assert_eq!(error.code, ErrorCode::Upstream);
        assert!(error.message.contains("model crashed"));
        let refused = absorb_all(
            &[json!({"choices": [{"message": {"content": null, "refusal": "I can't help with that."}, "finish_reason": "stop"}]})],
            false,
            false,
        )
        .unwrap_err();
        assert_eq!(refused.code, ErrorCode::Blocked);
    }
}
