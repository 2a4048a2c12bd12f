//! The command-line interface: every flag, its help text, and its environment variable.
//!
//! This is the single source of `--help`, the man page and the shell completions. One file per
//! group of subcommands: [`serve`], [`client`] (`connect`, `emit`), [`bench`].

mod bench;
mod client;
mod run;
mod serve;

use clap::{Args, Parser, Subcommand};

pub use crate::duration::parse_duration;
use bench::BENCH_AFTER_HELP;
pub use bench::{BenchArgs, BenchCommand, MergeArgs};
use client::{CONNECT_AFTER_HELP, EMIT_AFTER_HELP};
pub use client::{
    ConnectArgs, ConnectionArgs, EmitArgs, ReconnectArgs, parse_auth, parse_header, parse_query,
};
use run::RUN_AFTER_HELP;
pub use run::RunArgs;
use serve::SERVE_AFTER_HELP;
pub use serve::{LogFormat, ServeArgs};

const ABOUT: &str =
    "A developer tool for Socket.IO: an AI server, an interactive client and a scripted client.";

const AFTER_HELP: &str = "\
Examples:
  sockai serve                          Socket.IO AI server on http://127.0.0.1:3000
  sockai serve --port 0                 pick a free port and print it
  sockai connect http://localhost:3000  interactive client (REPL)
  sockai emit ai-message '{\"prompt\":\"hi\"}' --expect ai-message-response
                                        scripted client for CI
  sockai run tests/scenarios/ --report-junit junit.xml
                                        scenario files as tests

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
    /// Run scenario files (REPL commands plus expect, capture, variables) as tests
    #[command(after_help = RUN_AFTER_HELP)]
    Run(RunArgs),
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
}
