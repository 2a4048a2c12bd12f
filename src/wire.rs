//! The wire contract shared by `sockai serve` and the `sockai` clients.
//!
//! Every event name, payload and error code that crosses the network is defined here and
//! nowhere else. `docs/protocol.md` is the prose twin of this module: change both together.

use serde::{Deserialize, Serialize};

use crate::protocol::json;

mod request;

pub use request::{AiPayload, parse_ai_request};

/// Event names, as they appear on the wire.
pub mod event {
    /// Client → server: any payload, logged by the server.
    pub const MESSAGE: &str = "message";
    /// Client → server: `{"prompt": "…"}`.
    pub const AI_MESSAGE: &str = "ai-message";
    /// Server → client: `{"id": "…", "delta": "…"}`, the next piece of an answer being
    /// generated (not sent with `--no-stream`).
    pub const AI_MESSAGE_CHUNK: &str = "ai-message-chunk";
    /// Server → client: `{"response": "…"}`, the complete answer.
    pub const AI_MESSAGE_RESPONSE: &str = "ai-message-response";
    /// Server → client: `{"code": "…", "message": "…"}`, an `ai-message` that got no answer.
    pub const AI_MESSAGE_ERROR: &str = "ai-message-error";
    /// Client → server, any or no payload: forget this connection's conversation memory.
    /// Acknowledged, when asked, with `{"cleared": <exchanges forgotten>}`.
    pub const AI_RESET: &str = "ai-reset";
    /// Client → server, `{"id": "…"}` or no payload / `{}` (the answer in flight): stop that
    /// answer. The provider request is dropped and the answer ends with an
    /// `ai-message-response` holding the text streamed so far and `finish_reason: "cancelled"`.
    /// Acknowledged, when asked, with `{"cancelled": true|false}`; nothing to cancel is no error.
    pub const AI_CANCEL: &str = "ai-cancel";
    /// Raw-WebSocket bridge only, server → client: `{"code": "…", "message": "…"}`.
    pub const ERROR: &str = "error";
    /// Socket.IO, server → client: `{"code": "…", "message": "…"}` for an event the server does
    /// not handle or one over the rate limit. Not `error`: several clients (rust_socketio among
    /// them) treat an incoming `error` event as a failure of the connection itself.
    pub const SERVER_ERROR: &str = "server-error";
}

/// The Socket.IO path the server mounts and the clients use by default.
pub const SOCKET_IO_PATH: &str = "/socket.io/";

/// Payload of `ai-message-response` (and body of a successful `POST /api/ai`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AiResponse {
    pub response: String,
    /// Identifies the request; its `ai-message-chunk`s carry the same id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why the model stopped (`stop`, `length`, …), when the provider says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// Payload of `ai-message-chunk`: a piece of the answer to request `id`. The `delta`s of one
/// request, concatenated, are the `response` of its `ai-message-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiChunk {
    pub id: String,
    pub delta: String,
}

impl AiResponse {
    /// This payload's JSON, byte for byte what its `Serialize` writes, appended to `out`
    /// without serde: it goes out on every answer (a test holds the two together).
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"response\":");
        json::write_str(out, &self.response);
        if let Some(id) = &self.id {
            out.push_str(",\"id\":");
            json::write_str(out, id);
        }
        if let Some(reason) = &self.finish_reason {
            out.push_str(",\"finish_reason\":");
            json::write_str(out, reason);
        }
        if let Some(usage) = &self.usage {
            let mut number = itoa::Buffer::new();
            out.push_str(",\"usage\":{\"prompt_tokens\":");
            out.push_str(number.format(usage.prompt_tokens));
            out.push_str(",\"completion_tokens\":");
            out.push_str(number.format(usage.completion_tokens));
            out.push('}');
        }
        out.push('}');
    }
}

impl AiChunk {
    /// As [`AiResponse::write_json`]: what `Serialize` writes, for every streamed piece.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"id\":");
        json::write_str(out, &self.id);
        out.push_str(",\"delta\":");
        json::write_str(out, &self.delta);
        out.push('}');
    }
}

/// Acknowledgement of `ai-reset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiResetAck {
    /// How many exchanges were forgotten.
    pub cleared: usize,
}

/// Argument of `ai-cancel`: the id of the answer to stop (its `ai-message-chunk`s carry it);
/// none stops whichever answer is in flight.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiCancel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Acknowledgement of `ai-cancel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiCancelAck {
    /// Whether an answer was stopped (false: none in flight, or another id).
    pub cancelled: bool,
}

/// The `finish_reason` of an answer stopped by `ai-cancel`.
pub const FINISH_CANCELLED: &str = "cancelled";

/// Read the arguments of `ai-cancel`: none, `null`, `{}` or `{"id": "…"}`.
pub fn parse_ai_cancel(args: &[serde_json::Value]) -> Result<AiCancel, ErrorPayload> {
    match args.first() {
        None | Some(serde_json::Value::Null) => Ok(AiCancel::default()),
        Some(value) => AiCancel::deserialize(value).map_err(|_| {
            ErrorPayload::new(
                ErrorCode::InvalidPayload,
                "ai-cancel takes no argument, {} or {\"id\": \"<answer id>\"}",
            )
        }),
    }
}

