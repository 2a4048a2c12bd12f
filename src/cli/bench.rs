//! `sockai bench`'s flags.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::{Args, Subcommand};

use super::ConnectionArgs;
use super::parse_duration;

pub(super) const BENCH_AFTER_HELP: &str = "\
Examples:
  sockai bench                                     10 clients for 10 s against 127.0.0.1:3000
  sockai bench http://localhost:3000 -c 1000 -d 30s --connect-rate 2000
  sockai bench --ack --payload-bytes 1024 --json   wait for acks; one JSON object on stdout
  sockai bench --hold -c 10000 -d 60s              open 10,000 connections and hold them
  sockai bench --transport upgrade -c 100          sessions that start on polling and upgrade
  sockai bench http://localhost:3000 --scenario chat.sockai -c 50 -d 30s
                                                   50 users, each running chat.sockai again
                                                   and again ({{url}} is the URL)
  sockai bench --scenario login.sockai --var url=http://h:3000 --arrival-rate 5 \
      --ramp-to 50 --ramp-duration 1m -d 2m        5 new users/s, ramped to 50/s over the first
                                                   minute, then 50/s; each runs it once
  sockai bench --json --start-at 2026-12-07T22:00:00Z > gen-1.json
                                                   wait until then, so generators line up
  sockai bench merge gen-*.json                    exact percentiles of all the runs together

Each client emits --event with {\"prompt\": \"…\"} of --payload-bytes and waits for --reply (or,
with --ack, for the acknowledgement), then emits again. The window of --duration starts once every
connection was attempted. A live line on stderr (on a terminal) shows progress; the summary goes to
stdout.

With --scenario FILE each virtual user runs the scenario (docs/scenarios.md) from its start on
its own connections: with --clients N, N users pass over it again and again until --duration
ends; with --arrival-rate, new users arrive on that schedule and each passes once. A scenario
without a `connect` line connects each user once and its passes reuse the connection (as plain
bench does); `connect` lines open new connections on every pass. The summary gives each step
that waits (connect, expect, ack, wait, reply, http) its count, errors and latency
percentiles, the whole pass's, and failures by line and message. When --duration ends no pass
starts; passes in progress get --timeout to end.

--json carries every histogram whole (HdrHistogram V2, base64) and the window's start and end:
`sockai bench merge` adds up runs from several processes or machines.

Exit status: 0 done; 1 more than --max-errors failed connections, dropped connections and failed
round trips (with --scenario: failed passes); 2 usage error, or the scenario does not parse
(file:line:column and a caret); 3 no connection could be established.";

