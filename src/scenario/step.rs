//! What a scenario is once parsed: its steps, and the problems the parser reports on the way
//! (shared by `parse.rs`, which reads lines, and `syntax.rs`, which reads the words of one).

use std::time::Duration;

use super::matcher::Matcher;

/// The client of a scenario that connects without `as NAME`.
pub const DEFAULT_CLIENT: &str = "default";
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 1-based line of the step's first physical line.
    pub line: usize,
    /// The client it runs on (empty for `sleep`).
    pub client: String,
    /// The logical line as written, without the client prefix.
    pub text: String,
    /// The character column (0-based) where `text` starts on its first line.
    pub indent: usize,
    pub kind: StepKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    Connect(ConnectStep),
    /// A REPL command line, run as `sockai connect` would (after its variables are replaced).
    Command,
    /// `reply EVENT [arg …]`: answer the server's ack request of the last such event.
    ReplyTo {
        event: String,
        args: Vec<String>,
    },
    Expect {
        event: String,
        within: Option<Duration>,
        matchers: Vec<Matcher>,
    },
    ExpectNo {
        event: String,
        within: Duration,
    },
    ExpectAck {
        matchers: Vec<Matcher>,
    },
    ExpectDisconnect {
        reason: Option<String>,
    },
    Capture {
        name: String,
        pointer: String,
        regex: Option<String>,
        /// `capture NAME = http POINTER`: from the last HTTP response's body.
        from_http: bool,
    },
    Sleep(Duration),
    /// `http METHOD URL [-H 'Name: value'] [--insecure] [BODY]`.
    Http(HttpStep),
    /// `expect http STATUS [check]`: the last HTTP response's status and JSON body.
    ExpectHttp {
        /// Three characters, digits or `x`: `200`, `2xx`, `40x`.
        status: String,
        matchers: Vec<Matcher>,
    },
}

impl StepKind {
    /// Steps that run on no client (and so do not connect the default one).
    pub fn needs_client(&self) -> bool {
        !matches!(
            self,
            StepKind::Sleep(_)
                | StepKind::Http(_)
                | StepKind::ExpectHttp { .. }
                | StepKind::Capture {
                    from_http: true,
                    ..
                }
        )
    }
}

/// One HTTP request; its words keep their `{{vars}}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpStep {
    /// Upper case: `GET`, `POST`, …
    pub method: String,
    pub url: String,
    /// `Name: value`, as written.
    pub headers: Vec<String>,
    /// One argument, as the REPL reads it, sent as JSON.
    pub body: Option<String>,
    pub insecure: bool,
    /// An `expect http` checks its status; without one, it must be 2xx.
    pub status_checked: bool,
}

/// `connect [as NAME] [URL] [flags]`; its words keep their `{{vars}}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectStep {
    pub url: Option<String>,
    /// `(flag, value)`: `--namespace`, `--auth`, `--header`, `--query`, `--transport`,
    /// `--eio`, `--path`, `--connect-timeout` with a value; `--insecure` without.
    pub flags: Vec<(String, Option<String>)>,
    /// `expect connect_error` follows: the connect must be refused, and its
    /// `{"message", "data"}` must match these.
    pub expect_error: Option<Vec<Matcher>>,
}

/// A problem at a character offset of a logical line.
pub(super) struct Problem(pub(super) usize, pub(super) String);

pub(super) fn problem(at: usize, message: impl Into<String>) -> Problem {
    Problem(at, message.into())
}

impl From<String> for Problem {
    fn from(message: String) -> Self {
        Problem(0, message)
    }
}
