//! An event's arguments as a transport hands them over, and `Args`, all of them in order, for
//! the log lines.

use std::fmt;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::wire::AiPayload;

/// An event's arguments: parsed (the bridge's `data`), or each as its JSON text (a Socket.IO
/// event read without its JSON tree), parsed only by the handler that takes them.
#[derive(Debug)]
pub enum EventArgs<'a> {
    Values(Vec<Value>),
    Text(&'a [&'a RawValue]),
}

impl EventArgs<'_> {
    /// Every argument as a value (for the events that are not on the hot path).
    pub fn into_values(self) -> Vec<Value> {
        match self {
            EventArgs::Values(values) => values,
            // The texts are JSON the parser has already read through: parsing them again cannot
            // fail, and a failure would be a null, never a panic.
            EventArgs::Text(texts) => texts
                .iter()
                .map(|text| serde_json::from_str(text.get()).unwrap_or(Value::Null))
                .collect(),
        }
    }

    /// The first argument, owned, as an `ai-message` payload.
    pub fn into_ai_payload(self) -> Option<AiPayload> {
        match self {
            EventArgs::Values(values) => values.into_iter().next().map(AiPayload::Value),
            EventArgs::Text(texts) => texts.first().map(|&text| AiPayload::Text(text.to_owned())),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Args(pub Vec<Value>);

impl fmt::Display for Args {
    /// One argument prints as itself, several as a JSON array.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "{one}"),
            many => write!(f, "{}", Value::Array(many.to_vec())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_read_as_the_values_they_hold() {
        let text = r#"[{"prompt":"hi"},[1,"\u0041"],null]"#;
        let texts: Vec<&RawValue> = serde_json::from_str(text).unwrap();
        let values: Vec<Value> = serde_json::from_str(text).unwrap();
        assert_eq!(EventArgs::Text(&texts).into_values(), values);
        let payload = EventArgs::Text(&texts).into_ai_payload().unwrap();
        assert_eq!(payload.prompt(10).unwrap(), "hi");
        assert!(EventArgs::Text(&[]).into_ai_payload().is_none());
    }
}
