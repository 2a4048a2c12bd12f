//! JSON for people: compact when short, pretty when long, and binary arguments
//! (`{"$binary": "<base64>"}`) shown in place as `<binary 3 bytes: 01 02 03>`.
//!
//! JSON-lines records and `sockai emit` payloads are for machines and keep the `$binary` form;
//! only the human view goes through here.

use serde_json::Value;

use super::binary;

/// Longest compact rendering kept on one line.
const INLINE_CHARS: usize = 100;

/// Compact JSON when it is short, pretty JSON otherwise.
pub fn json(value: &Value) -> String {
    let compact = render(value, false);
    if compact.chars().count() <= INLINE_CHARS {
        compact
    } else {
        render(value, true)
    }
}

/// One line, always (the `→ event args` echo of what was sent).
pub fn compact(value: &Value) -> String {
    render(value, false)
}

fn render(value: &Value, pretty: bool) -> String {
    let mut out = String::new();
    write(value, pretty, 0, &mut out);
    out
}

fn write(value: &Value, pretty: bool, depth: usize, out: &mut String) {
    if let Some(bytes) = binary::from_json(value) {
        out.push_str(&binary::describe(&bytes));
        return;
    }
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separator(i, pretty, depth + 1, out);
                write(item, pretty, depth + 1, out);
            }
            close(']', pretty, depth, out);
        }
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                separator(i, pretty, depth + 1, out);
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(if pretty { ": " } else { ":" });
                write(item, pretty, depth + 1, out);
            }
            close('}', pretty, depth, out);
        }
        // Scalars, `[]` and `{}` as serde_json writes them.
        other => out.push_str(&other.to_string()),
    }
}

fn separator(index: usize, pretty: bool, depth: usize, out: &mut String) {
    if index > 0 {
        out.push(',');
    }
    if pretty {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    }
}

fn close(bracket: char, pretty: bool, depth: usize, out: &mut String) {
    if pretty {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    }
    out.push(bracket);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_json_renders_as_serde_json_does() {
        for value in [
            json!(null),
            json!("a \"quoted\" é"),
            json!([]),
            json!({}),
            json!({"a": [1, 2.5, {"b": null}], "c": "d"}),
        ] {
            assert_eq!(json(&value), value.to_string());
        }
        let long = json!({"text": "x".repeat(120), "list": [1, {"n": []}]});
        assert_eq!(json(&long), serde_json::to_string_pretty(&long).unwrap());
    }

    #[test]
    fn binary_is_shown_in_place() {
        let value = json!([{"$binary": "AQID"}, {"name": "f.bin", "data": {"$binary": ""}}]);
        assert_eq!(
            json(&value),
            r#"[<binary 3 bytes: 01 02 03>,{"name":"f.bin","data":<binary 0 bytes>}]"#
        );
        let big = json!({"file": {"$binary": "A".repeat(4000)}, "note": "x".repeat(80)});
        assert_eq!(
            json(&big),
            format!(
                "{{\n  \"file\": <binary 3000 bytes: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 …>,\n  \"note\": \"{}\"\n}}",
                "x".repeat(80)
            )
        );
        // Not the exact form: ordinary JSON.
        let near = json!({"$binary": "AQID", "extra": 1});
        assert_eq!(json(&near), near.to_string());
        assert_eq!(
            compact(&json!({"$binary": "AQID"})),
            "<binary 3 bytes: 01 02 03>"
        );
    }
}
