//! `sockai bench` as a command: flags in, summary out, the outcome as the command's error.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::merge::{Merged, merge_files};
use super::scenario::{self, ScenarioLoad, ScenarioSummary, Shape};
use super::{BenchConfig, BenchError, MAX_DURATION, MAX_TIMEOUT, run};
use crate::cli::{BenchArgs, BenchCommand, MergeArgs};
use crate::scenario::load::{LoadRequest, PrepareError, prepare};

const DEFAULT_URL: &str = "http://127.0.0.1:3000";

/// `sockai bench`: run, print the summary, and judge the outcome from it.
pub fn run_bench(args: BenchArgs) -> Result<(), BenchError> {
    if let Some(BenchCommand::Merge(merge)) = args.action {
        return run_merge(&merge);
    }
    if args.scenario.is_some() {
        return run_scenario(args);
    }
    let json = args.json;
    let max_errors = args.max_errors;
    // `--timeout` bounds the connects too unless `--connect-timeout` was given.
    let connect_timeout = args.connection.connect_timeout.unwrap_or(args.timeout);
    let mut options = args.connection.into_options(false);
    options.connect_timeout = connect_timeout;
    let insecure = options.insecure;
    let config = BenchConfig {
        url: args.url.unwrap_or_else(|| DEFAULT_URL.to_owned()),
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
    let wait = start_wait(args.start_at)?;
    let summary = runtime.block_on(async move {
        if let Some(wait) = wait {
            tokio::time::sleep(wait).await;
        }
        run(config).await
    })?;
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

/// How long `--start-at` says to wait (a past time: none, with a note).
fn start_wait(start_at: Option<SystemTime>) -> Result<Option<Duration>, BenchError> {
    let Some(at) = start_at else {
        return Ok(None);
    };
    let wait = crate::wall_clock::wait_until(at, SystemTime::now()).map_err(BenchError::Usage)?;
    let shown = crate::wall_clock::rfc3339(at);
    match wait {
        None => eprintln!("sockai: --start-at {shown} has passed; starting now"),
        Some(wait) => eprintln!(
            "sockai: waiting until {shown} (in {:.1} s)",
            wait.as_secs_f64()
        ),
    }
    Ok(wait)
}

/// `sockai bench --scenario FILE`.
fn run_scenario(args: BenchArgs) -> Result<(), BenchError> {
    let Some(path) = args.scenario else {
        return Ok(());
    };
    if args.duration > MAX_DURATION {
        return Err(BenchError::Usage("--duration is at most 1h".into()));
    }
    if args.timeout > MAX_TIMEOUT || args.timeout.is_zero() {
        return Err(BenchError::Usage(
            "--timeout must be more than 0 and at most 10m".into(),
        ));
    }
    let shape = match args.arrival_rate {
        None => Shape::Users {
            clients: args.clients,
        },
        Some(rate) => {
            let ramp_to = args.ramp_to.unwrap_or(rate);
            let ramp = args.ramp_duration.unwrap_or(args.duration);
            if rate == 0.0 && ramp_to == 0.0 {
                return Err(BenchError::Usage(
                    "--arrival-rate 0 needs a --ramp-to above 0".into(),
                ));
            }
            if ramp > MAX_DURATION {
                return Err(BenchError::Usage("--ramp-duration is at most 1h".into()));
            }
            Shape::Arrivals {
                arrival_rate: rate,
                ramp_to,
                ramp_secs: if ramp_to == rate {
                    0.0
                } else {
                    ramp.as_secs_f64()
                },
            }
        }
    };
    let prepared = prepare(&LoadRequest {
        path,
        vars: args.vars,
        vars_files: args.vars_files,
        secrets: args.secrets,
        url: args.url,
        step_timeout: args.timeout,
    })
    .map_err(|e| match e {
        PrepareError::Usage(message) => BenchError::Usage(message),
        PrepareError::Parse(message) => BenchError::Scenario(message),
    })?;
    let load = ScenarioLoad {
        shape,
        duration: args.duration,
        connect_rate: args.connect_rate,
        grace: args.timeout,
        progress: std::io::stderr().is_terminal(),
        color: crate::color::stderr(),
    };
    let runtime = crate::runtime::build(usize::from(args.threads)).map_err(BenchError::Runtime)?;
    let wait = start_wait(args.start_at)?;
    let summary = runtime.block_on(async move {
        if let Some(wait) = wait {
            tokio::time::sleep(wait).await;
        }
        scenario::run(Arc::new(prepared), load).await
    });
    runtime.shutdown_background();
    print_scenario(&summary, args.json)?;
    judge_scenario(&summary, args.max_errors)
}

fn print_scenario(summary: &ScenarioSummary, json: bool) -> Result<(), BenchError> {
    if json {
        println!(
            "{}",
            serde_json::to_string(summary).map_err(BenchError::Summary)?
        );
    } else {
        print!("{}", summary.render());
    }
    Ok(())
}

/// Exit 3 when no pass got past its connects, 1 past --max-errors failed passes.
fn judge_scenario(summary: &ScenarioSummary, max_errors: u64) -> Result<(), BenchError> {
    let main = summary.failures.first().map(|f| {
        format!(
            "{}:{}: {}",
            summary.scenario,
            f.line,
            f.message.lines().next().unwrap_or_default()
        )
    });
    let connect_failures: u64 = summary
        .steps
        .iter()
        .filter(|s| s.step.starts_with("connect"))
        .map(|s| s.errors)
        .sum();
    if summary.passed == 0 && summary.failed > 0 && connect_failures == summary.failed {
        return Err(BenchError::ScenarioConnect(
            main.unwrap_or_else(|| "no answer".to_owned()),
        ));
    }
    if summary.failed > max_errors {
        return Err(BenchError::FailedPasses {
            failed: summary.failed,
            max_errors,
            main: main.unwrap_or_else(|| "unknown".to_owned()),
        });
    }
    Ok(())
}

/// `sockai bench merge FILE…`.
fn run_merge(args: &MergeArgs) -> Result<(), BenchError> {
    let merged = merge_files(&args.files).map_err(BenchError::Merge)?;
    let text = match (&merged, args.json) {
        (Merged::RoundTrips(s), true) => serde_json::to_string(s).map(|t| t + "\n"),
        (Merged::Scenario(s), true) => serde_json::to_string(s).map(|t| t + "\n"),
        (Merged::RoundTrips(s), false) => Ok(s.render()),
        (Merged::Scenario(s), false) => Ok(s.render()),
    }
    .map_err(BenchError::Summary)?;
    print!("{text}");
    Ok(())
}