pub(super) const MERGE_AFTER_HELP: &str = "\
Examples:
  sockai bench merge gen-1.json gen-2.json          one summary of both runs
  sockai bench merge results/*.json --json > all.json

Each FILE is the output of `sockai bench --json` (with or without --scenario; all of one kind,
and of one scenario). Counts and rates add up; percentiles come from the merged histograms, so
they are those of every sample of every run, as if one generator had made them all. A merged
summary can be merged again.

Exit status: 0 merged; 2 a file is missing, is not a bench summary, or does not match the
others.";

/// `--transport` and `--connect-timeout` mean something else here than for `connect` and `emit`.
const BENCH_TRANSPORT_HELP: &str = "Transport of every client: a direct WebSocket (the default, \
     without a fallback), HTTP long-polling, or polling upgraded to WebSocket as browsers do (the \
     round trips then run over the upgraded socket)";
const BENCH_CONNECT_TIMEOUT_HELP: &str =
    "Give up connecting after this long (e.g. 10s, 500ms) [default: --timeout]";

/// The scenario's flags cannot be combined with these (they shape plain bench's round trips,
/// or its connections, which a scenario's `connect` lines say).
const NOT_WITH_SCENARIO: [&str; 14] = [
    "event",
    "reply",
    "payload_bytes",
    "ack",
    "hold",
    "namespace",
    "auth",
    "header",
    "query",
    "transport",
    "eio",
    "insecure",
    "connect_timeout",
    "path",
];

#[derive(Debug, Args)]
#[command(
    mut_arg("transport", |arg| arg.help(BENCH_TRANSPORT_HELP)),
    mut_arg("connect_timeout", |arg| arg.help(BENCH_CONNECT_TIMEOUT_HELP)),
    args_conflicts_with_subcommands = true
)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub action: Option<BenchCommand>,

    /// Socket.IO server (http, https, ws or wss); a path names the namespace, as in
    /// socket.io-client. With --scenario: the value of {{url}} [default: http://127.0.0.1:3000]
    pub url: Option<String>,

    /// Run this scenario file (docs/scenarios.md) as each virtual user
    #[arg(long, value_name = "FILE", conflicts_with_all = NOT_WITH_SCENARIO)]
    pub scenario: Option<PathBuf>,

    /// A scenario variable, name=value (repeatable; wins over --vars-file)
    #[arg(long = "var", value_name = "NAME=VALUE", requires = "scenario")]
    pub vars: Vec<String>,

    /// A file of name=value lines for the scenario (# comments; repeatable)
    #[arg(long = "vars-file", value_name = "FILE", requires = "scenario")]
    pub vars_files: Vec<PathBuf>,

    /// Show this scenario variable's value as *** in failures (repeatable; values from
    /// {{env.NAME}} are always masked)
    #[arg(long = "secret", value_name = "NAME", requires = "scenario")]
    pub secrets: Vec<String>,

    /// New users per second, each running the scenario once (instead of --clients users
    /// running it again and again)
    #[arg(long, value_name = "PER_SEC", requires = "scenario", conflicts_with = "clients",
          value_parser = parse_rate)]
    pub arrival_rate: Option<f64>,

    /// Ramp the arrival rate linearly to this over --ramp-duration, then hold it
    #[arg(long, value_name = "PER_SEC", requires = "arrival_rate", value_parser = parse_rate)]
    pub ramp_to: Option<f64>,

    /// How long the ramp lasts [default: --duration]
    #[arg(long, value_name = "DURATION", requires = "ramp_to", value_parser = parse_duration)]
    pub ramp_duration: Option<Duration>,

    /// Wait until this time to start (RFC 3339, e.g. 2026-12-07T22:00:00Z, or unix seconds),
    /// so that generators started on several machines line up; at most 1h away, and a time
    /// already past starts at once
    #[arg(long, value_name = "TIME", value_parser = crate::wall_clock::parse_start_at)]
    pub start_at: Option<SystemTime>,

    /// Connections to open (at most 20000: the open-file limit of one process); with
    /// --scenario, users at once
    #[arg(long, short, default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub clients: u32,

    /// New connections per second during the ramp (with --scenario: users started per
    /// second); 0: as fast as possible (256 handshakes in flight)
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
    /// this long (with --scenario: a waiting step without `within`, and the grace of the
    /// passes in progress when --duration ends)
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Failed connections + dropped connections + failed round trips (with --scenario: failed
    /// passes) tolerated before exit 1
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

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Add up the --json summaries of several runs: counts, rates, and the exact percentiles
    /// of all their samples together
    #[command(after_help = MERGE_AFTER_HELP)]
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Summaries written by `sockai bench --json`
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,

    /// Print the merged summary as one JSON object (which can be merged again)
    #[arg(long)]
    pub json: bool,
}

/// Highest arrival rate accepted (users per second).
const MAX_RATE: f64 = 10_000.0;

/// An arrival rate: users per second, 0 to 10,000 (fractions allowed: 0.5 is one every 2 s).
fn parse_rate(text: &str) -> Result<f64, String> {
    let max = MAX_RATE;
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && (0.0..=max).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "{text}: a rate is a number of users per second, 0 to {max}"
        )),
    }
}
