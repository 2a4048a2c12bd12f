//! The scenario language (docs/scenarios.md): text → [`Scenario`], pure (no I/O).
//!
//! A logical line is a physical line, or several while a `{`/`[` is open (multi-line JSON, as
//! the REPL reads it). Every REPL command is a step; `connect`, `expect`, `capture`, `sleep`
//! and `reply EVENT` are the scenario's own. A line may be addressed to a client: `alice: …`.

use super::matcher::Matcher;
pub use super::step::{ConnectStep, DEFAULT_CLIENT, Scenario, Step, StepKind};
use super::step::{Problem, problem};
use super::syntax::{
    FLAGS_WITH_VALUE, capture, check_args, check_command, check_flag, client_prefix,
    matcher_unquote,
};
pub use super::syntax::{caret, words};
use super::{http, vars};
use crate::client::args::open_brackets;
use crate::duration::parse_duration;

/// Most steps in one file.
const MAX_STEPS: usize = 100_000;

/// Where and why a scenario does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}\n{excerpt}")]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The offending line and a caret under the column (the client's style for bad JSON).
    pub excerpt: String,
}

pub fn parse(source: &str) -> Result<Scenario, ParseError> {
    let physical: Vec<&str> = source.split('\n').collect();
    let mut parser = Parser {
        steps: Vec::new(),
        clients: Vec::new(),
    };
    let mut n = 0;
    while n < physical.len() {
        let first = n;
        let mut text = physical[n].trim_end_matches('\r').to_owned();
        n += 1;
        let trimmed = text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        while open_brackets(&text) > 0 && n < physical.len() {
            text.push('\n');
            text.push_str(physical[n].trim_end_matches('\r'));
            n += 1;
        }
        if parser.steps.len() >= MAX_STEPS {
            return Err(error(
                &physical,
                first,
                0,
                format!("more than {MAX_STEPS} steps"),
            ));
        }
        parser
            .line(first + 1, &text)
            .map_err(|Problem(offset, message)| {
                // The offset is in characters of the logical line: find its physical line.
                let before: String = text.chars().take(offset).collect();
                let extra = before.matches('\n').count();
                let column = before.rsplit('\n').next().unwrap_or("").chars().count();
                error(&physical, first + extra, column, message)
            })?;
    }
    Ok(Scenario {
        steps: parser.steps,
    })
}

fn error(physical: &[&str], index: usize, column0: usize, message: String) -> ParseError {
    let line_text = physical.get(index).copied().unwrap_or_default();
    ParseError {
        line: index + 1,
        column: column0 + 1,
        message,
        excerpt: caret(line_text, column0 + 1),
    }
}

struct Parser {
    steps: Vec<Step>,
    clients: Vec<String>,
}

impl Parser {
    fn line(&mut self, line: usize, full: &str) -> Result<(), Problem> {
        let (prefix, skip) = match client_prefix(full) {
            Some((name, skip)) => (Some(name), skip),
            None => (None, 0),
        };
        let body: String = full.chars().skip(skip).collect();
        let shift = |Problem(at, m): Problem| Problem(at + skip, m);
        let (words, at) = words(&body).map_err(|e| {
            let lead = body.chars().take_while(|c| c.is_whitespace()).count();
            Problem(skip + lead, e.to_string())
        })?;
        let text = body.trim().to_owned();
        let indent = skip + body.chars().take_while(|c| c.is_whitespace()).count();
        let first = words.first().map(String::as_str).unwrap_or_default();
        if first == "." || first.starts_with('/') {
            return self
                .matcher(&words)
                .map_err(|Problem(_, m)| Problem(skip, m));
        }
        let kind = match first {
            "connect" => {
                return self
                    .connect(line, prefix, (text, indent), &words, &at)
                    .map_err(shift);
            }
            "expect" => match self.expect(&words, &at).map_err(shift)? {
                Some(kind) => kind,
                None => return Ok(()),
            },
            "capture" => capture(&words).map_err(shift)?,
            "http" => http::parse(&body, &words, &at).map_err(shift)?,
            "sleep" => match words.as_slice() {
                [_, d] => StepKind::Sleep(parse_duration(d).map_err(|e| Problem(skip + at[1], e))?),
                _ => return Err(problem(skip, "usage: sleep DURATION")),
            },
            "reply" if words.get(1).is_some_and(|w| w.parse::<u64>().is_err()) => {
                check_args(&body, &words[2..], &at[2..]).map_err(shift)?;
                StepKind::ReplyTo {
                    event: matcher_unquote(&words[1]),
                    args: words[2..].to_vec(),
                }
            }
            _ => {
                check_command(&body, &words, &at).map_err(shift)?;
                StepKind::Command
            }
        };
        let client = if !kind.needs_client() {
            String::new()
        } else {
            self.client(line, prefix)?
        };
        self.steps.push(Step {
            line,
            client,
            text,
            indent,
            kind,
        });
        Ok(())
    }

