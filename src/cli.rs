//! The command-line interface: every flag, its help text, and its environment variable.
//!
//! This is the single source of `--help`, the man page and the shell completions.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::duration::parse_duration;
use crate::providers::ProviderKind;

const ABOUT: &str =
    "A developer tool for Socket.IO: an AI server, an interactive client and a scripted client.";

const AFTER_HELP: &str = "\
Examples:
  sockai serve                          Socket.IO AI server on http://127.0.0.1:3000
  sockai serve --port 0                 pick a free port and print it
  sockai connect http://localhost:3000  interactive client (REPL)
  sockai emit ai-message '{\"prompt\":\"hi\"}' --expect ai-message-response
                                        scripted client for CI

Exit status:
  0  success
  1  failure (an expectation or assertion failed or timed out, a runtime error)
  2  usage error
  3  could not connect";

#[derive(Debug, Parser)]
#[command(name = "sockai", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once at start-up: the size of the serve variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Socket.IO AI server
    #[command(after_help = SERVE_AFTER_HELP)]
    Serve(ServeArgs),
    /// Open an interactive Socket.IO client (a REPL; JSON lines when stdin is not a terminal)
    #[command(after_help = CONNECT_AFTER_HELP)]
    Connect(ConnectArgs),
    /// Connect, emit one event, wait for the reply and exit with a status CI can trust
    #[command(after_help = EMIT_AFTER_HELP)]
    Emit(EmitArgs),
    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_AFTER_HELP)]
    Completions(CompletionsArgs),
    /// Print a man page (roff)
    #[command(after_help = MAN_AFTER_HELP)]
    Man(ManArgs),
    /// Load-test a Socket.IO server: many clients, round trips, latency percentiles
    #[command(after_help = BENCH_AFTER_HELP)]
    Bench(BenchArgs),
}

const MAN_AFTER_HELP: &str = "\
Examples:
  sockai man | man -l -
  sockai man serve > ~/.local/share/man/man1/sockai-serve.1";

const COMPLETIONS_AFTER_HELP: &str = "\
Examples:
  sockai completions bash > ~/.local/share/bash-completion/completions/sockai
  sockai completions zsh > ~/.zfunc/_sockai
  sockai completions fish > ~/.config/fish/completions/sockai.fish";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the script for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Print the page of this subcommand instead of the main page
    pub subcommand: Option<String>,
}

const SERVE_AFTER_HELP: &str = "\
Examples:
  sockai serve
  sockai serve --port 0 --echo-delay-ms 300
  GEMINI_API_KEY=… sockai serve --provider gemini
  sockai serve --provider openai --base-url http://localhost:11434/v1 --model llama3.2
  sockai serve --host 0.0.0.0 --port 8080 --log-format json
  RUST_LOG=debug sockai serve
  sockai serve --echo-server --ping-interval 300ms --ping-timeout 200ms --max-payload 1000000

On start the server prints one line on stdout, `listening on http://HOST:PORT`, with the port it
actually bound. Logs go to stderr; filter them with RUST_LOG (default: info).

