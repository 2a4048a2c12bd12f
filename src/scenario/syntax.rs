//! What a step's words must look like: pure checks the parser runs on each logical line
//! (JSON arguments, REPL commands as `command::parse` reads them, connection flags), and the
//! REPL's word splitting with `{{variables}}` kept as written.

use super::step::{Problem, StepKind, problem};
use super::vars;
use crate::client::args::{ArgError, split_words};
use crate::client::command::{self, COMMANDS};
use crate::client::value::parse_value;
use crate::duration::parse_duration;

pub(super) const FLAGS_WITH_VALUE: &[(&str, &str)] = &[
    ("--namespace", "--namespace"),
    ("-n", "--namespace"),
    ("--auth", "--auth"),
    ("--header", "--header"),
    ("-H", "--header"),
    ("--query", "--query"),
    ("--transport", "--transport"),
    ("--eio", "--eio"),
    ("--path", "--path"),
    ("--connect-timeout", "--connect-timeout"),
];

/// The caret excerpt of `line_text` at 1-based character `column`.
pub fn caret(line_text: &str, column: usize) -> String {
    let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
    let chars: Vec<char> = line_text.chars().collect();
    let at = column.saturating_sub(1).min(chars.len());
    let start = at.saturating_sub(30);
    let end = (start + 60).min(chars.len());
    let mut shown: String = chars[start..end].iter().collect();
    let mut pad = at - start;
    if start > 0 {
        shown.insert(0, '…');
        pad += 1;
    }
    if end < chars.len() {
        shown.push('…');
    }
    format!("  {shown}\n  {}^", " ".repeat(pad))
}

/// `NAME:` at the start of a line: the client it is addressed to, and the offset after it.
pub(super) fn client_prefix(text: &str) -> Option<(String, usize)> {
    let start = text.len() - text.trim_start().len();
    let word = text[start..].split(char::is_whitespace).next()?;
    let name = word.strip_suffix(':')?;
    (vars::valid_name(name) && !name.starts_with("env.")).then(|| {
        let after = start + word.len();
        (name.to_owned(), text[..after].chars().count())
    })
}

/// The byte offset of each word in `text` (words found in order).
fn byte_offsets(text: &str, words: &[String]) -> Vec<usize> {
    let mut cursor = 0;
    words
        .iter()
        .map(|word| {
            let at = text
                .get(cursor..)
                .and_then(|rest| rest.find(word.as_str()))
                .map_or(cursor, |i| cursor + i);
            cursor = (at + word.len()).min(text.len());
            at
        })
        .collect()
}

/// A line's words as the REPL splits them, `{{variables}}` kept as written (a variable at the
/// start of a word is not taken for a JSON object), with each word's character offset.
pub fn words(text: &str) -> Result<(Vec<String>, Vec<usize>), ArgError> {
    if !text.contains("{{") {
        let words = split_words(text)?;
        let at = byte_offsets(text, &words)
            .into_iter()
            .map(|b| text[..b].chars().count())
            .collect();
        return Ok((words, at));
    }
    // Stand-ins of the same byte length keep every word at its place in the original.
    let stand_in = vars::placeholders(text);
    let split = split_words(&stand_in)?;
    let bytes = byte_offsets(&stand_in, &split);
    let mut words = Vec::with_capacity(split.len());
    let mut at = Vec::with_capacity(split.len());
    for (word, start) in split.iter().zip(bytes) {
        let end = (start + word.len()).min(text.len());
        words.push(text.get(start..end).unwrap_or(word).to_owned());
        at.push(text.get(..start).map_or(0, |t| t.chars().count()));
    }
    Ok((words, at))
}

pub(super) fn matcher_unquote(word: &str) -> String {
    super::matcher::unquote(word)
}

pub(super) fn capture(words: &[String]) -> Result<StepKind, Problem> {
    let usage = "usage: capture NAME = [http] POINTER [matches REGEX]";
    // `capture NAME = http POINTER …`: from the last HTTP response's body.
    let from_http = words.get(3).is_some_and(|w| w == "http");
    let words: Vec<String> = if from_http {
        [&words[..3], &words[4..]].concat()
    } else {
        words.to_vec()
    };
    let (name, pointer, regex) = match words.as_slice() {
        [_, name, eq, pointer] if eq == "=" => (name, pointer, None),
        [_, name, eq, pointer, m, re] if eq == "=" && m == "matches" => {
            let re = super::matcher::unquote(re);
            if !re.contains("{{") {
                super::matcher::compile(&re)?;
            }
            (name, pointer, Some(re))
        }
        _ => return Err(problem(0, usage)),
    };
    if !vars::valid_name(name) || name.starts_with("env.") {
        return Err(problem(0, format!("{name:?} is not a variable name")));
    }
    let pointer = match pointer.as_str() {
        "." => String::new(),
        p if p.starts_with('/') => p.to_owned(),
        p => {
            return Err(problem(
                0,
                format!("{p:?} is not a JSON pointer (. or /a/0/b)"),
            ));
        }
    };
    Ok(StepKind::Capture {
        name: name.clone(),
        pointer,
        regex,
        from_http,
    })
}

