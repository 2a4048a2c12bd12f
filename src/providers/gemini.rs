//! Google Gemini through the Generative Language REST API.
//!
//! `POST {base}/v1beta/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse`
//! whose events are each a whole `GenerateContentResponse` carrying the next piece of text, and
//! which ends at EOF (no `[DONE]`). The key travels in the `x-goog-api-key` header, never in
//! the URL, so it cannot leak through logs of URLs.

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::answer::{self, Gather};
use super::http::Upstream;
use super::{
    ChatRequest, Completion, ConfigError, DeltaSink, Generation, Provider, ProviderError, Role,
};
use crate::wire::{ErrorCode, Usage};

pub const DEFAULT_MODEL: &str = "gemini-2.5-flash";
pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";

pub struct Gemini {
    upstream: Upstream,
    key: String,
    model: String,
    /// `{base}/v1beta/models/{model}`, to which `:generateContent` is appended.
    endpoint: String,
    generation: Generation,
}

impl Gemini {
    pub fn new(
        base_url: String,
        key: String,
        model: String,
        generation: Generation,
        retries: u32,
    ) -> Result<Self, ConfigError> {
        // Accept the model as the API names it (`models/gemini-…`) or bare.
        let model = model.trim().trim_start_matches("models/").to_owned();
        // Accept a base with or without the API version, as proxies document either.
        let base = base_url.trim_end_matches("/v1beta");
        let endpoint = format!("{base}/v1beta/models/{model}");
        Ok(Self {
            upstream: Upstream::new("gemini", Some(key.clone()), retries)?,
            key,
            model,
            endpoint,
            generation,
        })
    }

    fn body<'a>(&'a self, request: &'a ChatRequest) -> GenerateRequest<'a> {
        GenerateRequest {
            contents: request
                .messages
                .iter()
                .map(|m| Content {
                    role: Some(match m.role {
                        Role::User => "user",
                        Role::Assistant => "model",
                    }),
                    parts: vec![Part { text: &m.content }],
                })
                .collect(),
            system_instruction: self.generation.system.as_deref().map(|text| Content {
                role: None,
                parts: vec![Part { text }],
            }),
            generation_config: GenerationConfig {
                temperature: self.generation.temperature,
                // Sent only when asked: Gemini 2.5 counts its thinking against this limit, so a
                // small default would cut answers off before they start.
                max_output_tokens: self.generation.max_tokens,
            },
        }
    }

    async fn answer(
        &self,
        request: &ChatRequest,
        on_delta: DeltaSink<'_>,
    ) -> Result<Completion, ProviderError> {
        let body = self.body(request);
        let url = if self.generation.stream {
            format!("{}:streamGenerateContent?alt=sse", self.endpoint)
        } else {
            format!("{}:generateContent", self.endpoint)
        };
        let build = || {
            self.upstream
                .client()
                .post(&url)
                .header("x-goog-api-key", &self.key)
                .json(&body)
        };
        answer::answer::<Answer>(&self.upstream, self.generation.stream, build, on_delta).await
    }
}

impl Provider for Gemini {
    fn name(&self) -> &'static str {
        "gemini"
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
#[serde(rename_all = "camelCase")]
struct GenerateRequest<'a> {
    contents: Vec<Content<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system_instruction: Option<Content<'a>>,
    generation_config: GenerationConfig,
}

#[derive(Serialize)]
struct Content<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    parts: Vec<Part<'a>>,
}

#[derive(Serialize)]
struct Part<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GenerationConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_tokens: Option<u32>,
}

