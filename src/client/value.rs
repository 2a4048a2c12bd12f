//! What an argument word becomes, the same for `sockai emit` arguments, REPL and script
//! commands: JSON if it is JSON, an error that shows where it broke if it only starts like
//! JSON, else the text itself; `@FILE` reads an argument from a file, `@@FILE` sends a file's
//! raw bytes as one binary argument, `-` (and `@@-`) read standard input (`sockai emit` only).
//!
//! Nothing here touches the network or the terminal.

use std::io::Read;

use serde_json::Value;

use super::binary;

/// Largest file (or standard input) read into one argument; a Socket.IO server refuses far
/// smaller packets by default (Node: 1 MB), so this only bounds memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ValueError {
    #[error("{0}")]
    Json(JsonError),
    #[error("@{path}: {error}")]
    JsonFile { path: String, error: JsonError },
    #[error("cannot read {path}: {reason}")]
    File { path: String, reason: String },
    #[error("{what} is too large: more than {} MiB", MAX_FILE_BYTES / (1024 * 1024))]
    TooLarge { what: String },
    #[error("cannot read standard input: {0}")]
    Stdin(String),
    #[error("`-` (standard input) can be used for one argument only")]
    StdinTwice,
    #[error("`-` (standard input) is the script here; use @FILE")]
    NoStdin,
    #[error("{}: {{\"$binary\": …}} must hold standard base64 (e.g. {{\"$binary\": \"AQID\"}} for the bytes 01 02 03)", if .0.is_empty() { "the argument".to_owned() } else { format!("the argument at {}", .0) })]
    BadBinary(String),
}

/// Text that starts like JSON (`{`, `[`, `"`) but does not parse: where and why, with the
/// offending line and a caret under the place it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// serde_json's reason, without its position.
    pub reason: String,
    pub line: usize,
    pub column: usize,
    /// The offending line (a window of it when long) and the caret line below it.
    pub excerpt: String,
    /// The text as a JSON string, for the hint (how to send it as text instead).
    pub as_string: Option<String>,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "not valid JSON: {} at line {}, column {}\n{}",
            self.reason, self.line, self.column, self.excerpt
        )?;
        if let Some(text) = &self.as_string {
            write!(f, "\nto send it as text, write it as a JSON string: {text}")?;
        }
        Ok(())
    }
}

/// Does this text claim to be JSON? Numbers, `true` and the like that do not parse are just
/// words (`1.2.3`, `tru`); an object, array or string that does not parse is a mistake.
fn starts_like_json(text: &str) -> bool {
    text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .starts_with(['{', '[', '"'])
}

/// A word is a JSON value if it parses as one, an error if it starts like JSON (`{`, `[`, `"`)
/// and does not parse, else the string itself.
///
/// So `42` is a number, `"42"` a string, `{"a":1}` an object, `hello` the string "hello" and
/// `{a:1}` an error.
pub fn parse_value(word: &str) -> Result<Value, JsonError> {
    match serde_json::from_str(word) {
        Ok(value) => Ok(value),
        Err(e) if starts_like_json(word) => Err(json_error(word, &e, true)),
        Err(_) => Ok(Value::String(word.to_owned())),
    }
}

/// [`parse_value`] for a file's or standard input's contents: text that is not JSON is sent
/// without the final newline editors add.
pub fn parse_text(text: &str) -> Result<Value, JsonError> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(e) if starts_like_json(text) => Err(json_error(text, &e, false)),
        Err(_) => {
            let text = text.strip_suffix('\n').unwrap_or(text);
            Ok(Value::String(
                text.strip_suffix('\r').unwrap_or(text).to_owned(),
            ))
        }
    }
}

/// Longest part of the offending line shown, in characters.
const EXCERPT_CHARS: usize = 60;

fn json_error(text: &str, error: &serde_json::Error, hint: bool) -> JsonError {
    let reason = error.to_string();
    // serde_json's Display is "<reason> at line L column C".
    let reason = match reason.rfind(" at line ") {
        Some(at) => reason[..at].to_owned(),
        None => reason,
    };
    let (line, column) = (error.line().max(1), error.column());
    let line_text = text.split('\n').nth(line - 1).unwrap_or_default();
    let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
    // serde_json counts columns in bytes; the caret goes under the character there (the end
    // of the line for an error at the end of the input).
    let byte = column.saturating_sub(1).min(line_text.len());
    let at = line_text
        .char_indices()
        .take_while(|(i, _)| *i < byte)
        .count();
    let chars: Vec<char> = line_text.chars().collect();
    let start = at.saturating_sub(EXCERPT_CHARS / 2);
    let end = (start + EXCERPT_CHARS).min(chars.len());
    let mut shown: String = chars[start..end].iter().collect();
    let mut caret = at - start;
    if start > 0 {
        shown.insert(0, '…');
        caret += 1;
    }
    if end < chars.len() {
        shown.push('…');
    }
    let excerpt = format!("  {shown}\n  {}^", " ".repeat(caret));
    let single_line = !text.contains('\n');
    JsonError {
        reason,
        line,
        column,
        excerpt,
        as_string: (hint && single_line && text.chars().count() <= EXCERPT_CHARS)
            .then(|| Value::String(text.to_owned()).to_string()),
    }
}