/// The connection flag's value, as `sockai connect` checks it.
pub(super) fn check_flag(flag: &str, value: &str) -> Result<(), String> {
    match flag {
        "--auth" => match serde_json::from_str::<serde_json::Value>(value) {
            Ok(serde_json::Value::Object(_)) => Ok(()),
            _ => Err("--auth takes a JSON object".to_owned()),
        },
        "--header" if !value.contains(':') => Err("expected 'Name: value'".to_owned()),
        "--query" if !value.contains('=') => Err("expected key=value".to_owned()),
        "--transport" if !["websocket", "polling", "upgrade"].contains(&value) => {
            Err("--transport is websocket, polling or upgrade".to_owned())
        }
        "--eio" if value != "3" && value != "4" => Err("--eio is 3 or 4".to_owned()),
        "--connect-timeout" => parse_duration(value).map(|_| ()),
        _ => Ok(()),
    }
}

/// Argument words that start like JSON must be JSON; checked with their variables stood in for.
pub(super) fn check_args(body: &str, words: &[String], at: &[usize]) -> Result<(), Problem> {
    for (word, &offset) in words.iter().zip(at) {
        if word.starts_with('@') {
            continue;
        }
        if let Err(e) = parse_value(&vars::placeholders(word)) {
            let column = if e.line == 1 {
                offset + e.column.saturating_sub(1)
            } else {
                let line_start = nth_line_start(body, offset, e.line - 1);
                line_start + e.column.saturating_sub(1)
            };
            return Err(problem(
                column,
                format!("not valid JSON: {} (to send text, quote it)", e.reason),
            ));
        }
    }
    Ok(())
}

/// The character offset of the start of the `n`th line after the one at `from`.
fn nth_line_start(body: &str, from: usize, n: usize) -> usize {
    let mut seen = 0;
    for (i, c) in body.chars().enumerate().skip(from) {
        if c == '\n' {
            seen += 1;
            if seen == n {
                return i + 1;
            }
        }
    }
    from
}

/// A REPL line: its command must exist and its arguments parse, checked as `command::parse`
/// reads them, without reading any `@file`.
pub(super) fn check_command(body: &str, words: &[String], at: &[usize]) -> Result<(), Problem> {
    let Some(name) = words.first() else {
        return Ok(());
    };
    let known = COMMANDS.iter().any(|(n, _, _)| n == name)
        || ["message", "exit", "?"].contains(&name.as_str());
    if !known {
        return Err(problem(
            at[0],
            format!(
                "unknown step {name:?}: a REPL command (`sockai connect`, then `help`), connect, expect, capture, http or sleep"
            ),
        ));
    }
    if matches!(name.as_str(), "emit" | "ack" | "reply") {
        let skip = if words.get(1).is_some_and(|w| w == "--ack") {
            3
        } else {
            2
        };
        if words.len() > skip {
            check_args(body, &words[skip..], &at[skip..])?;
        }
    }
    // The rest as the REPL parses it, files and variables stood in for.
    let stand_in: Vec<String> = words
        .iter()
        .map(|w| {
            if w.starts_with('@') {
                "0".to_owned()
            } else {
                vars::placeholders(w)
            }
        })
        .collect();
    let line = if matches!(name.as_str(), "ai" | "msg" | "message") {
        vars::placeholders(body)
    } else {
        stand_in
            .iter()
            .map(|w| quote_if_spaced(w))
            .collect::<Vec<_>>()
            .join(" ")
    };
    command::parse(&line)
        .map(|_| ())
        .map_err(|m| Problem(at[0], m))
}

fn quote_if_spaced(word: &str) -> String {
    if word.contains(char::is_whitespace) && !word.starts_with(['{', '[', '"']) {
        serde_json::Value::String(word.to_owned()).to_string()
    } else {
        word.to_owned()
    }
}
