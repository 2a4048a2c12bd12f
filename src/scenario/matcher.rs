//! What an `expect` checks in a payload: a JSON pointer and a test (`==`, `!=`, `contains`,
//! `matches`, `is TYPE`, `exists`, `!exists`).
//!
//! A matcher is parsed from words ([`Matcher::parse`], pure); its value may hold `{{vars}}`,
//! so it is [`Matcher::resolve`]d at run time, just before it is checked.

use serde_json::Value;

use super::vars;
use crate::client::value::{parse_value, type_of};

/// The JSON types `is` names.
pub const TYPES: &[&str] = &["string", "number", "object", "array", "bool", "null"];

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Equals(String),
    NotEquals(String),
    Contains(String),
    Matches(String),
    Is(String),
    Exists,
    Missing,
}

/// `POINTER TEST`: the pointer is `.` (the whole payload) or `/a/0/b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher {
    pub pointer: String,
    pub test: Test,
}

/// A matcher with its variables replaced: what is checked.
#[derive(Debug, Clone)]
pub enum Resolved {
    Equals(Value, bool),
    Contains(String),
    Matches(regex::Regex),
    Is(String),
    Exists(bool),
}

/// Longest regular expression compiled (bounds the compile's memory).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// `"text"` is the JSON string's content; any other word is itself.
/// A `"…"` that is not valid JSON (a regex's `\d`) is its text between the quotes.
pub fn unquote(word: &str) -> String {
    match serde_json::from_str::<Value>(word) {
        Ok(Value::String(s)) if word.starts_with('"') => s,
        _ if word.len() >= 2 && word.starts_with('"') && word.ends_with('"') => {
            word[1..word.len() - 1].to_owned()
        }
        _ => word.to_owned(),
    }
}

pub fn compile(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("bad regular expression: {e}"))
}

impl Matcher {
    /// From `[POINTER, TEST, VALUE?]`; a value without variables is checked here already.
    pub fn parse(words: &[String]) -> Result<Self, String> {
        let usage = "a check is POINTER == JSON, != JSON, contains TEXT, matches REGEX, \
                     is TYPE, exists or !exists (POINTER: . or /a/0/b)";
        let (pointer, rest) = words.split_first().ok_or(usage)?;
        let pointer = match pointer.as_str() {
            "." => String::new(),
            p if p.starts_with('/') => p.to_owned(),
            p => {
                return Err(format!(
                    "{p:?} is not a JSON pointer (. or /a/0/b); {usage}"
                ));
            }
        };
        let test = match rest {
            [op, value] if op == "==" => Test::Equals(value.clone()),
            [op, value] if op == "!=" => Test::NotEquals(value.clone()),
            [op, value] if op == "contains" => Test::Contains(unquote(value)),
            [op, value] if op == "matches" => Test::Matches(unquote(value)),
            [op, kind] if op == "is" => {
                if !TYPES.contains(&kind.as_str()) {
                    return Err(format!("is {kind}: the types are {}", TYPES.join("|")));
                }
                Test::Is(kind.clone())
            }
            [op] if op == "exists" => Test::Exists,
            [op] if op == "!exists" => Test::Missing,
            _ => return Err(usage.to_owned()),
        };
        let matcher = Self { pointer, test };
        if !matcher.text().contains("{{") {
            matcher.resolve(&|_| None)?;
        }
        Ok(matcher)
    }

    fn text(&self) -> &str {
        match &self.test {
            Test::Equals(t) | Test::NotEquals(t) | Test::Contains(t) | Test::Matches(t) => t,
            Test::Is(_) | Test::Exists | Test::Missing => "",
        }
    }

    /// The matcher as written (for reports).
    pub fn describe(&self) -> String {
        let pointer = if self.pointer.is_empty() {
            "."
        } else {
            &self.pointer
        };
        match &self.test {
            Test::Equals(v) => format!("{pointer} == {v}"),
            Test::NotEquals(v) => format!("{pointer} != {v}"),
            Test::Contains(t) => format!("{pointer} contains {t:?}"),
            Test::Matches(r) => format!("{pointer} matches {r:?}"),
            Test::Is(k) => format!("{pointer} is {k}"),
            Test::Exists => format!("{pointer} exists"),
            Test::Missing => format!("{pointer} !exists"),
        }
    }

