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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Socket.IO AI server
    #[command(after_help = SERVE_AFTER_HELP)]
    Serve(ServeArgs),
    /// Open an interactive Socket.IO client (not yet implemented)
    Connect(PendingArgs),
    /// Connect, emit one event, wait for the reply and exit (not yet implemented)
    Emit(PendingArgs),
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
  sockai serve --host 0.0.0.0 --port 8080 --log-format json
  RUST_LOG=debug sockai serve
  sockai serve --echo-server --ping-interval 300ms --ping-timeout 200ms --max-payload 1000000

On start the server prints one line on stdout, `listening on http://HOST:PORT`, with the port it
actually bound. Logs go to stderr; filter them with RUST_LOG (default: info).";

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