/// Token counts reported by the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// Payload of `ai-message-error`, of the bridge's `error` event and body of a failed HTTP call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorPayload {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorPayload {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Machine-readable error codes. Serialized in `snake_case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The payload is not JSON, or not the JSON the event expects.
    InvalidPayload,
    /// `prompt` is missing.
    MissingPrompt,
    /// `prompt` is not a string.
    InvalidPrompt,
    /// `prompt` is empty or only whitespace.
    EmptyPrompt,
    /// `prompt` is longer than the server's `--max-prompt-bytes`.
    PromptTooLarge,
    /// An event the server does not handle (Socket.IO or the raw-WebSocket bridge).
    UnknownEvent,
    /// A binary frame on the bridge, or binary attachments to `message` or `ai-message`.
    BinaryNotSupported,
    /// The socket already has an answer in flight.
    Busy,
    /// The provider rejected the request as malformed.
    BadRequest,
    /// The provider rejected the credentials.
    Unauthorized,
    /// The provider is rate limiting (after retries).
    RateLimited,
    /// The provider refused to answer (safety filters).
    Blocked,
    /// The provider did not answer in time.
    Timeout,
    /// The provider failed or answered something unusable.
    Upstream,
    /// The provider could not be reached, or the server is shutting down.
    Unavailable,
    /// The server has `--auth-token` set and the client did not present it.
    AuthRequired,
    /// The client sends events faster than the server's `--rate-limit`.
    TooManyEvents,
    /// The server holds its `--max-connections`.
    ServerFull,
    /// The request carries an `Origin` that is neither the server's own nor listed with
    /// `--cors-origin`: a web page on another site.
    OriginNotAllowed,
    /// The server listens on a loopback address and the request's `Host` names neither a
    /// loopback host nor one listed with `--allowed-host` (or `--cors-origin`): DNS rebinding.
    HostNotAllowed,
    /// `POST /api/ai` with a body that is not declared `Content-Type: application/json`.
    UnsupportedMediaType,
}

