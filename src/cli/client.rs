//! The flags of the clients, `sockai connect` and `sockai emit` (and the connection flags
//! `sockai bench` shares), and the syntax of their values.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use clap::builder::TypedValueParser;

use super::parse_duration;
use crate::client::options::{ConnectOptions, DEFAULT_CONNECT_TIMEOUT, Transport};
use crate::protocol::engineio::EngineVersion;

pub(super) const CONNECT_AFTER_HELP: &str = "\
Examples:
  sockai connect
  sockai connect http://localhost:3000/admin --auth '{\"token\":\"s3cret\"}'
  sockai connect https://api.example.com -H 'Authorization: Bearer abc' --query room=42
  sockai connect http://localhost:3000 --transport upgrade    # polling, then WebSocket
  sockai connect http://legacy:8080 --eio 3                   # a Socket.IO 2.x server
  sockai connect https://localhost:8443 --insecure            # self-signed dev certificate
  printf 'ai hello\\nwait ai-message-response\\n' | sockai connect   # scripted, JSON lines out
  sockai connect --record session.sockai     # then: sockai run session.sockai --var url=…

Commands at the prompt (type `help` for details):
  ai <prompt>              emit ai-message {\"prompt\": …}
  cancel [id]              emit ai-cancel: stop the answer in flight (or answer <id>)
  msg <text>               emit message
  emit <event> [arg …]     each arg is JSON (what starts with { [ \" must parse), else text;
                           @file reads one from a file, @@file sends a file's bytes as binary
  ack <event> [arg …]      emit and wait for the acknowledgement (also: emit --ack …)
  reply <ack_id> [arg …]   answer an acknowledgement the server asked for; an event that
                           asks for one is shown with its id: (ack 3 requested: reply 3 …)
  on|off <event …>         show or hide events; only <event …> shows just these
  wait <event> [timeout]   wait until the event arrives (for scripts)
  status                   socket id, transport, Engine.IO version, ping interval, acks waiting
  expect <event> [check]   wait for the event and check it (/text == \"hi\"); capture and
                           sleep too: every scenario line (docs/scenarios.md) works here
  save <name>              keep the last command in ./saved.sockai (--collection FILE);
                           type <name> (or run <name>) to send it again; saved lists them
  disconnect, reconnect, clear, help [command], quit (or Ctrl-D)

A URL path names the namespace, as with the JavaScript client (http://host/admin → /admin).
Exit status: 0 ok, 1 a scripted command failed (a wait or an ack timed out), 2 usage error,
3 could not connect.";

pub(super) const EMIT_AFTER_HELP: &str = "\
Examples:
  sockai emit ai-message '{\"prompt\":\"hi\"}' --expect ai-message-response
  sockai emit http://127.0.0.1:4000 ai-message '{\"prompt\":\"hi\"}' \\
      --expect ai-message-response --assert-contains /response~hi
  sockai emit chat @payload.json 42 --ack
  sockai emit upload @@photo.png '{\"name\":\"photo.png\"}'   # binary + JSON arguments
  echo '{\"prompt\":\"from stdin\"}' | sockai emit ai-message - --expect ai-message-response
  sockai emit ping --ack --count 20 --interval 100ms    # round-trip statistics
  sockai emit start-quiz --expect quiz-done --ack-reply 42   # answer the server's acks with 42

The first positional argument is the server URL if it starts with http://, https://, ws:// or
wss://; otherwise the URL is http://localhost:3000 and the first argument is the event.
Each argument is JSON if it parses, else text, but one that starts like JSON ({, [ or \")
must parse (exit 2, showing where it broke). @FILE reads one from a file (JSON or text),
- from stdin; @@FILE (or @@- for stdin) sends a file's raw bytes as one binary argument,
{\"$binary\": \"<base64>\"} in JSON, which also works inside any JSON argument.
A payload is printed as the event's single argument, or as the array of its arguments when
there are several; --assert pointers are relative to it. Payloads go to stdout, diagnostics to
stderr. While waiting for ai-message-response, ai-message-chunk events are skipped unless
--print-chunks is given.

Exit status:
  0  every expectation and assertion held
  1  an expectation or assertion failed, timed out, or the connection was lost
  2  usage error
  3  could not connect (refused, timed out, namespace or auth rejected)";

/// Connection flags shared by `connect`, `emit` and `bench`.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Namespace to join [default: the URL's path, else /]
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// Engine.IO path on the server
    #[arg(long, value_name = "PATH", default_value = crate::wire::SOCKET_IO_PATH)]
    pub path: String,

    /// The handshake `auth` payload, a JSON object (e.g. '{"token":"abc"}')
    #[arg(long, value_name = "JSON", value_parser = parse_auth)]
    pub auth: Option<serde_json::Value>,

    /// Extra HTTP header for the handshake, 'Name: value' (repeatable)
    #[arg(long, short = 'H', value_name = "NAME: VALUE", value_parser = parse_header)]
    pub header: Vec<(String, String)>,

    /// Extra query parameter for the handshake, key=value (repeatable)
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_query)]
    pub query: Vec<(String, String)>,

    /// Transport [default: WebSocket, falling back to long-polling when the WebSocket
    /// handshake fails]
    #[arg(long, value_enum)]
    pub transport: Option<Transport>,

    /// Engine.IO version: 4 (Socket.IO 3.x/4.x servers) or 3 (Socket.IO 2.x servers)
    /// [default: detected from the server's handshake]
    #[arg(long, value_name = "3|4", value_parser = clap::value_parser!(u8).range(3..=4).map(eio_version))]
    pub eio: Option<EngineVersion>,

    /// Accept any TLS certificate, e.g. a development server's self-signed one. Certificates
    /// are then not checked at all: never use it against a server you do not control
    #[arg(long)]
    pub insecure: bool,

    /// Give up connecting after this long (e.g. 10s, 500ms) [default: 10s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,
}

impl ConnectionArgs {
    /// The client's options: the one way from these flags to a connection.
    pub fn into_options(self, reconnect: bool) -> ConnectOptions {
        ConnectOptions {
            namespace: self.namespace,
            path: self.path,
            auth: self.auth,
            headers: self.header,
            query: self.query,
            transport: self.transport,
            eio: self.eio,
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            reconnect,
            insecure: self.insecure,
        }
    }
}

/// `--reconnect` / `--no-reconnect`, for the commands that keep a session (`connect`, `emit`).
#[derive(Debug, Args)]
pub struct ReconnectArgs {
    /// Reconnect when the connection is lost [default: on for connect, off for emit]
    #[arg(long, overrides_with = "no_reconnect")]
    pub reconnect: bool,

    /// Do not reconnect when the connection is lost
    #[arg(long, overrides_with = "reconnect")]
    pub no_reconnect: bool,
}

impl ReconnectArgs {
    /// Whether to reconnect: as the flags say, else the command's `default`.
    pub fn or(&self, default: bool) -> bool {
        if self.reconnect {
            true
        } else if self.no_reconnect {
            false
        } else {
            default
        }
    }
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Server URL; a path names the namespace [default: http://localhost:3000]
    #[arg(value_name = "URL")]
    pub url: Option<String>,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    #[command(flatten)]
    pub reconnect: ReconnectArgs,

    /// Print JSON lines (one record per event) even on a terminal
    #[arg(long)]
    pub json: bool,

    /// Where to keep the command history [default: $XDG_DATA_HOME/sockai/history]
    #[arg(long, value_name = "FILE")]
    pub history_file: Option<PathBuf>,

    /// How long `ack` and `emit --ack` wait for the acknowledgement
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub ack_timeout: Duration,

    /// The file of saved messages (`save NAME` at the prompt, then type NAME to send it again);
    /// a scenario file of `## NAME` blocks that `sockai run` runs [default: ./saved.sockai]
    #[arg(long, value_name = "FILE")]
    pub collection: Option<PathBuf>,

    /// Write the session as a scenario file when it ends: the commands, and `expect` lines for
    /// the events and acknowledgements that arrived (replay it with `sockai run FILE --var
    /// url=…`)
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EmitArgs {
    /// [URL] EVENT [ARG]…: the URL if it starts with http(s):// or ws(s)://, then the event name
    /// and its arguments (JSON if it parses, else text; @FILE reads a file, - stdin, @@FILE
    /// sends a file's bytes as binary)
    #[arg(value_name = "[URL] EVENT [ARG]", required = true, num_args = 1..)]
    pub words: Vec<String>,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    #[command(flatten)]
    pub reconnect: ReconnectArgs,

    /// Wait for this event and print its payload (repeatable: in this order)
    #[arg(long, short = 'e', value_name = "EVENT")]
    pub expect: Vec<String>,

    /// Ask for an acknowledgement, wait for it and print it
    #[arg(long)]
    pub ack: bool,

    /// Answer every acknowledgement the server asks for during the run with this argument
    /// (repeatable: the arguments, in order, read like the event's; alone: no arguments)
    #[arg(long, value_name = "ARG", num_args = 0..=1, action = clap::ArgAction::Append)]
    pub ack_reply: Option<Vec<String>>,

    /// Bound on the whole run, connecting included
    #[arg(long, short = 't', value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Also print ai-message-chunk payloads while waiting
    #[arg(long)]
    pub print_chunks: bool,

    /// '<json-pointer>=<json>': the last payload waited for has this value there (repeatable)
    #[arg(long = "assert", value_name = "POINTER=JSON")]
    pub asserts: Vec<String>,

    /// '<json-pointer>~<text>': the value there contains this text (repeatable)
    #[arg(long = "assert-contains", value_name = "POINTER~TEXT")]
    pub assert_contains: Vec<String>,

    /// Emit this many times (each waits for its ack/expectations) and report round-trip times
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub count: u32,

    /// Pause between repeated emits
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub interval: Duration,

    /// Print a JSON-lines transcript (connect, sent, received, ack, stats, error) on stdout
    #[arg(long, conflicts_with = "quiet")]
    pub json: bool,

    /// Print no payloads; rely on the exit status (errors still go to stderr)
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `-H 'Name: value'`. Names and values are checked here, before any transport sees them.
pub fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("expected 'Name: value', got {text:?}"))?;
    let name = name.trim();
    let value = value.trim();
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(format!("{name:?} is not a valid header name"));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!("the value of {name} contains control characters"));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// `--query key=value`.
pub fn parse_query(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("expected key=value, got {text:?}")),
    }
}

/// `--eio 3|4`, after clap's range check (so a bad version is reported as a bad `--eio`).
fn eio_version(version: u8) -> EngineVersion {
    if version == 3 {
        EngineVersion::V3
    } else {
        EngineVersion::V4
    }
}

/// `--auth '{"token": "…"}'`: the handshake `auth` payload must be a JSON object.
pub fn parse_auth(text: &str) -> Result<serde_json::Value, String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value @ serde_json::Value::Object(_)) => Ok(value),
        Ok(other) => Err(format!(
            "expected a JSON object, got {}",
            crate::wire::json_kind(&other)
        )),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_queries_and_auth_are_checked() {
        assert_eq!(
            parse_header("X-Token:  abc def "),
            Ok(("X-Token".to_owned(), "abc def".to_owned()))
        );
        assert!(parse_header("no colon").is_err());
        assert!(parse_header("bad name: x").is_err());
        assert!(parse_header("X: a\nb").is_err());
        assert_eq!(
            parse_query("room=a=b"),
            Ok(("room".to_owned(), "a=b".to_owned()))
        );
        assert!(parse_query("=x").is_err());
        assert!(parse_auth("{\"token\": 1}").is_ok());
        assert!(parse_auth("[1]").is_err());
        assert!(parse_auth("{").is_err());
    }
}