    /// The client a line runs on: its prefix's, else the only one (connected implicitly as
    /// `default` to `{{url}}` when there is none yet).
    fn client(&mut self, line: usize, prefix: Option<String>) -> Result<String, Problem> {
        match prefix {
            Some(name) if self.clients.contains(&name) => Ok(name),
            Some(name) => Err(problem(
                0,
                format!("no client {name:?} yet: connect it first (`connect as {name} URL`)"),
            )),
            None => match self.clients.as_slice() {
                [only] => Ok(only.clone()),
                [] => {
                    self.clients.push(DEFAULT_CLIENT.to_owned());
                    self.steps.push(Step {
                        line,
                        client: DEFAULT_CLIENT.to_owned(),
                        text: "connect".to_owned(),
                        indent: 0,
                        kind: StepKind::Connect(ConnectStep::default()),
                    });
                    Ok(DEFAULT_CLIENT.to_owned())
                }
                many => Err(problem(
                    0,
                    format!(
                        "{} clients ({}): say which this line is for, e.g. `{}: …`",
                        many.len(),
                        many.join(", "),
                        many[0]
                    ),
                )),
            },
        }
    }

    fn connect(
        &mut self,
        line: usize,
        prefix: Option<String>,
        (text, indent): (String, usize),
        words: &[String],
        at: &[usize],
    ) -> Result<(), Problem> {
        let mut rest = &words[1..];
        let mut i = 1;
        let mut name = prefix;
        if rest.first().is_some_and(|w| w == "as") {
            let Some(given) = rest.get(1) else {
                return Err(problem(at[1], "usage: connect as NAME [URL] [flags]"));
            };
            if !vars::valid_name(given) || given.starts_with("env.") {
                return Err(problem(at[2], format!("{given:?} is not a client name")));
            }
            name = Some(given.clone());
            rest = &rest[2..];
            i += 2;
        }
        let name = name.unwrap_or_else(|| match self.clients.as_slice() {
            [only] if rest.is_empty() => only.clone(),
            _ => DEFAULT_CLIENT.to_owned(),
        });
        if self.clients.contains(&name) {
            if rest.is_empty() && !words.iter().any(|w| w == "as") {
                // A REPL line: `connect` again is `reconnect`.
                self.steps.push(Step {
                    line,
                    client: name,
                    text,
                    indent,
                    kind: StepKind::Command,
                });
                return Ok(());
            }
            return Err(problem(0, format!("client {name:?} is already connected")));
        }
        let mut step = ConnectStep::default();
        while let Some((word, more)) = rest.split_first() {
            let col = at[i];
            if let Some((_, flag)) = FLAGS_WITH_VALUE.iter().find(|(f, _)| f == word) {
                let Some(value) = more.first() else {
                    return Err(problem(col, format!("{word} needs a value")));
                };
                if !value.contains("{{") {
                    check_flag(flag, value).map_err(|m| Problem(at[i + 1], m))?;
                }
                step.flags.push(((*flag).to_owned(), Some(value.clone())));
                rest = &more[1..];
                i += 2;
            } else if word == "--insecure" {
                step.flags.push((word.clone(), None));
                rest = more;
                i += 1;
            } else if word.starts_with('-') {
                return Err(problem(col, format!("unknown connect flag {word}")));
            } else if step.url.is_none() {
                step.url = Some(word.clone());
                rest = more;
                i += 1;
            } else {
                return Err(problem(col, format!("a second URL {word:?}")));
            }
        }
        self.clients.push(name.clone());
        self.steps.push(Step {
            line,
            client: name,
            text,
            indent,
            kind: StepKind::Connect(step),
        });
        Ok(())
    }

