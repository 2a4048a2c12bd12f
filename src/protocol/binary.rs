//! Binary arguments, both ways. On the wire a Socket.IO binary packet carries placeholders
//! `{"_placeholder":true,"num":<n>}` in its JSON and the bytes in attachments that follow it; in
//! sockai (terminal, JSON-lines, arguments typed by the user) binary is `{"$binary": "<base64>"}`
//! (standard alphabet, written with padding, read with or without). This module converts between
//! the two anywhere in the arguments, nested in objects and arrays.
//!
//! The walks are iterative (an explicit stack), so a deep value cannot overflow the call stack.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use bytes::Bytes;
use serde_json::{Map, Value};

/// The key of sockai's JSON form of binary.
pub const BINARY_KEY: &str = "$binary";

/// Writes canonical base64 (standard alphabet, padded).
const WRITE: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, GeneralPurposeConfig::new());
/// Reads standard base64 with or without padding (Node's `Buffer.from(s, "base64")` accepts
/// both, and so do we); the trailing bits must be zero, so one byte string has one text form.
const READ: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BinaryError {
    #[error("a {{\"$binary\": …}} value is not valid base64")]
    BadBase64,
    #[error("a {{\"$binary\": …}} value must be a base64 string")]
    NotAString,
    #[error("a binary placeholder's `num` is not a non-negative integer")]
    BadPlaceholder,
    #[error("a binary placeholder refers to attachment {num}, but the packet has {count}")]
    OutOfRange { num: u64, count: usize },
    #[error("binary attachment {0} is referred to by more than one placeholder")]
    Reused(usize),
    #[error("binary attachment {0} is not referred to by any placeholder")]
    Unused(usize),
}

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    WRITE.encode(bytes)
}

/// Appends standard base64 with padding to `out`.
pub fn base64_encode_into(bytes: &[u8], out: &mut String) {
    WRITE.encode_string(bytes, out);
}

/// Standard base64, padding optional. The result is at most 3/4 of the input's length.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    READ.decode(text).ok()
}

/// `{"$binary": "<base64>"}` for `bytes`.
pub fn binary_value(bytes: &[u8]) -> Value {
    let mut map = Map::new();
    map.insert(BINARY_KEY.to_owned(), Value::String(base64_encode(bytes)));
    Value::Object(map)
}

/// The bytes of a `{"$binary": "<base64>"}` value; `None` for anything else (including a
/// `$binary` whose base64 is bad).
pub fn is_binary(value: &Value) -> Option<Vec<u8>> {
    match binary_field(value)? {
        Value::String(text) => base64_decode(text),
        _ => None,
    }
}

/// `{"_placeholder":true,"num":<num>}`.
pub fn placeholder(num: usize) -> Value {
    let mut map = Map::new();
    map.insert("_placeholder".to_owned(), Value::Bool(true));
    map.insert("num".to_owned(), Value::from(num));
    Value::Object(map)
}

/// Replace every `{"$binary": "<base64>"}` anywhere in `args` with a placeholder, returning the
/// attachments in placeholder order (depth first, in document order).
pub fn extract(args: &mut [Value]) -> Result<Vec<Bytes>, BinaryError> {
    let mut attachments = Vec::new();
    walk(args, |value| {
        let text = match binary_field(value) {
            None => return Ok(false),
            Some(Value::String(text)) => text,
            Some(_) => return Err(BinaryError::NotAString),
        };
        let bytes = base64_decode(text).ok_or(BinaryError::BadBase64)?;
        *value = placeholder(attachments.len());
        attachments.push(Bytes::from(bytes));
        Ok(true)
    })?;
    Ok(attachments)
}

/// Replace every placeholder anywhere in `args` with `{"$binary": "<base64>"}` of its
/// attachment. Errors: a `num` that is not an integer in `0..attachments.len()`, an attachment
/// referred to twice (which would let a peer multiply one attachment's size by the number of
/// placeholders), or one not referred to at all.
pub fn reconstruct(args: &mut [Value], attachments: &[Bytes]) -> Result<(), BinaryError> {
    let mut used = vec![false; attachments.len()];
    walk(args, |value| {
        let Some(num) = placeholder_num(value) else {
            return Ok(false);
        };
        let num = num?;
        let index = usize::try_from(num)
            .ok()
            .filter(|&index| index < attachments.len())
            .ok_or(BinaryError::OutOfRange {
                num,
                count: attachments.len(),
            })?;
        if std::mem::replace(&mut used[index], true) {
            return Err(BinaryError::Reused(index));
        }
        *value = binary_value(&attachments[index]);
        Ok(true)
    })?;
    match used.iter().position(|&used| !used) {
        Some(unused) => Err(BinaryError::Unused(unused)),
        None => Ok(()),
    }
}

/// The value of the only key of `{"$binary": …}`.
fn binary_field(value: &Value) -> Option<&Value> {
    match value {
        Value::Object(map) if map.len() == 1 => map.get(BINARY_KEY),
        _ => None,
    }
}

/// `None`: not a placeholder (no `"_placeholder": true`, as Node's parser decides). `Some(Err)`:
/// a placeholder whose `num` is missing, negative, fractional or too big.
fn placeholder_num(value: &Value) -> Option<Result<u64, BinaryError>> {
    let Value::Object(map) = value else {
        return None;
    };
    if map.get("_placeholder") != Some(&Value::Bool(true)) {
        return None;
    }
    Some(
        map.get("num")
            .and_then(Value::as_u64)
            .ok_or(BinaryError::BadPlaceholder),
    )
}

/// Visit every value in `args`, parents before children, in document order. `visit` returns
/// `true` when it replaced the value (its new contents are not visited).
fn walk(
    args: &mut [Value],
    mut visit: impl FnMut(&mut Value) -> Result<bool, BinaryError>,
) -> Result<(), BinaryError> {
    let mut stack: Vec<&mut Value> = args.iter_mut().rev().collect();
    while let Some(value) = stack.pop() {
        if visit(value)? {
            continue;
        }
        match value {
            Value::Array(items) => stack.extend(items.iter_mut().rev()),
            Value::Object(map) => stack.extend(map.values_mut().rev()),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "tests/binary.rs"]
mod tests;