/// `GenerateContentResponse`, only the fields used; everything optional, as the API leaves
/// fields out freely (no `candidates` on a blocked prompt, no `content` on some finishes).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct GenerateResponse {
    candidates: Vec<Candidate>,
    prompt_feedback: Option<PromptFeedback>,
    usage_metadata: Option<UsageMetadata>,
    error: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Candidate {
    content: Option<CandidateContent>,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CandidateContent {
    parts: Vec<ResponsePart>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResponsePart {
    text: Option<String>,
    /// A thought summary of a thinking model, not part of the answer.
    thought: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct PromptFeedback {
    block_reason: Option<String>,
    block_reason_message: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct UsageMetadata {
    prompt_token_count: Option<u64>,
    candidates_token_count: Option<u64>,
}

/// The answer so far, built from one response or from every streamed one.
#[derive(Default)]
struct Answer {
    text: String,
    finish_reason: Option<String>,
    usage: Option<Usage>,
}

/// Finish reasons that mean the model refused, rather than ended.
const REFUSALS: &[&str] = &[
    "SAFETY",
    "RECITATION",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "IMAGE_SAFETY",
];

impl Gather for Answer {
    type Object = GenerateResponse;
    const EVENT: &'static str = "a response";

    fn absorb(
        &mut self,
        upstream: &Upstream,
        response: GenerateResponse,
        on_delta: DeltaSink<'_>,
    ) -> Result<(), ProviderError> {
        if let Some(error) = &response.error {
            return Err(upstream.in_band_error(error));
        }
        if let Some(usage) = response.usage_metadata {
            self.usage = Some(Usage {
                prompt_tokens: usage.prompt_token_count.unwrap_or(0),
                completion_tokens: usage.candidates_token_count.unwrap_or(0),
            });
        }
        let Some(candidate) = response.candidates.into_iter().next() else {
            // Not a let-chain: the README promises Rust 1.85.
            let feedback = response.prompt_feedback.unwrap_or_default();
            if let Some(reason) = feedback.block_reason {
                let detail = feedback
                    .block_reason_message
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                return Err(upstream.error(
                    ErrorCode::Blocked,
                    format!("blocked the prompt ({reason}){detail}"),
                ));
            }
            return Ok(());
        };
        for part in candidate.content.into_iter().flat_map(|c| c.parts) {
            if let Some(text) = part.text.filter(|t| !t.is_empty() && !part.thought) {
                on_delta(&text);
                self.text.push_str(&text);
            }
        }
        if candidate.finish_reason.is_some() {
            self.finish_reason = candidate.finish_reason;
        }
        Ok(())
    }

    fn finish(self, upstream: &Upstream, streamed: bool) -> Result<Completion, ProviderError> {
        let Some(reason) = self.finish_reason else {
            let what = if streamed {
                "the stream ended before the model finished"
            } else {
                "answered without a candidate"
            };
            return Err(upstream.error(ErrorCode::Upstream, what));
        };
        if self.text.is_empty() && REFUSALS.contains(&reason.as_str()) {
            return Err(upstream.error(ErrorCode::Blocked, format!("refused to answer ({reason})")));
        }
        Ok(Completion {
            text: self.text,
            finish_reason: Some(normalize_finish_reason(&reason)),
            usage: self.usage,
        })
    }
}

/// Gemini's `STOP` / `MAX_TOKENS` in the vocabulary of the wire (`stop`, `length`), the rest
/// lower-cased (`safety`, `recitation`, …).
fn normalize_finish_reason(reason: &str) -> String {
    match reason {
        "STOP" => "stop".to_owned(),
        "MAX_TOKENS" => "length".to_owned(),
        other => other.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::Message;
    use serde_json::json;

    fn gemini(generation: Generation) -> Gemini {
        Gemini::new(
            "http://127.0.0.1:9/v1beta/"
                .trim_end_matches('/')
                .to_owned(),
            "key".into(),
            "models/gemini-2.5-flash".into(),
            generation,
            0,
        )
        .unwrap()
    }

    #[test]
    fn request_body_follows_the_api() {
        let provider = gemini(Generation {
            system: Some("Be brief.".into()),
            temperature: Some(0.5),
            max_tokens: Some(100),
            stream: true,
        });
        assert_eq!(
            provider.endpoint,
            "http://127.0.0.1:9/v1beta/models/gemini-2.5-flash"
        );
        let request = ChatRequest {
            messages: smallvec::smallvec![
                Message {
                    role: Role::User,
                    content: "Hi".into(),
                },
                Message {
                    role: Role::Assistant,
                    content: "Hello!".into(),
                },
                Message {
                    role: Role::User,
                    content: "Joke?".into(),
                },
            ],
        };
        assert_eq!(
            serde_json::to_value(provider.body(&request)).unwrap(),
            json!({
                "contents": [
                    {"role": "user", "parts": [{"text": "Hi"}]},
                    {"role": "model", "parts": [{"text": "Hello!"}]},
                    {"role": "user", "parts": [{"text": "Joke?"}]},
                ],
                "systemInstruction": {"parts": [{"text": "Be brief."}]},
                "generationConfig": {"temperature": 0.5, "maxOutputTokens": 100},
            })
        );
        let plain = gemini(Generation::default());
        assert_eq!(
            serde_json::to_value(plain.body(&ChatRequest::prompt("x"))).unwrap(),
            json!({"contents": [{"role": "user", "parts": [{"text": "x"}]}], "generationConfig": {}})
        );
    }

    fn absorb_all(responses: &[Value]) -> Result<(Completion, String), ProviderError> {
        let upstream = Upstream::new("gemini", None, 0).unwrap();
        let mut answer = Answer::default();
        let mut seen = String::new();
        for response in responses {
            let response = serde_json::from_value(response.clone()).unwrap();
            answer.absorb(&upstream, response, &mut |d| seen.push_str(d))?;
        }
        Ok((answer.finish(&upstream, true)?, seen))
    }

    #[test]
    fn parts_are_joined_thoughts_skipped_and_the_finish_reason_kept() {
        let (completion, seen) = absorb_all(&[
            json!({"candidates": [{"content": {"parts": [{"text": "thinking…", "thought": true}, {"text": "Why "}], "role": "model"}, "index": 0}]}),
            json!({"candidates": [{"content": {"parts": [{"text": "not?"}], "role": "model"}, "finishReason": "MAX_TOKENS", "index": 0}],
                   "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 3, "totalTokenCount": 7}}),
        ])
        .unwrap();
        assert_eq!(completion.text, "Why not?");
        assert_eq!(seen, "Why not?");
        assert_eq!(completion.finish_reason.as_deref(), Some("length"));
        assert_eq!(
            completion.usage,
            Some(Usage {
                prompt_tokens: 4,
                completion_tokens: 3
            })
        );
    }

    #[test]
    fn a_blocked_prompt_or_a_refusal_is_blocked() {
        let blocked = absorb_all(&[json!({"promptFeedback": {"blockReason": "SAFETY"}})]);
        assert_eq!(blocked.unwrap_err().code, ErrorCode::Blocked);
        let refused = absorb_all(&[json!({"candidates": [{"finishReason": "SAFETY"}]})]);
        assert_eq!(refused.unwrap_err().code, ErrorCode::Blocked);
    }

    #[test]
    fn a_stream_without_a_finish_reason_is_an_error() {
        let cut =
            absorb_all(&[json!({"candidates": [{"content": {"parts": [{"text": "Half"}]}}]})]);
        assert_eq!(cut.unwrap_err().code, ErrorCode::Upstream);
        let error = absorb_all(&[
            json!({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}),
        ]);
        assert_eq!(error.unwrap_err().code, ErrorCode::Unavailable);
    }
}
