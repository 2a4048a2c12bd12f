//! AI providers behind one small trait.
//!
//! The server hands a provider a [`ChatRequest`] and a callback for streamed text; the provider
//! returns the whole [`Completion`] or a [`ProviderError`] whose code is part of the wire contract.
//! Adding a provider means adding a module here and a variant to [`ProviderKind`]; no handler
//! changes.

mod echo;

use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::wire::{ErrorCode, Usage};

pub use echo::Echo;

/// Who said a message in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

/// One question to a model, with the conversation so far (oldest first, ending with the prompt).
#[derive(Debug, Clone, Default)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
}

impl ChatRequest {
    /// A request with a single user prompt and no history.
    pub fn prompt(prompt: impl Into<String>) -> Self {
        Self {
            messages: vec![Message {
                role: Role::User,
                content: prompt.into(),
            }],
        }
    }

    /// The last user message: the prompt being answered.
    pub fn last_prompt(&self) -> &str {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map_or("", |m| m.content.as_str())
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
    /// Answer `request`, passing text to `on_delta` as it arrives. The returned text is the
    /// concatenation of every delta. Dropping the future cancels the upstream request.
    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_delta: DeltaSink<'a>,
    ) -> BoxFuture<'a, Result<Completion, ProviderError>>;
}

/// The providers `sockai serve --provider` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderKind {
    /// Offline: answers `echo: <prompt>`; no key, no network.
    Echo,
}

/// Everything needed to build a provider, gathered from flags and the environment.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub echo_delay: Duration,
}

/// Build the configured provider, or say in one line what is missing.
pub fn build(config: &ProviderConfig) -> Result<Box<dyn Provider>, ProviderError> {
    match config.kind {
        ProviderKind::Echo => Ok(Box::new(Echo::new(config.echo_delay))),
    }
}
