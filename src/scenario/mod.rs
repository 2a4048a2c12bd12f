//! `sockai run`: scenarios, files of REPL commands and test steps (docs/scenarios.md), run
//! against Socket.IO servers as tests.
//!
//! [`parse`] reads a file into steps (pure), [`vars`] replaces `{{variables}}` and checks that
//! each is defined before anything is sent, [`matcher`] checks payloads, [`run`] runs a file's
//! steps on the client's [`Connection`](crate::client::connection::Connection)s, [`report`]
//! prints the results and writes JUnit XML. Nothing here uses the server or the command line.

pub mod check;
mod client;
mod http;
pub mod load;
pub mod matcher;
pub mod parse;
pub mod repl;
pub mod run;
mod step;
mod syntax;
pub mod vars;

#[cfg(test)]
mod tests;

mod error;
pub mod report;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::time::Instant;

pub use error::RunError;
use report::{FileResult, Outcome, Reporter};

/// The scenario files' extension: a directory runs its `*.sockai` files in name order.
pub const EXTENSION: &str = "sockai";
/// Largest scenario (or vars) file read.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// `sockai run`.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub paths: Vec<PathBuf>,
    /// `--var name=value`, in order.
    pub vars: Vec<String>,
    pub vars_files: Vec<PathBuf>,
    /// `--secret NAME`: shown as `***` in every report.
    pub secrets: Vec<String>,
    pub jobs: usize,
    pub fail_fast: bool,
    pub step_timeout: Duration,
    pub max_time: Option<Duration>,
    pub json: bool,
    pub junit: Option<PathBuf>,
}

/// The files to run: each file given, and each directory's `*.sockai` files in name order.
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, RunError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| RunError::Usage(format!("{}: {e}", path.display())))?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| RunError::Usage(format!("{}: {e}", path.display())))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == EXTENSION))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(RunError::Usage(format!(
                    "{}: no *.{EXTENSION} files",
                    path.display()
                )));
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn read(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "larger than {} MiB",
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
}

fn variables(request: &RunRequest) -> Result<HashMap<String, String>, RunError> {
    let mut values = HashMap::new();
    for path in &request.vars_files {
        let text = read(path).map_err(|e| RunError::Usage(format!("{}: {e}", path.display())))?;
        let pairs = vars::Vars::parse_file(&text)
            .map_err(|e| RunError::Usage(format!("{}: {e}", path.display())))?;
        values.extend(pairs);
    }
    for text in &request.vars {
        let (name, value) = vars::Vars::parse_assignment(text)
            .map_err(|e| RunError::Usage(format!("--var {text:?}: {e}")))?;
        values.insert(name, value);
    }
    Ok(values)
}

/// `sockai run`: parse every file (exit 2 on the first that does not), then run them.
pub fn run(request: RunRequest) -> Result<(), RunError> {
    let files = files(&request.paths)?;
    let values = variables(&request)?;
    let known: HashSet<String> = values.keys().cloned().collect();
    let env = |name: &str| std::env::var_os(name).is_some();
    let mut scenarios = Vec::new();
    let mut bad = 0;
    for path in &files {
        let shown = path.display().to_string();
        let parsed = read(path)
            .map_err(|e| format!("{shown}: {e}"))
            .and_then(|text| {
                let scenario = parse::parse(&text).map_err(|e| format!("{shown}:{e}"))?;
                check::check_variables(&scenario, &known, &env)
                    .map_err(|e| format!("{shown}:{e}"))?;
                Ok(scenario)
            });
        match parsed {
            Ok(scenario) => scenarios.push((shown, scenario)),
            Err(message) => {
                eprintln!("sockai: error: {message}");
                bad += 1;
            }
        }
    }
    if bad > 0 {
        return Err(RunError::Parse(bad));
    }
    let reporter = Reporter {
        json: request.json,
        color: !request.json && crate::color::stdout(),
    };
    let runtime = crate::runtime::build(0).map_err(RunError::Runtime)?;
    let started = Instant::now();
    let results = runtime.block_on(run_all(&request, scenarios, values, &reporter));
    runtime.shutdown_background();
    let elapsed = started.elapsed();
    reporter.summary(&results, elapsed);
    if let Some(path) = &request.junit {
        report::write_atomically(path, &report::junit(&results, elapsed)).map_err(|e| {
            RunError::Report {
                path: path.display().to_string(),
                reason: e.to_string(),
            }
        })?;
    }
    let (_, failed, skipped) = report::counts(&results);
    let connect = results
        .iter()
        .any(|r| matches!(&r.outcome, Outcome::Failed(f) if f.connect));
    if connect {
        Err(RunError::Connect)
    } else if failed + skipped > 0 {
        Err(RunError::Failed {
            failed: failed + skipped,
            total: results.len(),
        })
    } else {
        Ok(())
    }
}

async fn run_all(
    request: &RunRequest,
    scenarios: Vec<(String, parse::Scenario)>,
    vars: HashMap<String, String>,
    reporter: &Reporter,
) -> Vec<FileResult> {
    // A far deadline stands for "no --max-time".
    let deadline = Instant::now() + request.max_time.unwrap_or(Duration::from_secs(86_400 * 30));
    let settings = run::Settings {
        step_timeout: request.step_timeout,
        deadline,
        vars,
        secrets: request.secrets.iter().cloned().collect(),
        http: http::Clients::default(),
    };
    let stop = AtomicBool::new(false);
    let (settings, stop) = (&settings, &stop);
    let fail_fast = request.fail_fast;
    let mut results: Vec<(usize, FileResult)> =
        futures_util::stream::iter(scenarios.into_iter().enumerate())
            .map(|(index, (file, scenario))| async move {
                let started = Instant::now();
                let outcome = if stop.load(Ordering::SeqCst) {
                    Outcome::Skipped("--fail-fast: an earlier scenario failed".to_owned())
                } else if Instant::now() >= settings.deadline {
                    Outcome::Skipped("the run's --max-time ran out".to_owned())
                } else {
                    let mut on_step = |done: run::StepDone<'_>| reporter.step(&file, &done);
                    match run::run_file(&scenario, settings, &mut on_step).await {
                        Ok(steps) => Outcome::Passed { steps },
                        Err(failure) => {
                            if fail_fast {
                                stop.store(true, Ordering::SeqCst);
                            }
                            Outcome::Failed(failure)
                        }
                    }
                };
                let result = FileResult {
                    file,
                    elapsed: started.elapsed(),
                    outcome,
                };
                reporter.file(&result);
                (index, result)
            })
            .buffer_unordered(request.jobs.max(1))
            .collect()
            .await;
    // In the order given, whatever order they finished in.
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}
