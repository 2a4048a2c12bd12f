//! Pure parsing for the client: `sockai emit`'s positional words, assertions and REPL lines.
//! What one argument word becomes is [`super::value`]'s job.
//!
//! Nothing here touches the network or the terminal, so every rule is unit-tested below.

use serde_json::Value;

use super::value::parse_value;

/// The server `sockai connect` and `sockai emit` talk to when no URL is given.
pub const DEFAULT_URL: &str = "http://localhost:3000";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgError {
    #[error("missing the event name")]
    MissingEvent,
    #[error("unbalanced {0} in {1:?}")]
    Unbalanced(char, String),
    #[error("unterminated quote in {0:?}")]
    Unterminated(String),
}

/// Does this word name a server rather than an event? (`sockai emit [URL] EVENT …`)
pub fn looks_like_url(word: &str) -> bool {
    ["http://", "https://", "ws://", "wss://"]
        .iter()
        // `get`, not indexing: the cut may fall inside a multi-byte character (found by fuzzing).
        .any(|scheme| {
            word.get(..scheme.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
        })
}

/// Split `sockai emit`'s positional words into URL, event and argument words.
pub fn split_target(words: &[String]) -> Result<(String, String, Vec<String>), ArgError> {
    let (url, rest) = match words.first() {
        Some(first) if looks_like_url(first) => (first.clone(), &words[1..]),
        _ => (DEFAULT_URL.to_owned(), words),
    };
    let (event, args) = rest.split_first().ok_or(ArgError::MissingEvent)?;
    Ok((url, event.clone(), args.to_vec()))
}

/// A check `sockai emit` runs on the last payload it waited for.
#[derive(Debug, Clone, PartialEq)]
pub enum Assertion {
    /// `--assert '/pointer=<json>'`: the value at the pointer equals this value.
    Equals { pointer: String, expected: Value },
    /// `--assert-contains '/pointer~text'`: the value (its text if a string, else its JSON)
    /// contains this text.
    Contains { pointer: String, text: String },
}

pub fn parse_assert_equals(text: &str) -> Result<Assertion, String> {
    let (pointer, expected) = text
        .split_once('=')
        .ok_or_else(|| format!("expected '<json-pointer>=<json>', got {text:?}"))?;
    check_pointer(pointer)?;
    Ok(Assertion::Equals {
        pointer: pointer.to_owned(),
        expected: parse_value(expected).map_err(|e| e.to_string())?,
    })
}

/// The separator is the first `~` that is not a JSON-pointer escape (`~0`, `~1`); when every
/// `~` looks like one, the last `~` separates.
pub fn parse_assert_contains(text: &str) -> Result<Assertion, String> {
    let bytes = text.as_bytes();
    let split = (0..bytes.len())
        .find(|&i| bytes[i] == b'~' && !matches!(bytes.get(i + 1), Some(b'0' | b'1')))
        .or_else(|| text.rfind('~'))
        .ok_or_else(|| format!("expected '<json-pointer>~<text>', got {text:?}"))?;
    let pointer = &text[..split];
    check_pointer(pointer)?;
    Ok(Assertion::Contains {
        pointer: pointer.to_owned(),
        text: text[split + 1..].to_owned(),
    })
}

fn check_pointer(pointer: &str) -> Result<(), String> {
    if pointer.is_empty() || pointer.starts_with('/') {
        Ok(())
    } else {
        Err(format!(
            "{pointer:?} is not a JSON pointer: it must be empty (the whole payload) or start with /"
        ))
    }
}

impl Assertion {
    /// `Ok(())` or a one-line explanation of the failure.
    pub fn check(&self, payload: &Value) -> Result<(), String> {
        let pointer = match self {
            Self::Equals { pointer, .. } | Self::Contains { pointer, .. } => pointer,
        };
        let shown = if pointer.is_empty() {
            "the payload"
        } else {
            pointer
        };
        let Some(actual) = payload.pointer(pointer) else {
            return Err(format!("{shown} not found in {payload}"));
        };
        match self {
            Self::Equals { expected, .. } if actual == expected => Ok(()),
            Self::Equals { expected, .. } => {
                Err(format!("{shown} is {actual}, expected {expected}"))
            }
            Self::Contains { text, .. } => {
                let haystack = match actual {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if haystack.contains(text.as_str()) {
                    Ok(())
                } else {
                    Err(format!(
                        "{shown} is {actual}, which does not contain {text:?}"
                    ))
                }
            }
        }
    }
}

/// What a list of event arguments is shown as: the value itself when there is exactly one, else
/// the array of them. `--assert` pointers are relative to this.
pub fn payload_of(args: &[Value]) -> Value {
    match args {
        [one] => one.clone(),
        many => Value::Array(many.to_vec()),
    }
}

/// How many `{`/`[` are still open in `text`, ignoring brackets inside JSON strings. The REPL
/// continues a command on the next line while this is positive.
pub fn open_brackets(text: &str) -> i64 {
    let mut depth = 0i64;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            _ => {}
        }
    }
    depth
}

