//! AI providers behind one small trait.
//!
//! The server hands a provider a [`ChatRequest`] and a callback for streamed text; the provider
//! returns the whole [`Completion`] or a [`ProviderError`] whose code is part of the wire contract.
//! Adding a provider means adding a module here and a variant to [`ProviderKind`]; no handler
//! changes.

mod answer;
mod echo;
mod gemini;
mod http;
mod openai;
mod sse;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use smallvec::SmallVec;

use crate::wire::{ErrorCode, Usage};

pub use echo::Echo;
pub use gemini::Gemini;
pub use openai::OpenAi;

/// Who said a message in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    /// The model's earlier answers, sent back as conversation memory.
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    /// Shared with the connection's memory: a request costs no copy of the conversation.
    pub content: Arc<str>,
}

/// One earlier `(prompt, answer)` of a conversation.
pub type Exchange = (Arc<str>, Arc<str>);

/// One question to a model, with the conversation so far (oldest first, ending with the prompt).
/// A prompt without history (the `echo` provider reads none) takes no allocation.
#[derive(Debug, Clone, Default)]
pub struct ChatRequest {
    pub messages: SmallVec<[Message; 1]>,
}

impl ChatRequest {
    /// A request with a single user prompt and no history.
    #[cfg(test)]
    pub fn prompt(prompt: impl Into<Arc<str>>) -> Self {
        Self::with_history(&[], prompt)
    }

    /// A prompt after earlier `(prompt, answer)` exchanges, oldest first.
    pub fn with_history(history: &[Exchange], prompt: impl Into<Arc<str>>) -> Self {
        let mut messages = SmallVec::with_capacity(history.len() * 2 + 1);
        for (question, answer) in history {
            messages.push(Message {
                role: Role::User,
                content: Arc::clone(question),
            });
            messages.push(Message {
                role: Role::Assistant,
                content: Arc::clone(answer),
            });
        }
        messages.push(Message {
            role: Role::User,
            content: prompt.into(),
        });
        Self { messages }
    }

    /// The last user message: the prompt being answered.
    pub fn last_prompt(&self) -> &str {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map_or("", |m| &*m.content)
    }
}

/// A whole answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
}

/// Why a provider produced no answer. `code` is what the client sees in `ai-message-error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub code: ErrorCode,
    pub message: String,
}

/// Receives pieces of the answer as the model produces them.
pub type DeltaSink<'a> = &'a mut (dyn FnMut(&str) + Send);

/// An AI model the server can ask.
pub trait Provider: Send + Sync {
    /// Short provider name for logs and `GET /` (`echo`, `gemini`, `openai`).
    fn name(&self) -> &'static str;
    /// The model answering.
    fn model(&self) -> &str;
    /// Whether answers depend on the earlier exchanges in `ChatRequest::messages`. A provider
    /// that reads only the last prompt says no, and is spared collecting the conversation.
    fn reads_history(&self) -> bool {
        true
    }
    /// Answer `request`, passing text to `on_delta` as it arrives. The returned text is the
    /// concatenation of every delta. Dropping the future cancels the upstream request.
    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_delta: DeltaSink<'a>,
    ) -> BoxFuture<'a, Result<Completion, ProviderError>>;
}

/// The providers `sockai serve --provider` accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderKind {
    /// Offline: answers `echo: <prompt>`; no key, no network.
    #[default]
    Echo,
    /// Google Gemini (Generative Language API); key in GEMINI_API_KEY or GOOGLE_API_KEY.
    Gemini,
    /// Any OpenAI-compatible Chat Completions server (OpenAI, Ollama, llama.cpp, vLLM, LM Studio).
    #[value(name = "openai")]
    OpenAi,
}

/// Everything needed to build a provider, gathered from flags. Environment variables are read
/// by [`build`] through a lookup function, so tests need not touch the process environment.
#[derive(Debug, Clone, Default)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub echo_delay: Duration,
    /// `--model`; each provider has its own environment variable and default.
    pub model: Option<String>,
    /// `--base-url`: where the provider's API is (tests, proxies, local servers).
    pub base_url: Option<String>,
    /// `--system`: instructions sent before the conversation.
    pub system: Option<String>,
    pub temperature: Option<f32>,
    /// `--max-tokens`; OpenAI-compatible servers always get a bound (see [`openai`]).
    pub max_tokens: Option<u32>,
    /// Ask the provider to stream (`false` with `--no-stream`).
    pub stream: bool,
    /// Retries of a 429 or 5xx answer.
    pub retries: u32,
}

/// What the generation flags say, shared by the HTTP providers.
#[derive(Debug, Clone, Default)]
pub struct Generation {
    pub system: Option<String>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    pub stream: bool,
}

