//! `sockai bench` as a command: flags in, summary out, the outcome as the command's error.

use std::io::IsTerminal;

use super::{BenchConfig, BenchError, run};
use crate::cli::BenchArgs;

/// `sockai bench`: run, print the summary, and judge the outcome from it.
pub fn run_bench(args: BenchArgs) -> Result<(), BenchError> {
    let json = args.json;
    let max_errors = args.max_errors;
    // `--timeout` bounds the connects too unless `--connect-timeout` was given.
    let connect_timeout = args.connection.connect_timeout.unwrap_or(args.timeout);
    let mut options = args.connection.into_options(false);
    options.connect_timeout = connect_timeout;
    let insecure = options.insecure;
    let config = BenchConfig {
        url: args.url,
        options,
        clients: args.clients,
        connect_rate: args.connect_rate,
        duration: args.duration,
        event: args.event,
        reply: args.reply,
        payload_bytes: args.payload_bytes as usize,
        ack: args.ack,
        hold: args.hold,
        timeout: args.timeout,
        progress: std::io::stderr().is_terminal(),
        color: crate::color::stderr(),
    };
    if insecure {
        eprintln!("sockai: {}", crate::client::INSECURE_WARNING);
    }
    // One thread by default, so the generator's own latency stays small and steady.
    let runtime = crate::runtime::build(usize::from(args.threads)).map_err(BenchError::Runtime)?;
    let summary = runtime.block_on(run(config))?;
    // Clients may still be closing; do not wait for them past the summary.
    runtime.shutdown_background();
    if json {
        println!(
            "{}",
            serde_json::to_string(&summary).map_err(BenchError::Summary)?
        );
    } else {
        print!("{}", summary.render());
    }
    if summary.connections.established == 0 {
        return Err(BenchError::NoConnection {
            reason: summary
                .main_error()
                .map_or("no answer", |e| e.trim_start_matches("connect: "))
                .to_owned(),
            url: summary.url,
        });
    }
    let errors = summary.total_errors();
    if errors > max_errors {
        return Err(BenchError::TooManyErrors {
            errors,
            max_errors,
            main: summary.main_error().unwrap_or("unknown").to_owned(),
        });
    }
    Ok(())
}
