//! What the HTTP providers share: the client, retries, mapping failures to wire error codes,
//! reading error bodies of any shape, reading event streams, and keeping the key out of messages.

use std::collections::VecDeque;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

use super::sse;
use super::{ConfigError, ProviderError};
use crate::wire::ErrorCode;

/// How long connecting to the provider may take; the whole answer is bounded by `--ai-timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// First wait before a retry; doubled for each further one.
const BACKOFF: Duration = Duration::from_millis(250);
/// The longest `Retry-After` we wait for. A provider asking for more is reported at once as
/// `rate_limited`: holding a client for minutes is worse than telling it.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Most of an error body read: enough for any message, bounded against a hostile peer.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Most of a whole (non-streamed) answer read.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Longest upstream message passed on to clients.
const MAX_MESSAGE_CHARS: usize = 300;

/// An HTTP client for one provider, with its retry policy and its secret.
pub struct Upstream {
    client: reqwest::Client,
    provider: &'static str,
    /// Replaced by `[redacted]` in every message, whatever the upstream echoes back.
    secret: Option<String>,
    retries: u32,
}

impl Upstream {
    pub fn new(
        provider: &'static str,
        secret: Option<String>,
        retries: u32,
    ) -> Result<Self, ConfigError> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("sockai/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::Client(e.to_string()))?;
        Ok(Self {
            client,
            provider,
            secret: secret.filter(|s| !s.is_empty()),
            retries,
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Send a request built by `build`, retrying 429 and 5xx answers (at most `retries` times,
    /// backing off, honouring `Retry-After`). Any other failure is final. Returns a 2xx response.
    pub async fn send(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ProviderError> {
        let mut attempt = 0;
        loop {
            let response = build().send().await.map_err(|e| self.transport_error(&e))?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            let retry_after = retry_after(response.headers());
            let body = read_capped(response, MAX_ERROR_BODY)
                .await
                .unwrap_or_default();
            let error = self.status_error(status, &body);
            let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
            if !retryable || attempt >= self.retries {
                return Err(error);
            }
            let wait = match retry_after {
                Some(wait) if wait > MAX_RETRY_AFTER => {
                    return Err(ProviderError {
                        message: format!(
                            "{} (it asks to retry after {}s)",
                            error.message,
                            wait.as_secs()
                        ),
                        ..error
                    });
                }
                Some(wait) => wait,
                None => BACKOFF * 2u32.saturating_pow(attempt),
            };
            attempt += 1;
            tracing::warn!(
                provider = self.provider,
                status = status.as_u16(),
                attempt,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "AI provider failed, retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// A whole JSON answer.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        response: reqwest::Response,
    ) -> Result<T, ProviderError> {
        let body = read_capped(response, MAX_BODY)
            .await
            .map_err(|e| self.transport_error(&e))?;
        serde_json::from_slice(&body).map_err(|e| {
            self.error(
                ErrorCode::Upstream,
                format!("answered JSON that is not a completion: {e}"),
            )
        })
    }

    /// A provider error with a message that names the provider and never holds the key.
    pub fn error(&self, code: ErrorCode, message: impl AsRef<str>) -> ProviderError {
        let mut message = format!("{}: {}", self.provider, message.as_ref());
        if let Some(secret) = &self.secret {
            message = message.replace(secret.as_str(), "[redacted]");
        }
        ProviderError { code, message }
    }

    /// A non-2xx answer: the code comes from the status, the message from whatever body came.
    fn status_error(&self, status: StatusCode, body: &[u8]) -> ProviderError {
        let code = code_for_status(status.as_u16());
        let reason = status.canonical_reason().unwrap_or("");
        let message = match body_message(body) {
            Some(detail) => format!("answered {} {reason}: {detail}", status.as_u16()),
            None => format!("answered {} {reason}", status.as_u16()),
        };
        self.error(code, message)
    }

    /// An error object that arrived inside a 200 answer (e.g. `data: {"error": …}` mid-stream).
    pub fn in_band_error(&self, error: &Value) -> ProviderError {
        let code = error
            .get("code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .map_or(ErrorCode::Upstream, code_for_status);
        let detail = value_message(&serde_json::json!({ "error": error }))
            .unwrap_or_else(|| "unknown error".to_owned());
        self.error(code, format!("failed while answering: {detail}"))
    }

    fn transport_error(&self, error: &reqwest::Error) -> ProviderError {
        let code = if error.is_timeout() {
            ErrorCode::Timeout
        } else if error.is_connect() || error.is_request() {
            ErrorCode::Unavailable
        } else {
            ErrorCode::Upstream
        };
        let what = if code == ErrorCode::Unavailable {
            "cannot be reached"
        } else {
            "connection failed"
        };
        self.error(code, format!("{what}: {}", describe(error)))
    }

    /// Read a streamed answer as server-sent events.
    pub fn events(&self, response: reqwest::Response) -> Events<'_> {
        Events {
            upstream: self,
            response,
            parser: sse::Parser::new(),
            ready: VecDeque::new(),
            ended: false,
        }
    }
}

/// Server-sent events of one streamed answer. Dropping it closes the connection.
pub struct Events<'a> {
    upstream: &'a Upstream,
    response: reqwest::Response,
    parser: sse::Parser,
    ready: VecDeque<sse::Event>,
    ended: bool,
}

impl Events<'_> {
    /// The next event, or `None` at the end of the stream.
    pub async fn next(&mut self) -> Result<Option<sse::Event>, ProviderError> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Ok(Some(event));
            }
            if self.ended {
                return Ok(None);
            }
            match self.response.chunk().await {
                Ok(Some(bytes)) => {
                    let events = self.parser.push(&bytes).map_err(|e| {
                        self.upstream
                            .error(ErrorCode::Upstream, format!("unusable stream: {e}"))
                    })?;
                    self.ready.extend(events);
                }
                Ok(None) => {
                    self.ended = true;
                    self.ready.extend(self.parser.finish());
                }
                Err(e) => {
                    return Err(self.upstream.error(
                        ErrorCode::Upstream,
                        format!("the stream broke off: {}", describe(&e)),
                    ));
                }
            }
        }
    }
}

/// A reqwest error with its causes, on one line, without the URL: that is configuration the
/// operator knows, and may carry a token.
fn describe(error: &reqwest::Error) -> String {
    let url = error
        .url()
        .map(|u| format!(" for url ({u})"))
        .unwrap_or_default();
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        let part = e.to_string().replace(&url, "");
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        source = e.source();
    }
    text
}

/// The wire error code for an HTTP status from a provider.
pub fn code_for_status(status: u16) -> ErrorCode {
    match status {
        401 | 403 => ErrorCode::Unauthorized,
        429 => ErrorCode::RateLimited,
        408 | 504 => ErrorCode::Timeout,
        503 => ErrorCode::Unavailable,
        400..=499 => ErrorCode::BadRequest,
        _ => ErrorCode::Upstream,
    }
}

/// `Retry-After` in seconds. (The HTTP-date form is rare from APIs; it falls back to backoff.)
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let secs = value.parse::<f64>().ok()?;
    Duration::try_from_secs_f64(secs).ok()
}

