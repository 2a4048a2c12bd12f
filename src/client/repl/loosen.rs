//! What `--record` writes for a payload that arrived: `expect` checks that hold the next time
//! the same conversation runs. Values that change every run (ids, socket ids, times) are
//! checked by type only, and a `#` comment says which and why. Pure.

use serde_json::Value;

use crate::client::value;

/// A value that changes every run: why, for the comment.
fn volatile(key: Option<&str>, value: &Value) -> Option<&'static str> {
    if let Some(key) = key {
        let lower = key.to_ascii_lowercase();
        let id = lower == "id"
            || lower.ends_with("_id")
            || lower.ends_with("-id")
            || key.ends_with("Id")
            || key.ends_with("ID")
            || ["sid", "uuid", "guid", "nonce", "token"].contains(&lower.as_str())
            || lower.ends_with("sid")
            || lower.ends_with("uuid");
        if id {
            return Some("an id");
        }
        let time = [
            "time",
            "timestamp",
            "ts",
            "date",
            "now",
            "elapsed",
            "latency",
            "took",
            "ms",
            "uptime",
            "expires",
        ]
        .contains(&lower.as_str())
            || lower.ends_with("_at")
            || lower.ends_with("_ms")
            || lower.ends_with("time")
            || lower.ends_with("timestamp")
            || (key.ends_with("At") && key.len() > 2)
            || (key.ends_with("Ms") && key.len() > 2);
        if time {
            return Some("a time");
        }
    }
    match value {
        Value::Number(n) => {
            let epoch_ms = 1_000_000_000_000.0..10_000_000_000_000.0;
            n.as_f64()
                .filter(|v| epoch_ms.contains(v))
                .map(|_| "an epoch-milliseconds time")
        }
        Value::String(s) if is_uuid(s) => Some("a UUID"),
        Value::String(s) if is_date_time(s) => Some("a date-time"),
        Value::String(s) if is_socket_id(s) => Some("a socket id"),
        // A scenario reads `{{` as a variable: such a text cannot be written as it is.
        Value::String(s) if s.contains("{{") => Some("a text holding {{, read as a variable"),
        _ => None,
    }
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `2026-12-07T21:40:00…`
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 16
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
}

/// A Socket.IO / Engine.IO id: 20 characters of base64url with upper and lower case and digits
/// (`gsC2ntNnY7X2k0NAAAAB`).
fn is_socket_id(s: &str) -> bool {
    s.len() == 20
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars().any(|c| c.is_ascii_lowercase())
}

/// `~` and `/` in a key, escaped for a JSON pointer (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Does anything in `value` (keyed `key` in its parent) change every run?
fn has_volatile(key: Option<&str>, value: &Value) -> bool {
    volatile(key, value).is_some()
        || match value {
            Value::Object(map) => map.iter().any(|(k, v)| has_volatile(Some(k), v)),
            Value::Array(items) => items.iter().any(|v| has_volatile(None, v)),
            _ => false,
        }
}

/// The checks on `value` at `pointer`: one `==` for a part that holds nothing volatile, a type
/// check for a volatile value, and the parts of an object or array one by one otherwise.
/// `loose` gathers `(pointer, why)` of what was checked loosely.
fn checks(
    pointer: &str,
    key: Option<&str>,
    value: &Value,
    out: &mut Vec<String>,
    loose: &mut Vec<(String, &'static str)>,
) {
    let shown = if pointer.is_empty() { "." } else { pointer };
    if let Some(why) = volatile(key, value) {
        out.push(format!("{shown} is {}", value::type_of(value)));
        loose.push((shown.to_owned(), why));
        return;
    }
    if !has_volatile(key, value) {
        out.push(format!("{shown} == {value}"));
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                checks(&format!("{pointer}/{}", escape(k)), Some(k), v, out, loose);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                checks(&format!("{pointer}/{i}"), None, v, out, loose);
            }
            out.push(format!("{pointer}/{} !exists", items.len()));
        }
        _ => out.push(format!("{shown} == {value}")),
    }
}