/// Split a REPL line into words: whitespace separates, except inside a JSON object/array
/// (taken whole, up to its matching bracket), a "double-quoted" JSON string (kept with its
/// quotes, so it stays a string even if it looks like a number) or a 'single-quoted' text
/// (quotes removed, then read as a JSON value or text like any other word).
pub fn split_words(line: &str) -> Result<Vec<String>, ArgError> {
    let chars: Vec<char> = line.chars().collect();
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match chars[i] {
            '{' | '[' => {
                let mut depth = 0i64;
                let mut in_string = false;
                let mut escaped = false;
                while i < chars.len() {
                    let c = chars[i];
                    i += 1;
                    if in_string {
                        match c {
                            _ if escaped => escaped = false,
                            '\\' => escaped = true,
                            '"' => in_string = false,
                            _ => {}
                        }
                    } else {
                        match c {
                            '"' => in_string = true,
                            '{' | '[' => depth += 1,
                            '}' | ']' => depth -= 1,
                            _ => {}
                        }
                        if depth == 0 {
                            break;
                        }
                    }
                }
                if depth != 0 {
                    return Err(ArgError::Unbalanced(chars[start], line.to_owned()));
                }
                words.push(chars[start..i].iter().collect());
            }
            quote @ ('"' | '\'') => {
                i += 1;
                let mut escaped = false;
                let mut closed = false;
                while i < chars.len() {
                    let c = chars[i];
                    i += 1;
                    if escaped {
                        escaped = false;
                    } else if c == '\\' && quote == '"' {
                        escaped = true;
                    } else if c == quote {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Err(ArgError::Unterminated(line.to_owned()));
                }
                if quote == '"' {
                    words.push(chars[start..i].iter().collect());
                } else {
                    words.push(chars[start + 1..i - 1].iter().collect());
                }
            }
            _ => {
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                words.push(chars[start..i].iter().collect());
            }
        }
    }
    Ok(words)
}