Provider environment: GEMINI_API_KEY or GOOGLE_API_KEY (preferred when both are set),
GEMINI_MODEL; OPENAI_API_KEY (optional for local servers), OPENAI_BASE_URL, OPENAI_MODEL.
A provider that lacks what it needs (e.g. gemini without a key) is a usage error: exit 2.";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; use 0.0.0.0 to accept connections from other machines
    #[arg(long, env = "SOCKAI_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to listen on; 0 picks a free port
    #[arg(long, short, env = "SOCKAI_PORT", default_value_t = 3000)]
    pub port: u16,

    /// AI provider that answers `ai-message`
    #[arg(long, env = "SOCKAI_PROVIDER", value_enum, default_value_t = ProviderKind::Echo)]
    pub provider: ProviderKind,

    /// Model to ask [default: gemini: $GEMINI_MODEL or gemini-2.5-flash; openai: $OPENAI_MODEL or gpt-4o-mini]
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,

    /// Provider API base URL [default: gemini: https://generativelanguage.googleapis.com;
    /// openai: $OPENAI_BASE_URL or https://api.openai.com/v1, e.g. http://localhost:11434/v1]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// System prompt: instructions sent before every conversation
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,

    /// Sampling temperature (0 to 2); the provider's default when not given
    #[arg(long, value_name = "T", value_parser = parse_temperature)]
    pub temperature: Option<f32>,

    /// Longest answer, in tokens [default: openai: 1024, always sent; gemini: the model's own]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,

    /// Send only the whole answer, no `ai-message-chunk` events
    #[arg(long)]
    pub no_stream: bool,

    /// Exchanges each connection remembers and sends as context; 0 turns memory off
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub history: usize,

    /// Longest a whole answer may take before `ai-message-error` with code `timeout`
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub ai_timeout: Duration,

    /// Retries of a provider answer with status 429 or 5xx (with backoff, honouring Retry-After)
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub ai_retries: u32,

    /// Answers computed at once over the whole server; more wait for a free slot
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_ai: u32,

    /// Delay before the echo provider answers, to imitate a model's latency
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub echo_delay_ms: u64,

    /// Longest prompt accepted, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 32 * 1024)]
    pub max_prompt_bytes: usize,

    /// Behave as the reference server of the Socket.IO v5 protocol test suite instead of the AI server
    #[arg(long)]
    pub echo_server: bool,

    /// Engine.IO ping interval (e.g. 25s, 300ms)
    #[arg(long, value_name = "DURATION", default_value = "25s", value_parser = parse_duration)]
    pub ping_interval: Duration,

    /// Engine.IO ping timeout (e.g. 20s, 200ms)
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = parse_duration)]
    pub ping_timeout: Duration,

    /// Largest Engine.IO payload accepted, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 1_000_000)]
    pub max_payload: u64,

    /// How long shutdown waits for answers in flight before closing sockets
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub shutdown_timeout: Duration,

    /// Runtime threads. 1 (default): one event loop, the steadiest latency (see README,
    /// Benchmarks); 0: one per CPU
    #[arg(long, value_name = "N", env = "SOCKAI_THREADS", default_value_t = 1)]
    pub threads: usize,

    /// Allow browser pages from this origin to use HTTP long-polling and `/api/ai`
    /// (repeatable, e.g. http://localhost:5173). Default: same origin only, as Node socket.io.
    #[arg(long, value_name = "ORIGIN")]
    pub cors_origin: Vec<String>,

    /// Require this token from every client: Socket.IO `auth.token`, or `Authorization: Bearer`
    /// on the raw WebSocket and `/api/ai`. Prefer the environment variable: flags show in `ps`.
    #[arg(
        long,
        env = "SOCKAI_AUTH_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub auth_token: Option<String>,

    /// Most connections held at once (Socket.IO sockets, raw WebSockets and `POST /api/ai`
    /// requests being answered, together)
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_connections: usize,

    /// Events per second one socket may send (bursts up to the same number); 0 turns it off.
    /// Excess events get a `too_many_events` error; a socket that keeps going is disconnected.
    /// `POST /api/ai` gets the same rate per client address (excess: HTTP 429).
    #[arg(long, value_name = "PER_SECOND", default_value_t = 50)]
    pub rate_limit: u32,

    /// Log format on stderr
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines
    Text,
    /// One JSON object per line
    Json,
}

const CONNECT_AFTER_HELP: &str = "\
Examples:
  sockai connect
  sockai connect http://localhost:3000/admin --auth '{\"token\":\"s3cret\"}'
  sockai connect https://api.example.com -H 'Authorization: Bearer abc' --query room=42
  sockai connect http://localhost:3000 --transport upgrade    # polling, then WebSocket
  sockai connect http://legacy:8080 --eio 3                   # a Socket.IO 2.x server
  sockai connect https://localhost:8443 --insecure            # self-signed dev certificate
  printf 'ai hello\\nwait ai-message-response\\n' | sockai connect   # scripted, JSON lines out

