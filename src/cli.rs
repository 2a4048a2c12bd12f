//! The command-line interface: every flag, its help text, and its environment variable.
//!
//! This is the single source of `--help`, the man page and the shell completions.

use std::net::IpAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::providers::ProviderKind;

const ABOUT: &str =
    "A developer tool for Socket.IO: an AI server, an interactive client and a scripted client.";

const AFTER_HELP: &str = "\
Examples:
  sockai serve                          Socket.IO AI server on http://127.0.0.1:3000
  sockai serve --port 0                 pick a free port and print it
  sockai connect http://localhost:3000  interactive client (REPL)

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
    /// Open an interactive Socket.IO client (not yet implemented)
    Connect(PendingArgs),
    /// Connect, emit one event, wait for the reply and exit (not yet implemented)
    Emit(PendingArgs),
    /// Print a shell completion script (not yet implemented)
    Completions(PendingArgs),
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

    /// Allow browser pages from this origin to use HTTP long-polling and `/api/ai`
    /// (repeatable, e.g. http://localhost:5173). Default: same origin only, as Node socket.io.
    #[arg(long, value_name = "ORIGIN")]
    pub cors_origin: Vec<String>,

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

/// Arguments of a subcommand whose issue has not landed yet; accepted so the help stays stable.
#[derive(Debug, Args)]
pub struct PendingArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

fn parse_temperature(text: &str) -> Result<f32, String> {
    match text.trim().parse::<f32>() {
        Ok(t) if (0.0..=2.0).contains(&t) => Ok(t),
        _ => Err("expected a number from 0 to 2".to_owned()),
    }
}

/// Parse `300ms`, `5s`, `2m`; a bare number means seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).map_err(|e| e.to_string());
    }
    humantime::parse_duration(text).map_err(|e| format!("{e} (try 300ms, 5s or 2m)"))
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
    fn durations_accept_units_and_bare_seconds() {
        assert_eq!(parse_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1").is_err());
    }
}
