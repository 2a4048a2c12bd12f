//! `sockai bench`'s flags.

use std::time::Duration;

use clap::Args;

use super::ConnectionArgs;
use super::parse_duration;

pub(super) const BENCH_AFTER_HELP: &str = "\
Examples:
  sockai bench                                     10 clients for 10 s against 127.0.0.1:3000
  sockai bench http://localhost:3000 -c 1000 -d 30s --connect-rate 2000
  sockai bench --ack --payload-bytes 1024 --json   wait for acks; one JSON object on stdout
  sockai bench --hold -c 10000 -d 60s              open 10,000 connections and hold them
  sockai bench --transport upgrade -c 100          sessions that start on polling and upgrade

Each client emits --event with {\"prompt\": \"…\"} of --payload-bytes and waits for --reply (or,
with --ack, for the acknowledgement), then emits again. The window of --duration starts once every
connection was attempted. A live line on stderr (on a terminal) shows progress; the summary goes to
stdout.

Exit status: 0 done; 1 more than --max-errors failed connections, dropped connections and failed
round trips; 2 usage error; 3 no connection could be established.";

/// `--transport` and `--connect-timeout` mean something else here than for `connect` and `emit`.
const BENCH_TRANSPORT_HELP: &str = "Transport of every client: a direct WebSocket (the default, \
     without a fallback), HTTP long-polling, or polling upgraded to WebSocket as browsers do (the \
     round trips then run over the upgraded socket)";
const BENCH_CONNECT_TIMEOUT_HELP: &str =
    "Give up connecting after this long (e.g. 10s, 500ms) [default: --timeout]";

#[derive(Debug, Args)]
#[command(
    mut_arg("transport", |arg| arg.help(BENCH_TRANSPORT_HELP)),
    mut_arg("connect_timeout", |arg| arg.help(BENCH_CONNECT_TIMEOUT_HELP))
)]
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

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Give up on a connect (unless --connect-timeout says otherwise) or a round trip after
    /// this long
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
