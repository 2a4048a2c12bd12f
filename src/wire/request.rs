//! An `ai-message` argument, `{"prompt": "…"}`, as it arrives: a parsed JSON value (the bridge,
//! `POST /api/ai`) or its JSON text (a Socket.IO event, read without its JSON tree:
//! `protocol::socketio::decode_event`). Both read the same, every bad input with its own error.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{ErrorCode, ErrorPayload, json_kind};

/// An `ai-message` argument, owned, on its way to the assistant.
#[derive(Debug)]
pub enum AiPayload {
    Value(Value),
    Text(Box<RawValue>),
}

/// The one shape a good request has; anything else is read as a [`Value`] for its error.
#[derive(Deserialize)]
struct Prompt<'a> {
    #[serde(borrow)]
    prompt: Cow<'a, str>,
}

impl AiPayload {
    /// The prompt, validated; borrowed unless its JSON text has escapes.
    pub fn prompt(&self, max_prompt_bytes: usize) -> Result<Cow<'_, str>, ErrorPayload> {
        let text = match self {
            AiPayload::Value(value) => {
                return parse_ai_request(value, max_prompt_bytes).map(Cow::Borrowed);
            }
            AiPayload::Text(raw) => raw.get(),
        };
        // A derived struct would also take `["…"]`: only an object is read this way. Any other
        // input (no prompt, a null or a number as the prompt, a key twice) is read as a value,
        // which gives each its error and, for a key twice, the last one as serde_json does.
        if text.starts_with('{')
            && let Ok(Prompt { prompt }) = serde_json::from_str(text)
        {
            check_prompt(&prompt, max_prompt_bytes)?;
            return Ok(prompt);
        }
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ErrorPayload::new(ErrorCode::InvalidPayload, format!("bad JSON: {e}")))?;
        parse_ai_request(&value, max_prompt_bytes).map(|prompt| Cow::Owned(prompt.to_owned()))
    }
}

/// Validate an `ai-message` payload and return its prompt.
///
/// Takes any JSON so that every kind of bad input gets its own precise error code.
pub fn parse_ai_request(payload: &Value, max_prompt_bytes: usize) -> Result<&str, ErrorPayload> {
    let object = payload.as_object().ok_or_else(|| {
        ErrorPayload::new(
            ErrorCode::InvalidPayload,
            format!(
                "expected an object like {{\"prompt\": \"…\"}}, got {}",
                json_kind(payload)
            ),
        )
    })?;
    let prompt = match object.get("prompt") {
        None | Some(Value::Null) => {
            return Err(ErrorPayload::new(
                ErrorCode::MissingPrompt,
                "the payload has no \"prompt\" field",
            ));
        }
        Some(Value::String(prompt)) => prompt,
        Some(other) => {
            return Err(ErrorPayload::new(
                ErrorCode::InvalidPrompt,
                format!("\"prompt\" must be a string, got {}", json_kind(other)),
            ));
        }
    };
    check_prompt(prompt, max_prompt_bytes)?;
    Ok(prompt)
}

fn check_prompt(prompt: &str, max_prompt_bytes: usize) -> Result<(), ErrorPayload> {
    if prompt.trim().is_empty() {
        return Err(ErrorPayload::new(
            ErrorCode::EmptyPrompt,
            "\"prompt\" is empty",
        ));
    }
    if prompt.len() > max_prompt_bytes {
        return Err(ErrorPayload::new(
            ErrorCode::PromptTooLarge,
            format!(
                "\"prompt\" is {} bytes, the limit is {max_prompt_bytes}",
                prompt.len()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn code(payload: Value) -> ErrorCode {
        parse_ai_request(&payload, 8).unwrap_err().code
    }

    /// The prompt (or the error) read from the text and from the value, which must agree.
    fn read(text: &str) -> Result<String, ErrorPayload> {
        let raw = RawValue::from_string(text.to_owned()).unwrap();
        let from_text = AiPayload::Text(raw).prompt(8).map(Cow::into_owned);
        let value = serde_json::from_str(text).unwrap();
        let from_value = AiPayload::Value(value).prompt(8).map(Cow::into_owned);
        assert_eq!(from_text, from_value, "{text}");
        from_text
    }

    #[test]
    fn accepts_a_prompt() {
        assert_eq!(parse_ai_request(&json!({"prompt": "hi"}), 8).unwrap(), "hi");
        assert_eq!(read(r#"{"prompt":"hi","model":3}"#).unwrap(), "hi");
        assert_eq!(read(r#"{"prompt":"h\u0069"}"#).unwrap(), "hi");
        assert_eq!(read(r#"{"prompt":"a","prompt":"b"}"#).unwrap(), "b");
        let raw = RawValue::from_string(r#"{"prompt":"hi"}"#.to_owned()).unwrap();
        let payload = AiPayload::Text(raw);
        assert!(matches!(payload.prompt(8), Ok(Cow::Borrowed("hi"))));
    }

    #[test]
    fn names_each_kind_of_bad_input() {
        assert_eq!(code(json!("hi")), ErrorCode::InvalidPayload);
        assert_eq!(code(json!({})), ErrorCode::MissingPrompt);
        assert_eq!(code(json!({"prompt": null})), ErrorCode::MissingPrompt);
        assert_eq!(code(json!({"prompt": 3})), ErrorCode::InvalidPrompt);
        assert_eq!(code(json!({"prompt": "  "})), ErrorCode::EmptyPrompt);
        assert_eq!(
            code(json!({"prompt": "123456789"})),
            ErrorCode::PromptTooLarge
        );
        for text in [
            r#""hi""#,
            r#"["hi"]"#,
            "{}",
            r#"{"prompt":null}"#,
            r#"{"prompt":3}"#,
            r#"{"prompt":"  "}"#,
            r#"{"prompt":"123456789"}"#,
            r#"{"prompt":"ok","prompt":3}"#,
        ] {
            assert!(read(text).is_err(), "{text}");
        }
        assert_eq!(read(r#"{"prompt":3,"prompt":"ok"}"#).unwrap(), "ok");
    }
}