/// The lines that expect `payload` after `head` (`expect said`, `expect ack`): a comment
/// naming what is checked loosely, then the step with its checks (one on the line, more
/// indented under it).
pub fn expect_lines(head: &str, payload: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut loose = Vec::new();
    checks("", None, payload, &mut found, &mut loose);
    let mut lines = Vec::new();
    if !loose.is_empty() {
        let said: Vec<String> = loose
            .iter()
            .map(|(pointer, why)| format!("{pointer} ({why})"))
            .collect();
        lines.push(format!(
            "# changes every run, so only its type is checked: {}",
            said.join(", ")
        ));
    }
    let mut found = found.into_iter();
    match found.next() {
        Some(first) => lines.push(format!("{head} {first}")),
        None => lines.push(head.to_owned()),
    }
    lines.extend(found.map(|check| format!("  {check}")));
    lines
}

/// An event name as one scenario word: quoted when it has spaces, quotes or would be read as
/// one of `expect`'s keywords.
pub fn event_word(name: &str) -> String {
    let plain = !name.is_empty()
        && !name.contains(|c: char| c.is_whitespace() || "\"'{}[]".contains(c))
        && !["no", "ack", "disconnect", "connect_error"].contains(&name)
        && !name.starts_with(['/', '.', '@', '#']);
    if plain {
        name.to_owned()
    } else {
        Value::String(name.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_stable_payload_is_one_equality() {
        assert_eq!(
            expect_lines("expect joined", &json!({"room": "lobby", "name": "bob"})),
            [r#"expect joined . == {"room":"lobby","name":"bob"}"#]
        );
        assert_eq!(
            expect_lines("expect ack", &json!("2+2?")),
            [r#"expect ack . == "2+2?""#]
        );
    }

    #[test]
    fn ids_times_and_socket_ids_are_checked_by_type_and_said_so() {
        let payload = json!({
            "ok": true,
            "id": "m-7",
            "sent": 1_765_143_600_123_u64,
            "from": {"name": "alice", "socketId": "x"},
            "sid": "gsC2ntNnY7X2k0NAAAAB",
            "createdAt": "2026-12-07T21:40:00Z",
            "request": "0b7e2a4c-1f3d-4a5b-9c8d-7e6f5a4b3c2d",
            "text": "say {{hi}}",
        });
        let lines = expect_lines("expect said", &payload);
        assert_eq!(
            lines,
            [
                "# changes every run, so only its type is checked: /id (an id), /sent (an \
                 epoch-milliseconds time), /from/socketId (an id), /sid (an id), /createdAt (a \
                 time), /request (a UUID), /text (a text holding {{, read as a variable)",
                "expect said /ok == true",
                "  /id is string",
                "  /sent is number",
                "  /from/name == \"alice\"",
                "  /from/socketId is string",
                "  /sid is string",
                "  /createdAt is string",
                "  /request is string",
                "  /text is string",
            ]
        );
    }

    #[test]
    fn arrays_keep_their_length_and_values_are_seen_without_keys() {
        let lines = expect_lines("expect list", &json!(["a", "Zx9kLmNoPqRsTuVwXy01", 3]));
        assert_eq!(
            lines[1..],
            [
                "expect list /0 == \"a\"",
                "  /1 is string",
                "  /2 == 3",
                "  /3 !exists",
            ]
        );
        assert!(lines[0].contains("/1 (a socket id)"));
        // Ordinary words and numbers are not mistaken for ids or times.
        assert_eq!(volatile(Some("valid"), &json!(true)), None);
        assert_eq!(volatile(None, &json!("hello world")), None);
        assert_eq!(volatile(None, &json!(42)), None);
        assert_eq!(volatile(Some("a/b"), &json!(1)), None);
        assert_eq!(
            expect_lines("expect x", &json!({"a/b": {"id": 1}}))[1],
            "expect x /a~1b/id is number"
        );
    }

    #[test]
    fn event_names_are_quoted_when_needed() {
        assert_eq!(event_word("said"), "said");
        assert_eq!(event_word("two words"), "\"two words\"");
        assert_eq!(event_word("ack"), "\"ack\"");
        assert_eq!(event_word("/x"), "\"/x\"");
    }
}