/// Where an argument word may read from besides itself.
pub enum Stdin<'a> {
    /// `sockai emit`: `-` and `@@-` read it, once.
    Reader(&'a mut dyn Read),
    /// The REPL and scripts: stdin carries the commands.
    None,
}

/// Resolve argument words in order: `@@FILE` (or `@@-`) → `{"$binary": "<base64>"}` of the
/// raw bytes, `@FILE` → the file as by [`parse_text`], `-` → standard input likewise, anything
/// else → [`parse_value`].
pub fn resolve_args(words: &[String], mut stdin: Stdin<'_>) -> Result<Vec<Value>, ValueError> {
    let mut stdin_used = false;
    let mut read_stdin = |stdin: &mut Stdin<'_>| -> Result<Vec<u8>, ValueError> {
        let Stdin::Reader(reader) = stdin else {
            return Err(ValueError::NoStdin);
        };
        if std::mem::replace(&mut stdin_used, true) {
            return Err(ValueError::StdinTwice);
        }
        read_bounded(reader).map_err(|e| match e {
            ReadError::TooLarge => ValueError::TooLarge {
                what: "standard input".to_owned(),
            },
            ReadError::Io(reason) => ValueError::Stdin(reason),
        })
    };
    let values = words
        .iter()
        .map(|word| {
            if let Some(path) = word.strip_prefix("@@") {
                let bytes = if path == "-" {
                    read_stdin(&mut stdin)?
                } else {
                    read_file(path)?
                };
                Ok(binary::to_json(&bytes))
            } else if let Some(path) = word.strip_prefix('@') {
                let bytes = read_file(path)?;
                let text = String::from_utf8(bytes).map_err(|_| ValueError::File {
                    path: path.to_owned(),
                    reason: "not UTF-8 text (use @@ to send a file's bytes as binary)".to_owned(),
                })?;
                parse_text(&text).map_err(|error| ValueError::JsonFile {
                    path: path.to_owned(),
                    error,
                })
            } else if word == "-" && matches!(stdin, Stdin::Reader(_)) {
                let bytes = read_stdin(&mut stdin)?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    ValueError::Stdin("not UTF-8 text (use @@- to send it as binary)".to_owned())
                })?;
                parse_text(&text).map_err(ValueError::Json)
            } else {
                parse_value(word).map_err(ValueError::Json)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Caught here, before connecting, rather than by the encoder after.
    for value in &values {
        binary::check(value).map_err(ValueError::BadBinary)?;
    }
    Ok(values)
}

enum ReadError {
    TooLarge,
    Io(String),
}

fn read_bounded(reader: &mut dyn Read) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

fn read_file(path: &str) -> Result<Vec<u8>, ValueError> {
    let file_error = |reason: String| ValueError::File {
        path: path.to_owned(),
        reason,
    };
    if path.is_empty() {
        return Err(file_error("no file name after @".to_owned()));
    }
    let mut file = std::fs::File::open(path).map_err(|e| file_error(e.to_string()))?;
    read_bounded(&mut file).map_err(|e| match e {
        ReadError::TooLarge => ValueError::TooLarge {
            what: path.to_owned(),
        },
        ReadError::Io(reason) => file_error(reason),
    })
}