/// A provider that cannot start: one line for the operator. `sockai serve` exits 2 on it,
/// as for a bad flag: the fix is in the command line or the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("--provider gemini needs an API key: set GEMINI_API_KEY or GOOGLE_API_KEY")]
    MissingGeminiKey,
    #[error("invalid --base-url {url:?}: {reason}")]
    BaseUrl { url: String, reason: String },
    #[error("{0} is empty")]
    Empty(&'static str),
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

/// Build the configured provider, or say in one line what is missing. `env` looks up
/// environment variables (`std::env::var` in the binary); empty values count as unset.
pub fn build(
    config: &ProviderConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Box<dyn Provider>, ConfigError> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let generation = Generation {
        system: config.system.clone().filter(|s| !s.trim().is_empty()),
        temperature: config.temperature,
        max_tokens: config.max_tokens,
        stream: config.stream,
    };
    if config.model.as_deref().is_some_and(|m| m.trim().is_empty()) {
        return Err(ConfigError::Empty("--model"));
    }
    match config.kind {
        ProviderKind::Echo => Ok(Box::new(Echo::new(config.echo_delay))),
        ProviderKind::Gemini => {
            // As the official SDKs: GOOGLE_API_KEY wins when both are set.
            let key = env("GOOGLE_API_KEY")
                .or_else(|| env("GEMINI_API_KEY"))
                .ok_or(ConfigError::MissingGeminiKey)?;
            let model = config
                .model
                .clone()
                .or_else(|| env("GEMINI_MODEL"))
                .unwrap_or_else(|| gemini::DEFAULT_MODEL.to_owned());
            let base = config
                .base_url
                .clone()
                .unwrap_or_else(|| gemini::DEFAULT_BASE_URL.to_owned());
            let base = parse_base_url(&base)?;
            Ok(Box::new(Gemini::new(
                base,
                key,
                model,
                generation,
                config.retries,
            )?))
        }
        ProviderKind::OpenAi => {
            let key = env("OPENAI_API_KEY");
            let model = config
                .model
                .clone()
                .or_else(|| env("OPENAI_MODEL"))
                .unwrap_or_else(|| openai::DEFAULT_MODEL.to_owned());
            let base = config
                .base_url
                .clone()
                .or_else(|| env("OPENAI_BASE_URL"))
                .unwrap_or_else(|| openai::DEFAULT_BASE_URL.to_owned());
            let base = parse_base_url(&base)?;
            Ok(Box::new(OpenAi::new(
                base,
                key,
                model,
                generation,
                config.retries,
            )?))
        }
    }
}

/// An http(s) URL, without a trailing slash so paths can be appended.
fn parse_base_url(text: &str) -> Result<String, ConfigError> {
    let error = |reason: &str| ConfigError::BaseUrl {
        url: text.to_owned(),
        reason: reason.to_owned(),
    };
    let url = reqwest::Url::parse(text.trim()).map_err(|e| error(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(error("expected an http:// or https:// URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(error("expected no query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: ProviderKind) -> ProviderConfig {
        ProviderConfig {
            kind,
            ..ProviderConfig::default()
        }
    }

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn gemini_without_a_key_fails_in_one_line() {
        let error = build(
            &config(ProviderKind::Gemini),
            &env_of(&[("GEMINI_API_KEY", " ")]),
        )
        .err()
        .unwrap();
        assert_eq!(error, ConfigError::MissingGeminiKey);
        assert!(!error.to_string().contains('\n'));
    }

    #[test]
    fn gemini_takes_its_model_from_flag_env_or_default() {
        let env = env_of(&[("GEMINI_API_KEY", "k"), ("GEMINI_MODEL", "gemini-env")]);
        let provider = build(&config(ProviderKind::Gemini), &env).unwrap();
        assert_eq!(provider.model(), "gemini-env");
        let flagged = ProviderConfig {
            model: Some("gemini-flag".into()),
            ..config(ProviderKind::Gemini)
        };
        assert_eq!(build(&flagged, &env).unwrap().model(), "gemini-flag");
        let bare = build(
            &config(ProviderKind::Gemini),
            &env_of(&[("GOOGLE_API_KEY", "k")]),
        );
        assert_eq!(bare.unwrap().model(), gemini::DEFAULT_MODEL);
    }

    #[test]
    fn openai_needs_no_key_and_checks_its_base_url() {
        let provider = build(&config(ProviderKind::OpenAi), &env_of(&[])).unwrap();
        assert_eq!(provider.name(), "openai");
        let bad = ProviderConfig {
            base_url: Some("localhost:11434/v1".into()),
            ..config(ProviderKind::OpenAi)
        };
        assert!(matches!(
            build(&bad, &env_of(&[])).err(),
            Some(ConfigError::BaseUrl { .. })
        ));
    }

    #[test]
    fn base_urls_lose_their_trailing_slash() {
        assert_eq!(
            parse_base_url("http://localhost:11434/v1/").unwrap(),
            "http://localhost:11434/v1"
        );
        assert!(parse_base_url("ftp://x").is_err());
    }
}