Commands at the prompt (type `help` for details):
  ai <prompt>              emit ai-message {\"prompt\": …}
  msg <text>               emit message
  emit <event> [arg …]     each arg is JSON (what starts with { [ \" must parse), else text;
                           @file reads one from a file, @@file sends a file's bytes as binary
  ack <event> [arg …]      emit and wait for the acknowledgement (also: emit --ack …)
  reply <ack_id> [arg …]   answer an acknowledgement the server asked for; an event that
                           asks for one is shown with its id: (ack 3 requested: reply 3 …)
  on|off <event …>         show or hide events; only <event …> shows just these
  wait <event> [timeout]   wait until the event arrives (for scripts)
  status                   socket id, transport, Engine.IO version, ping interval, acks waiting
  disconnect, reconnect, clear, help [command], quit (or Ctrl-D)

A URL path names the namespace, as with the JavaScript client (http://host/admin → /admin).
Exit status: 0 ok, 1 a scripted command failed (a wait or an ack timed out), 2 usage error,
3 could not connect.";

const EMIT_AFTER_HELP: &str = "\
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

/// Which Engine.IO transport to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    /// WebSocket only
    Websocket,
    /// HTTP long-polling only
    Polling,
    /// HTTP long-polling first, then upgraded to WebSocket, as browsers do
    Upgrade,
}

/// Connection flags shared by `connect` and `emit`.
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
    #[arg(long, value_name = "3|4", value_parser = clap::value_parser!(u8).range(3..=4))]
    pub eio: Option<u8>,

    /// Accept any TLS certificate, e.g. a development server's self-signed one. Certificates
    /// are then not checked at all: never use it against a server you do not control
    #[arg(long)]
    pub insecure: bool,

    /// Give up connecting after this long (e.g. 10s, 500ms)
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,

    /// Reconnect when the connection is lost [default: on for connect, off for emit]
    #[arg(long, overrides_with = "no_reconnect")]
    pub reconnect: bool,

    /// Do not reconnect when the connection is lost
    #[arg(long, overrides_with = "reconnect")]
    pub no_reconnect: bool,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Server URL; a path names the namespace [default: http://localhost:3000]
    #[arg(value_name = "URL")]
    pub url: Option<String>,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Print JSON lines (one record per event) even on a terminal
    #[arg(long)]
    pub json: bool,

    /// Where to keep the command history [default: $XDG_DATA_HOME/sockai/history]
    #[arg(long, value_name = "FILE")]
    pub history_file: Option<PathBuf>,

    /// How long `ack` and `emit --ack` wait for the acknowledgement
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub ack_timeout: Duration,
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

fn parse_temperature(text: &str) -> Result<f32, String> {
    match text.trim().parse::<f32>() {
        Ok(t) if (0.0..=2.0).contains(&t) => Ok(t),
        _ => Err("expected a number from 0 to 2".to_owned()),
    }
}

const BENCH_AFTER_HELP: &str = "\
Examples:
  sockai bench                                     10 clients for 10 s against 127.0.0.1:3000
  sockai bench http://localhost:3000 -c 1000 -d 30s --connect-rate 2000
  sockai bench --ack --payload-bytes 1024 --json   wait for acks; one JSON object on stdout
  sockai bench --hold -c 10000 -d 60s              open 10,000 connections and hold them

Each client emits --event with {\"prompt\": \"…\"} of --payload-bytes and waits for --reply (or,
with --ack, for the acknowledgement), then emits again. The window of --duration starts once every
connection was attempted. A live line on stderr (on a terminal) shows progress; the summary goes to
stdout.

Exit status: 0 done; 1 more than --max-errors failed connections, dropped connections and failed
round trips; 2 usage error; 3 no connection could be established.";

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Socket.IO server (http, https, ws or wss); a path names the namespace, as in socket.io-client
    #[arg(default_value = "http://127.0.0.1:3000")]
    pub url: String,

    /// Connections to open (at most 20000: the open-file limit of one process)
    #[arg(long, short, default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub clients: u32,

    /// New connections per second during the ramp; 0: as fast as possible (256 handshakes in flight)
    #[arg(long, value_name = "PER_SEC", default_value_t = 1000)]
    pub connect_rate: u32,

    /// Length of the measuring window (at most 1h)
    #[arg(long, short, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Event each client emits, with {"prompt": "…"}
    #[arg(long, default_value = crate::wire::event::AI_MESSAGE)]
    pub event: String,

    /// Size of the prompt in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub payload_bytes: u32,

    /// Event that answers it (other events, e.g. ai-message-chunk, are skipped)
    #[arg(long, default_value = crate::wire::event::AI_MESSAGE_RESPONSE)]
    pub reply: String,

    /// Wait for the acknowledgement instead of the reply event
    #[arg(long, conflicts_with = "hold")]
    pub ack: bool,

    /// Only open the connections and hold them; report how many stayed up and the connect rate
    #[arg(long)]
    pub hold: bool,

    /// Socket.IO namespace (default: the URL's path, or /)
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// Engine.IO path on the server
    #[arg(long, default_value = crate::wire::SOCKET_IO_PATH)]
    pub path: String,

    /// Give up on a connect or a round trip after this long
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Accept any TLS certificate (a development server's self-signed one); certificates are
    /// then not checked at all
    #[arg(long)]
    pub insecure: bool,

    /// Failed connections + dropped connections + failed round trips tolerated before exit 1
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub max_errors: u64,

    /// Runtime threads of the load generator; 1 (a single-threaded runtime) drives well over
    /// 100,000 round trips/s and leaves the other cores to the server
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: u16,

    /// Print the summary as one JSON object on stdout
    #[arg(long)]
    pub json: bool,
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
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn ack_reply_collects_the_arguments_or_none() {
        let parse = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Command::Emit(emit) => (emit.words, emit.ack_reply),
            _ => unreachable!(),
        };
        let words = |list: &[&str]| list.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse(&["sockai", "emit", "ev", "a"]),
            (words(&["ev", "a"]), None)
        );
        assert_eq!(
            parse(&[
                "sockai",
                "emit",
                "ev",
                "--ack-reply",
                "4",
                "--ack-reply",
                "{}"
            ]),
            (words(&["ev"]), Some(words(&["4", "{}"])))
        );
        assert_eq!(
            parse(&["sockai", "emit", "ev", "--ack-reply"]),
            (words(&["ev"]), Some(vec![]))
        );
        assert_eq!(
            parse(&["sockai", "emit", "ev", "--ack-reply", "--json"]),
            (words(&["ev"]), Some(vec![]))
        );
    }

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