    /// Replace the variables and read the value (JSON, regex).
    pub fn resolve(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Resolved, String> {
        let text = vars::substitute(self.text(), lookup)?;
        Ok(match &self.test {
            Test::Equals(_) | Test::NotEquals(_) => Resolved::Equals(
                parse_value(&text).map_err(|e| e.to_string())?,
                matches!(self.test, Test::Equals(_)),
            ),
            Test::Contains(_) => Resolved::Contains(text),
            Test::Matches(_) => Resolved::Matches(compile(&text)?),
            Test::Is(kind) => Resolved::Is(kind.clone()),
            Test::Exists => Resolved::Exists(true),
            Test::Missing => Resolved::Exists(false),
        })
    }

    /// `Ok(())` or why the payload does not match.
    pub fn check(&self, resolved: &Resolved, payload: &Value) -> Result<(), String> {
        let shown = if self.pointer.is_empty() {
            "the payload"
        } else {
            &self.pointer
        };
        let actual = payload.pointer(&self.pointer);
        let Some(actual) = actual else {
            return match resolved {
                Resolved::Exists(false) => Ok(()),
                _ => Err(format!("{shown} not found in {}", short(payload))),
            };
        };
        match resolved {
            Resolved::Exists(true) => Ok(()),
            Resolved::Exists(false) => Err(format!("{shown} exists: {}", short(actual))),
            Resolved::Equals(expected, true) if actual == expected => Ok(()),
            Resolved::Equals(expected, true) => Err(format!(
                "{shown} is {}, expected {}",
                short(actual),
                short(expected)
            )),
            Resolved::Equals(expected, _) if actual != expected => Ok(()),
            Resolved::Equals(expected, _) => Err(format!(
                "{shown} is {}, expected anything else",
                short(expected)
            )),
            Resolved::Contains(text) => {
                if text_of(actual).contains(text.as_str()) {
                    Ok(())
                } else {
                    Err(format!(
                        "{shown} is {}, which does not contain {text:?}",
                        short(actual)
                    ))
                }
            }
            Resolved::Matches(re) => {
                if re.is_match(&text_of(actual)) {
                    Ok(())
                } else {
                    Err(format!(
                        "{shown} is {}, which does not match {:?}",
                        short(actual),
                        re.as_str()
                    ))
                }
            }
            Resolved::Is(kind) => {
                let is = type_of(actual);
                if is == kind {
                    Ok(())
                } else {
                    Err(format!(
                        "{shown} is {is} ({}), expected {kind}",
                        short(actual)
                    ))
                }
            }
        }
    }
}

/// `capture`: the text of the value at `pointer` in `payload`, or the first group (else the
/// whole match) of `regex` in it.
pub fn capture(
    payload: &Value,
    pointer: &str,
    regex: Option<&regex::Regex>,
) -> Result<String, String> {
    let shown = if pointer.is_empty() { "." } else { pointer };
    let found = payload
        .pointer(pointer)
        .ok_or_else(|| format!("{shown} not found in {}", short(payload)))?;
    let text = text_of(found);
    let Some(re) = regex else {
        return Ok(text);
    };
    let caps = re.captures(&text).ok_or_else(|| {
        format!(
            "{shown} is {}, which does not match {:?}",
            short(found),
            re.as_str()
        )
    })?;
    Ok(caps
        .get(1)
        .or_else(|| caps.get(0))
        .map_or_else(String::new, |m| m.as_str().to_owned()))
}

/// A string's text, any other value's JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Longest JSON shown of one value in a message.
const SHORT: usize = 200;

/// A value's JSON, cut at [`SHORT`] characters.
pub fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= SHORT {
        text
    } else {
        let cut: String = text.chars().take(SHORT).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(words: &[&str]) -> Result<Matcher, String> {
        Matcher::parse(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    fn check(words: &[&str], payload: Value) -> Result<(), String> {
        let matcher = m(words).unwrap();
        let resolved = matcher.resolve(&|_| None).unwrap();
        matcher.check(&resolved, &payload)
    }

    #[test]
    fn every_test_passes_and_fails() {
        let p = json!({"text": "hello world", "n": 3, "list": [1]});
        assert!(check(&["/text", "==", "\"hello world\""], p.clone()).is_ok());
        assert_eq!(
            check(&["/n", "==", "4"], p.clone()).unwrap_err(),
            "/n is 3, expected 4"
        );
        assert!(check(&["/n", "!=", "4"], p.clone()).is_ok());
        assert!(check(&["/text", "contains", "world"], p.clone()).is_ok());
        assert!(
            check(&["/text", "contains", "\"bye\""], p.clone())
                .unwrap_err()
                .contains("does not contain \"bye\"")
        );
        assert!(check(&["/text", "matches", "^hel+o"], p.clone()).is_ok());
        assert!(check(&["/text", "matches", "^x"], p.clone()).is_err());
        assert!(check(&["/list", "is", "array"], p.clone()).is_ok());
        assert_eq!(
            check(&["/n", "is", "string"], p.clone()).unwrap_err(),
            "/n is number (3), expected string"
        );
        assert!(check(&["/n", "exists"], p.clone()).is_ok());
        assert!(check(&["/nope", "!exists"], p.clone()).is_ok());
        assert!(
            check(&["/nope", "exists"], p.clone())
                .unwrap_err()
                .starts_with("/nope not found")
        );
        assert!(check(&[".", "is", "object"], p).is_ok());
    }

    #[test]
    fn bad_matchers_are_refused_when_parsed() {
        assert!(m(&["text", "==", "1"]).is_err());
        assert!(m(&["/a", "is", "thing"]).unwrap_err().contains("types"));
        assert!(m(&["/a", "==", "{bad"]).is_err());
        assert!(m(&["/a", "matches", "("]).unwrap_err().contains("regular"));
        assert!(m(&["/a", "==", "\"{{later}}\""]).is_ok());
        assert!(m(&["/a"]).is_err());
    }
}
