//! sockai's one JSON form of binary data, in and out: `{"$binary": "<base64>"}` (standard
//! base64 with padding), and how a person is shown it: `<binary 3 bytes: 01 02 03>`.

use base64::Engine as _;
use serde_json::{Map, Value};

/// The key of the binary form.
pub const KEY: &str = "$binary";

/// Bytes shown in the human view before `…`.
const SHOWN_BYTES: usize = 16;

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// `{"$binary": "<base64>"}` of these bytes.
pub fn to_json(bytes: &[u8]) -> Value {
    let mut map = Map::new();
    map.insert(KEY.to_owned(), Value::String(BASE64.encode(bytes)));
    Value::Object(map)
}

/// The bytes of a value in the binary form (an object whose only key is `$binary`, with valid
/// base64), else `None`: anything else is ordinary JSON.
pub fn from_json(value: &Value) -> Option<Vec<u8>> {
    let Value::Object(map) = value else {
        return None;
    };
    if map.len() != 1 {
        return None;
    }
    BASE64.decode(map.get(KEY)?.as_str()?).ok()
}

/// Every object anywhere in `value` whose only key is `$binary` must hold valid base64 (it
/// is sent as a binary attachment); else the JSON pointer of the first that does not.
pub fn check(value: &Value) -> Result<(), String> {
    fn walk(value: &Value, at: &mut String) -> Result<(), ()> {
        match value {
            Value::Object(map) if map.len() == 1 && map.contains_key(KEY) => {
                match from_json(value) {
                    Some(_) => Ok(()),
                    None => Err(()),
                }
            }
            Value::Object(map) => map.iter().try_for_each(|(key, item)| {
                let len = at.len();
                at.push('/');
                at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                walk(item, at)?;
                at.truncate(len);
                Ok(())
            }),
            Value::Array(items) => items.iter().enumerate().try_for_each(|(i, item)| {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                walk(item, at)?;
                at.truncate(len);
                Ok(())
            }),
            _ => Ok(()),
        }
    }
    let mut at = String::new();
    walk(value, &mut at).map_err(|()| at)
}

/// `<binary 3 bytes: 01 02 03>`, `<binary 0 bytes>`, the first bytes then `…` when long.
pub fn describe(bytes: &[u8]) -> String {
    let count = match bytes.len() {
        1 => "1 byte".to_owned(),
        n => format!("{n} bytes"),
    };
    if bytes.is_empty() {
        return format!("<binary {count}>");
    }
    let mut hex: Vec<String> = bytes
        .iter()
        .take(SHOWN_BYTES)
        .map(|b| format!("{b:02x}"))
        .collect();
    if bytes.len() > SHOWN_BYTES {
        hex.push("…".to_owned());
    }
    format!("<binary {count}: {}>", hex.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip() {
        assert_eq!(to_json(&[1, 2, 3]), json!({"$binary": "AQID"}));
        assert_eq!(from_json(&json!({"$binary": "AQID"})), Some(vec![1, 2, 3]));
        assert_eq!(from_json(&json!({"$binary": ""})), Some(vec![]));
    }

    #[test]
    fn only_the_exact_form_is_binary() {
        assert_eq!(from_json(&json!({"$binary": "not base64!"})), None);
        assert_eq!(from_json(&json!({"$binary": "AQID", "x": 1})), None);
        assert_eq!(from_json(&json!({"$binary": 1})), None);
        assert_eq!(from_json(&json!(["$binary"])), None);
        assert_eq!(from_json(&json!("AQID")), None);
    }

    #[test]
    fn every_binary_form_must_hold_base64() {
        assert_eq!(check(&json!({"a": [1, {"$binary": "AQID"}]})), Ok(()));
        assert_eq!(check(&json!({"$binary": "AQID", "other": "!"})), Ok(()));
        assert_eq!(
            check(&json!({"a": [1, {"$binary": "not base64!"}]})),
            Err("/a/1".to_owned())
        );
        assert_eq!(check(&json!({"$binary": 3})), Err(String::new()));
        assert_eq!(
            check(&json!({"x/y~": {"$binary": "%"}})),
            Err("/x~1y~0".to_owned())
        );
    }

    #[test]
    fn described_for_people() {
        assert_eq!(describe(&[1, 2, 3]), "<binary 3 bytes: 01 02 03>");
        assert_eq!(describe(&[255]), "<binary 1 byte: ff>");
        assert_eq!(describe(&[]), "<binary 0 bytes>");
        let long: Vec<u8> = (0..20).collect();
        assert_eq!(
            describe(&long),
            "<binary 20 bytes: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f …>"
        );
    }
}