/// A JSON value's type, as `is TYPE` checks name it (`string`, `number`, `object`, `array`,
/// `bool`, `null`).
pub fn type_of(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn values_are_json_when_they_parse() {
        assert_eq!(parse_value("42"), Ok(json!(42)));
        assert_eq!(parse_value("\"42\""), Ok(json!("42")));
        assert_eq!(parse_value("{\"a\":1}"), Ok(json!({"a": 1})));
        assert_eq!(parse_value("hello"), Ok(json!("hello")));
        assert_eq!(parse_value("true"), Ok(json!(true)));
        // Not JSON and not claiming to be: words.
        assert_eq!(parse_value("1.2.3"), Ok(json!("1.2.3")));
        assert_eq!(parse_value("tru"), Ok(json!("tru")));
        assert_eq!(parse_value("a{b"), Ok(json!("a{b")));
        assert_eq!(parse_value(""), Ok(json!("")));
    }

    #[test]
    fn text_that_starts_like_json_must_be_json() {
        let e = parse_value("{a:1}").unwrap_err();
        assert_eq!((e.line, e.column), (1, 2));
        assert_eq!(
            e.to_string(),
            "not valid JSON: key must be a string at line 1, column 2\n  {a:1}\n   ^\n\
             to send it as text, write it as a JSON string: \"{a:1}\""
        );
        let e = parse_value("[1, 2,]").unwrap_err();
        assert_eq!(e.excerpt, "  [1, 2,]\n        ^");
        assert!(parse_value("\"open").unwrap_err().reason.contains("EOF"));
        assert!(parse_value("{\"a\": 1} trailing").is_err());
        assert!(parse_value("[oops] more words").is_err());
    }

    #[test]
    fn the_caret_counts_characters_and_long_lines_are_cut() {
        let e = parse_value("{\"é\": ü}").unwrap_err();
        assert_eq!(e.excerpt, "  {\"é\": ü}\n        ^");
        let long = format!("[{}oops, {}1]", "1, ".repeat(100), "2, ".repeat(100));
        let e = parse_value(&long).unwrap_err();
        let lines: Vec<&str> = e.excerpt.lines().collect();
        assert!(
            lines[0].starts_with("  …") && lines[0].ends_with('…'),
            "{lines:?}"
        );
        let caret = lines[1].chars().count() - 1;
        assert_eq!(lines[0].chars().nth(caret), Some('o'), "{lines:?}");
        assert_eq!(e.as_string, None);
    }

    #[test]
    fn multi_line_json_shows_the_broken_line() {
        let e = parse_text("{\n  \"a\": 1,\n  \"b\" 2\n}\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 7));
        assert_eq!(e.excerpt, "    \"b\" 2\n        ^");
        assert_eq!(e.as_string, None);
    }

    #[test]
    fn files_and_stdin_become_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let json_file = dir.path().join("a.json");
        std::fs::write(&json_file, "{\"prompt\": \"from file\"}\n").unwrap();
        let text_file = dir.path().join("a.txt");
        std::fs::write(&text_file, "plain text\n").unwrap();
        let bin_file = dir.path().join("a.bin");
        std::fs::write(&bin_file, [0u8, 1, 2, 255]).unwrap();
        let mut stdin = "[1, 2]".as_bytes();
        let args = resolve_args(
            &[
                format!("@{}", json_file.display()),
                format!("@{}", text_file.display()),
                format!("@@{}", bin_file.display()),
                "-".to_owned(),
                "x".to_owned(),
            ],
            Stdin::Reader(&mut stdin),
        )
        .unwrap();
        assert_eq!(
            args,
            vec![
                json!({"prompt": "from file"}),
                json!("plain text"),
                json!({"$binary": "AAEC/w=="}),
                json!([1, 2]),
                json!("x")
            ]
        );
        let mut stdin = &[1u8, 2, 3][..];
        assert_eq!(
            resolve_args(&words(&["@@-"]), Stdin::Reader(&mut stdin)),
            Ok(vec![json!({"$binary": "AQID"})])
        );
        let mut stdin = "".as_bytes();
        assert_eq!(
            resolve_args(&words(&["-", "@@-"]), Stdin::Reader(&mut stdin)),
            Err(ValueError::StdinTwice)
        );
        assert!(matches!(
            resolve_args(&words(&["@/nonexistent/sockai"]), Stdin::None),
            Err(ValueError::File { .. })
        ));
        assert_eq!(
            resolve_args(&words(&["@@-"]), Stdin::None),
            Err(ValueError::NoStdin)
        );
        // Without a reader, `-` is just a word.
        assert_eq!(
            resolve_args(&words(&["-"]), Stdin::None),
            Ok(vec![json!("-")])
        );
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\"a\": }").unwrap();
        let e = resolve_args(&[format!("@{}", bad.display())], Stdin::None).unwrap_err();
        assert!(e.to_string().contains("bad.json: not valid JSON"), "{e}");
        let e = resolve_args(&[format!("@{}", bin_file.display())], Stdin::None).unwrap_err();
        assert!(e.to_string().contains("use @@"), "{e}");
        assert!(matches!(
            resolve_args(&words(&["@"]), Stdin::None),
            Err(ValueError::File { .. })
        ));
    }

    #[test]
    fn binary_forms_must_hold_base64() {
        let e = resolve_args(&words(&["{\"f\": {\"$binary\": \"%%\"}}"]), Stdin::None);
        assert_eq!(e, Err(ValueError::BadBinary("/f".to_owned())));
        assert_eq!(
            e.unwrap_err().to_string(),
            "the argument at /f: {\"$binary\": …} must hold standard base64 \
             (e.g. {\"$binary\": \"AQID\"} for the bytes 01 02 03)"
        );
        assert!(resolve_args(&words(&["{\"$binary\": \"AQID\"}"]), Stdin::None).is_ok());
    }

    #[test]
    fn reads_are_bounded() {
        let mut huge = std::io::repeat(b'x').take(MAX_FILE_BYTES + 10);
        assert!(matches!(
            resolve_args(&words(&["@@-"]), Stdin::Reader(&mut huge)),
            Err(ValueError::TooLarge { .. })
        ));
    }
}