    /// An expect step; `None` when it belongs to the connect above (`expect connect_error`).
    fn expect(&mut self, words: &[String], at: &[usize]) -> Result<Option<StepKind>, Problem> {
        let usage = "usage: expect EVENT [within DURATION] [CHECK], expect no EVENT within \
                     DURATION, expect ack [CHECK], expect disconnect [REASON], expect \
                     connect_error [CHECK], expect http STATUS [CHECK]";
        let Some(what) = words.get(1) else {
            return Err(problem(0, usage));
        };
        let rest = &words[2..];
        let matchers = |words: &[String], col: usize| -> Result<Vec<Matcher>, Problem> {
            if words.is_empty() {
                Ok(Vec::new())
            } else {
                Ok(vec![Matcher::parse(words).map_err(|m| Problem(col, m))?])
            }
        };
        Ok(Some(match what.as_str() {
            "no" => match rest {
                [event, w, d] if w == "within" => StepKind::ExpectNo {
                    event: matcher_unquote(event),
                    within: parse_duration(d).map_err(|e| Problem(at[4], e))?,
                },
                _ => return Err(problem(at[1], "usage: expect no EVENT within DURATION")),
            },
            "http" => {
                let Some(status) = rest.first() else {
                    return Err(problem(at[1], "usage: expect http STATUS [CHECK]"));
                };
                let status = http::parse_status(status).map_err(|m| Problem(at[2], m))?;
                let request = self.steps.iter_mut().rev().find_map(|s| match &mut s.kind {
                    StepKind::Http(request) => Some(request),
                    _ => None,
                });
                let Some(request) = request else {
                    return Err(problem(at[1], "expect http must follow an http step"));
                };
                request.status_checked = true;
                StepKind::ExpectHttp {
                    status,
                    matchers: matchers(&rest[1..], at.get(3).copied().unwrap_or(0))?,
                }
            }
            "ack" => StepKind::ExpectAck {
                matchers: matchers(rest, at.get(2).copied().unwrap_or(0))?,
            },
            "disconnect" => match rest {
                [] => StepKind::ExpectDisconnect { reason: None },
                [reason] => StepKind::ExpectDisconnect {
                    reason: Some(matcher_unquote(reason)),
                },
                _ => return Err(problem(at[3], "usage: expect disconnect [REASON]")),
            },
            "connect_error" => {
                let found = matchers(rest, at.get(2).copied().unwrap_or(0))?;
                match self.steps.last_mut() {
                    Some(Step {
                        kind: StepKind::Connect(connect),
                        ..
                    }) if connect.expect_error.is_none() => {
                        connect.expect_error = Some(found);
                        return Ok(None);
                    }
                    _ => {
                        return Err(problem(
                            at[1],
                            "expect connect_error must follow the client's connect line",
                        ));
                    }
                }
            }
            event => {
                let (within, rest, col) = match rest {
                    [w, d, rest @ ..] if w == "within" => (
                        Some(parse_duration(d).map_err(|e| Problem(at[3], e))?),
                        rest,
                        at.get(4).copied().unwrap_or(0),
                    ),
                    rest => (None, rest, at.get(2).copied().unwrap_or(0)),
                };
                StepKind::Expect {
                    event: matcher_unquote(event),
                    within,
                    matchers: matchers(rest, col)?,
                }
            }
        }))
    }

    /// A check on a line of its own belongs to the expect above it.
    fn matcher(&mut self, words: &[String]) -> Result<(), Problem> {
        let matcher = Matcher::parse(words).map_err(|m| Problem(0, m))?;
        match self.steps.last_mut().map(|s| &mut s.kind) {
            Some(
                StepKind::Expect { matchers, .. }
                | StepKind::ExpectAck { matchers }
                | StepKind::ExpectHttp { matchers, .. }
                | StepKind::Connect(ConnectStep {
                    expect_error: Some(matchers),
                    ..
                }),
            ) => {
                matchers.push(matcher);
                Ok(())
            }
            _ => Err(problem(
                0,
                "a check (POINTER …) on its own line must follow an expect",
            )),
        }
    }
}