/// The text after the first word of a line (for `ai <prompt>` and `msg <text>`).
pub fn rest_of_line(line: &str) -> &str {
    let line = line.trim_start();
    match line.find(char::is_whitespace) {
        Some(at) => line[at..].trim(),
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: fuzz/artifacts emit_args crash-5b87343b… — a multi-byte character where a
    /// scheme would end used to panic on a char boundary.
    #[test]
    fn multi_byte_event_names_are_not_urls() {
        assert!(!looks_like_url("01:Ѿ"));
        assert!(!looks_like_url("événement"));
        assert!(!looks_like_url("wss:Ѿ"));
        assert!(looks_like_url("HTTPS://Ѿ.example"));
    }
    use serde_json::json;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn first_word_is_a_url_only_with_a_scheme() {
        let (url, event, args) = split_target(&words(&["ai-message", "{}"])).unwrap();
        assert_eq!((url.as_str(), event.as_str()), (DEFAULT_URL, "ai-message"));
        assert_eq!(args, words(&["{}"]));
        let (url, event, args) = split_target(&words(&["WSS://h:1", "ev", "a", "b"])).unwrap();
        assert_eq!((url.as_str(), event.as_str()), ("WSS://h:1", "ev"));
        assert_eq!(args.len(), 2);
        assert_eq!(
            split_target(&words(&["http://h:1"])),
            Err(ArgError::MissingEvent)
        );
        assert!(!looks_like_url("localhost:3000"));
    }

    #[test]
    fn assertions_parse_and_check() {
        let payload = json!({"response": "echo: hi", "n": 3, "a~b": {"c/d": true}});
        let eq = parse_assert_equals("/n=3").unwrap();
        assert_eq!(eq.check(&payload), Ok(()));
        let eq = parse_assert_equals("/response=\"echo: hi\"").unwrap();
        assert_eq!(eq.check(&payload), Ok(()));
        let eq = parse_assert_equals("/n=4").unwrap();
        assert_eq!(eq.check(&payload).unwrap_err(), "/n is 3, expected 4");
        let missing = parse_assert_equals("/nope=1").unwrap();
        assert!(missing.check(&payload).unwrap_err().contains("not found"));
        assert!(parse_assert_equals("response=1").is_err());
        assert!(parse_assert_equals("/n").is_err());
        assert!(
            parse_assert_equals("/n={x")
                .unwrap_err()
                .contains("not valid JSON")
        );

        let contains = parse_assert_contains("/response~hi").unwrap();
        assert_eq!(contains.check(&payload), Ok(()));
        let escaped = parse_assert_contains("/a~0b/c~1d~tru").unwrap();
        assert_eq!(
            escaped,
            Assertion::Contains {
                pointer: "/a~0b/c~1d".to_owned(),
                text: "tru".to_owned()
            }
        );
        assert_eq!(escaped.check(&payload), Ok(()));
        let digits = parse_assert_contains("/n~3").unwrap();
        assert_eq!(digits.check(&payload), Ok(()));
        let fails = parse_assert_contains("/response~bye").unwrap();
        assert!(
            fails
                .check(&payload)
                .unwrap_err()
                .contains("does not contain \"bye\"")
        );
        let whole = parse_assert_contains("~echo").unwrap();
        assert_eq!(whole.check(&payload), Ok(()));
    }

    #[test]
    fn payload_is_the_single_argument_or_the_list() {
        assert_eq!(payload_of(&[json!(1)]), json!(1));
        assert_eq!(payload_of(&[json!(1), json!("a")]), json!([1, "a"]));
        assert_eq!(payload_of(&[]), json!([]));
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        assert_eq!(open_brackets("emit x {\"a\": ["), 2);
        assert_eq!(open_brackets("emit x {\"a\": \"{[\"}"), 0);
        assert_eq!(open_brackets("{\"a\": \"\\\"{\"}"), 0);
        assert_eq!(open_brackets("ai hello"), 0);
    }

    #[test]
    fn repl_lines_split_into_words() {
        assert_eq!(
            split_words("emit chat {\"text\": \"hi there\"} 42 'two words' \"7\"").unwrap(),
            words(&[
                "emit",
                "chat",
                "{\"text\": \"hi there\"}",
                "42",
                "two words",
                "\"7\""
            ])
        );
        assert_eq!(
            split_words("  emit  x [1, {\"a\": \"]\"}]\n").unwrap(),
            words(&["emit", "x", "[1, {\"a\": \"]\"}]"])
        );
        assert!(split_words("emit x {\"a\": 1").is_err());
        assert!(split_words("emit x 'open").is_err());
        assert!(split_words("emit x \"a\\\"").is_err());
        assert_eq!(split_words("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn rest_of_line_keeps_inner_spacing() {
        assert_eq!(rest_of_line("ai  tell me  a joke "), "tell me  a joke");
        assert_eq!(rest_of_line("ai"), "");
    }
}
