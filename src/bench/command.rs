//! `sockai bench` as a command: flags in, summary out, exit status from the outcome.

use std::io::IsTerminal;

use super::{BenchConfig, run};
use crate::cli::BenchArgs;
use crate::client::connection::Transport;
use crate::wire;

/// `sockai bench`: run, print the summary, and choose the exit status from it.
pub fn run_bench(args: BenchArgs) -> i32 {
    let json = args.json;
    let max_errors = args.max_errors;
    let on_terminal = std::io::stderr().is_terminal();
    let color = crate::color::stderr();
    let config = BenchConfig {
        url: args.url,
        path: args.path,
        namespace: args.namespace,
        clients: args.clients,
        connect_rate: args.connect_rate,
        duration: args.duration,
        event: args.event,
        reply: args.reply,
        payload_bytes: args.payload_bytes as usize,
        ack: args.ack,
        hold: args.hold,
        timeout: args.timeout,
        insecure: args.insecure,
        transport: match args.transport {
            crate::cli::Transport::Websocket => Transport::Websocket,
            crate::cli::Transport::Polling => Transport::Polling,
            crate::cli::Transport::Upgrade => Transport::Upgrade,
        },
        progress: on_terminal,
        color,
    };
    if args.insecure {
        eprintln!("sockai: {}", crate::client::INSECURE_WARNING);
    }
    // One thread by default, so the generator's own latency stays small and steady.
    let runtime = match crate::runtime::build(usize::from(args.threads)) {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sockai: error: cannot start the async runtime: {e}");
            return wire::exit::FAILURE;
        }
    };
    let summary = match runtime.block_on(run(config)) {
        Ok(summary) => summary,
        // Every bench error is about its arguments (a bad URL, an impossible combination).
        Err(e) => {
            eprintln!("sockai: error: {e}");
            return wire::exit::USAGE;
        }
    };
    // Clients may still be closing; do not wait for them past the summary.
    runtime.shutdown_background();
    if json {
        match serde_json::to_string(&summary) {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("sockai: error: cannot write the summary: {e}");
                return wire::exit::FAILURE;
            }
        }
    } else {
        print!("{}", summary.render());
    }
    if summary.connections.established == 0 {
        eprintln!(
            "sockai: error: could not connect to {}: {}",
            summary.url,
            summary
                .main_error()
                .map_or("no answer", |e| e.trim_start_matches("connect: "))
        );
        return wire::exit::CONNECT;
    }
    let errors = summary.total_errors();
    if errors > max_errors {
        eprintln!(
            "sockai: error: {errors} errors (failed or dropped connections, failed round trips), \
             more than --max-errors {max_errors}; most frequent: {}",
            summary.main_error().unwrap_or("unknown")
        );
        return wire::exit::FAILURE;
    }
    wire::exit::OK
}