impl ErrorCode {
    /// Every code, in declaration order (`code as usize` indexes it: a test checks).
    pub const ALL: [ErrorCode; 21] = [
        Self::InvalidPayload,
        Self::MissingPrompt,
        Self::InvalidPrompt,
        Self::EmptyPrompt,
        Self::PromptTooLarge,
        Self::UnknownEvent,
        Self::BinaryNotSupported,
        Self::Busy,
        Self::BadRequest,
        Self::Unauthorized,
        Self::RateLimited,
        Self::Blocked,
        Self::Timeout,
        Self::Upstream,
        Self::Unavailable,
        Self::AuthRequired,
        Self::TooManyEvents,
        Self::ServerFull,
        Self::OriginNotAllowed,
        Self::HostNotAllowed,
        Self::UnsupportedMediaType,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidPayload => "invalid_payload",
            Self::MissingPrompt => "missing_prompt",
            Self::InvalidPrompt => "invalid_prompt",
            Self::EmptyPrompt => "empty_prompt",
            Self::PromptTooLarge => "prompt_too_large",
            Self::UnknownEvent => "unknown_event",
            Self::BinaryNotSupported => "binary_not_supported",
            Self::Busy => "busy",
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::RateLimited => "rate_limited",
            Self::Blocked => "blocked",
            Self::Timeout => "timeout",
            Self::Upstream => "upstream",
            Self::Unavailable => "unavailable",
            Self::AuthRequired => "auth_required",
            Self::TooManyEvents => "too_many_events",
            Self::ServerFull => "server_full",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::HostNotAllowed => "host_not_allowed",
            Self::UnsupportedMediaType => "unsupported_media_type",
        }
    }

    /// The HTTP status `POST /api/ai` answers with for this error (and any request refused
    /// before it reaches a route, such as one from a foreign origin or for a foreign host).
    pub fn http_status(self) -> u16 {
        match self {
            Self::InvalidPayload
            | Self::MissingPrompt
            | Self::InvalidPrompt
            | Self::EmptyPrompt
            | Self::UnknownEvent
            | Self::BinaryNotSupported => 400,
            Self::PromptTooLarge => 413,
            Self::Busy => 409,
            Self::BadRequest | Self::Upstream | Self::Blocked | Self::Unauthorized => 502,
            Self::RateLimited | Self::TooManyEvents => 429,
            Self::Timeout => 504,
            Self::Unavailable | Self::ServerFull => 503,
            Self::AuthRequired => 401,
            Self::OriginNotAllowed | Self::HostNotAllowed => 403,
            Self::UnsupportedMediaType => 415,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A frame of the raw-WebSocket bridge at `ws://host:port/`: `{"event": "…", "data": …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub event: String,
    #[serde(default)]
    pub data: serde_json::Value,
}

impl Envelope {
    pub fn new(event: &str, data: impl Serialize) -> Self {
        Self {
            event: event.to_owned(),
            // Serializing our own wire types cannot fail: they hold only strings and numbers.
            data: serde_json::to_value(data).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The JSON type of a value, for error messages.
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Process exit codes of `sockai`. Documented in README.md and `--help`.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// An expectation or assertion failed, or timed out (`sockai emit`); a runtime failure.
    pub const FAILURE: i32 = 1;
    /// Usage error: bad flags or arguments, or a subcommand that is not available.
    pub const USAGE: i32 = 2;
    /// Could not connect: refused, timed out, namespace or auth rejected (`connect`, `emit`).
    pub const CONNECT: i32 = 3;

    /// What every subcommand's error tells `main`, whose reporter is the one place that turns an
    /// error into its line and its exit status.
    ///
    /// The error's `Display` is the whole line, causes included: the reporter prints it once as
    /// `sockai: error: {error}` and does not walk `source()` (which would repeat a cause that the
    /// message already quotes).
    pub trait Failure: std::error::Error {
        /// The process's exit status for this error: one of the constants above.
        fn exit_code(&self) -> i32;

        /// False when the command has already shown the failure where it happened (a REPL
        /// script's failed `wait`, an error record on a JSON-lines transcript that also wrote
        /// the line): the reporter then prints nothing and only exits with [`Failure::exit_code`].
        fn needs_report(&self) -> bool {
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The error for `payload`, the same read as a value and as JSON text.
    fn code(payload: serde_json::Value) -> ErrorCode {
        let from_value = parse_ai_request(&payload, 8).unwrap_err();
        let raw = serde_json::value::RawValue::from_string(payload.to_string()).unwrap();
        let from_text = AiPayload::Text(raw).prompt(8).unwrap_err();
        assert_eq!(from_value, from_text, "{payload}");
        from_value.code
    }

    #[test]
    fn every_error_code_is_listed_in_declaration_order() {
        for (index, code) in ErrorCode::ALL.into_iter().enumerate() {
            assert_eq!(code as usize, index, "{code:?}");
        }
        // The last variant closes the list: a code added after it must be listed too.
        let last = ErrorCode::ALL[ErrorCode::ALL.len() - 1];
        assert_eq!(last, ErrorCode::UnsupportedMediaType);
    }

    /// One value of every JSON type but the one expected, for the wrong-type matrices.
    fn every_json_type() -> [serde_json::Value; 6] {
        [
            json!(null),
            json!(true),
            json!(7),
            json!("s"),
            json!([1]),
            json!({"a": 1}),
        ]
    }

    #[test]
    fn every_wrong_type_of_every_field_is_named() {
        for wrong in every_json_type() {
            let expected = match &wrong {
                serde_json::Value::Object(_) => ErrorCode::MissingPrompt,
                _ => ErrorCode::InvalidPayload,
            };
            assert_eq!(code(wrong.clone()), expected, "payload {wrong}");
            let expected = match &wrong {
                serde_json::Value::Null => ErrorCode::MissingPrompt,
                serde_json::Value::String(_) => continue,
                _ => ErrorCode::InvalidPrompt,
            };
            assert_eq!(code(json!({ "prompt": wrong })), expected, "prompt {wrong}");
        }
        // The bridge envelope: `event` must be a string; `data` may be anything (checked later).
        for wrong in every_json_type() {
            let envelope = json!({ "event": wrong, "data": {} });
            assert_eq!(
                serde_json::from_value::<Envelope>(envelope).is_ok(),
                wrong.is_string(),
                "event {wrong}"
            );
            let envelope = json!({ "event": "message", "data": wrong });
            assert!(serde_json::from_value::<Envelope>(envelope).is_ok());
        }
    }

    #[test]
    fn error_codes_serialize_as_documented() {
        for code in [
            ErrorCode::PromptTooLarge,
            ErrorCode::RateLimited,
            ErrorCode::Busy,
            ErrorCode::OriginNotAllowed,
            ErrorCode::HostNotAllowed,
            ErrorCode::UnsupportedMediaType,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
        }
    }

    #[test]
    fn hand_written_payloads_are_what_serde_writes() {
        let texts = ["", "echo: hi", "say \"hi\"\n", "日本語 \u{1} \\"];
        for text in texts {
            for (id, reason, usage) in [
                (None, None, None),
                (Some(text), Some("stop"), None),
                (Some("x-1"), None, Some((3, 4))),
                (None, Some(text), Some((0, u64::MAX))),
            ] {
                let response = AiResponse {
                    response: text.to_owned(),
                    id: id.map(str::to_owned),
                    finish_reason: reason.map(str::to_owned),
                    usage: usage.map(|(prompt_tokens, completion_tokens)| Usage {
                        prompt_tokens,
                        completion_tokens,
                    }),
                };
                let mut ours = String::new();
                response.write_json(&mut ours);
                assert_eq!(ours, serde_json::to_string(&response).unwrap());
            }
            let chunk = AiChunk {
                id: text.to_owned(),
                delta: text.to_owned(),
            };
            let mut ours = String::new();
            chunk.write_json(&mut ours);
            assert_eq!(ours, serde_json::to_string(&chunk).unwrap());
        }
    }
}