async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    Ok(body)
}

/// A human message from an error body, whatever its shape: `{"error": {"message"}}` (OpenAI,
/// Google), `{"error": "…"}`, `{"detail": "…"}` (FastAPI servers), `{"message": "…"}`, an array
/// of those (Google's streaming errors), or plain text.
pub fn body_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let message = match serde_json::from_str::<Value>(text) {
        Ok(value) => value_message(&value).unwrap_or_else(|| text.to_owned()),
        Err(_) => text.lines().next().unwrap_or_default().to_owned(),
    };
    Some(shorten(&message))
}

fn value_message(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Array(items) => items.iter().find_map(value_message),
        Value::Object(object) => {
            for key in ["error", "detail", "message", "msg"] {
                match object.get(key) {
                    Some(Value::Object(inner)) => {
                        let message = inner.get("message").and_then(value_message);
                        // Google adds a status word (`INVALID_ARGUMENT`), useful in logs.
                        let status = inner.get("status").and_then(Value::as_str);
                        if let Some(message) = message {
                            return Some(match status {
                                Some(status) => format!("{message} ({status})"),
                                None => message,
                            });
                        }
                        if let Some(message) = value_message(&Value::Object(inner.clone())) {
                            return Some(message);
                        }
                    }
                    Some(Value::Array(items)) if !items.is_empty() => {
                        // FastAPI validation errors: a list of {"loc", "msg"}.
                        return items
                            .iter()
                            .find_map(value_message)
                            .or_else(|| Some(Value::Array(items.clone()).to_string()));
                    }
                    Some(other) => {
                        if let Some(message) = value_message(other) {
                            return Some(message);
                        }
                    }
                    None => {}
                }
            }
            None
        }
        _ => None,
    }
}

fn shorten(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_of_every_shape_give_a_message() {
        let cases: [(&str, &str); 8] = [
            (
                r#"{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}}"#,
                "Incorrect API key provided",
            ),
            (
                r#"{"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT"}}"#,
                "API key not valid. (INVALID_ARGUMENT)",
            ),
            (
                r#"[{"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}]"#,
                "Quota exceeded (RESOURCE_EXHAUSTED)",
            ),
            (r#"{"detail": "Invalid API key"}"#, "Invalid API key"),
            (
                r#"{"detail": [{"loc": ["body", "messages"], "msg": "field required"}]}"#,
                "field required",
            ),
            (r#"{"error": "model not found"}"#, "model not found"),
            ("Internal Server Error\nmore", "Internal Server Error"),
            (r#"{"unexpected": true}"#, r#"{"unexpected": true}"#),
        ];
        for (body, message) in cases {
            assert_eq!(
                body_message(body.as_bytes()).as_deref(),
                Some(message),
                "{body}"
            );
        }
        assert_eq!(body_message(b"  "), None);
        assert!(
            body_message("x".repeat(1000).as_bytes())
                .unwrap()
                .chars()
                .count()
                <= 301
        );
    }

    #[test]
    fn statuses_map_to_wire_codes() {
        for (status, code) in [
            (400, ErrorCode::BadRequest),
            (404, ErrorCode::BadRequest),
            (401, ErrorCode::Unauthorized),
            (403, ErrorCode::Unauthorized),
            (429, ErrorCode::RateLimited),
            (500, ErrorCode::Upstream),
            (502, ErrorCode::Upstream),
            (503, ErrorCode::Unavailable),
            (504, ErrorCode::Timeout),
        ] {
            assert_eq!(code_for_status(status), code, "{status}");
        }
    }

    #[test]
    fn messages_never_hold_the_key() {
        let upstream = Upstream::new("openai", Some("sk-secret-123".into()), 0).unwrap();
        let error = upstream.error(
            ErrorCode::Unauthorized,
            "Incorrect API key provided: sk-secret-123",
        );
        assert_eq!(
            error.message,
            "openai: Incorrect API key provided: [redacted]"
        );
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
