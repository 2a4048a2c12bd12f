//! The scenario side of `sockai bench --scenario`: a scenario prepared once (read, parsed, its
//! variables checked, as `sockai run` does) and the virtual users that run it, pass after pass,
//! each on its own connections. The load's shape and its statistics are the bench's
//! (`crate::bench`); this module only runs steps and says how each went.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

use super::parse::{Scenario, Step, StepKind};
use super::run::{Failure, Run, Settings, StepDone};
use super::{RunError, RunRequest, check, parse, read, variables};

/// What `sockai bench --scenario` was given.
#[derive(Debug, Clone)]
pub struct LoadRequest {
    pub path: PathBuf,
    /// `--var name=value`, in order.
    pub vars: Vec<String>,
    pub vars_files: Vec<PathBuf>,
    /// `--secret NAME`: the value is `***` in failure messages.
    pub secrets: Vec<String>,
    /// The bench's URL argument, when given: `{{url}}` unless a `--var url=…` says otherwise.
    pub url: Option<String>,
    /// Bound of each waiting step without `within` (the bench's `--timeout`).
    pub step_timeout: Duration,
}

/// Why a scenario cannot be load-tested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrepareError {
    /// A missing file, a bad `--var` or vars file.
    Usage(String),
    /// `file:line:column: message` and the line with a caret, as `sockai run` prints it.
    Parse(String),
}

/// A scenario ready to be run by many users at once.
pub struct Prepared {
    /// The path as given, for reports.
    pub file: String,
    pub scenario: Scenario,
    settings: Settings,
    keeps_connection: bool,
}

/// Read, parse and check `request.path` (nothing is sent).
pub fn prepare(request: &LoadRequest) -> Result<Prepared, PrepareError> {
    let file = request.path.display().to_string();
    let run_request = RunRequest {
        paths: vec![request.path.clone()],
        vars: request.vars.clone(),
        vars_files: request.vars_files.clone(),
        secrets: request.secrets.clone(),
        jobs: 1,
        fail_fast: false,
        step_timeout: request.step_timeout,
        max_time: None,
        json: false,
        junit: None,
    };
    let mut values: HashMap<String, String> = match variables(&run_request) {
        Ok(values) => values,
        Err(RunError::Usage(message)) => return Err(PrepareError::Usage(message)),
        Err(other) => return Err(PrepareError::Usage(other.to_string())),
    };
    if let Some(url) = &request.url {
        values
            .entry("url".to_owned())
            .or_insert_with(|| url.clone());
    }
    let text = read(&request.path).map_err(|e| PrepareError::Usage(format!("{file}: {e}")))?;
    let scenario = parse::parse(&text).map_err(|e| PrepareError::Parse(format!("{file}:{e}")))?;
    let known: HashSet<String> = values.keys().cloned().collect();
    let env = |name: &str| std::env::var_os(name).is_some();
    check::check_variables(&scenario, &known, &env)
        .map_err(|e| PrepareError::Parse(format!("{file}:{e}")))?;
    let keeps_connection = connects_implicitly(&scenario);
    Ok(Prepared {
        file,
        scenario,
        settings: Settings {
            step_timeout: request.step_timeout,
            // The bench bounds the run itself (its window, then a grace for passes in
            // progress): a far deadline stands for none here.
            deadline: Instant::now() + Duration::from_secs(86_400 * 30),
            vars: values,
            secrets: request.secrets.iter().cloned().collect(),
            http: super::http::Clients::default(),
        },
        keeps_connection,
    })
}

/// A scenario without a `connect` line starts with the parser's implicit `connect` of
/// `default`, which shares its line with the first real step (a written `connect` has a line
/// of its own).
fn connects_implicitly(scenario: &Scenario) -> bool {
    match scenario.steps.as_slice() {
        [first, second, ..] => {
            matches!(first.kind, StepKind::Connect(_)) && first.line == second.line
        }
        _ => false,
    }
}

impl Prepared {
    pub fn steps(&self) -> &[Step] {
        &self.scenario.steps
    }

    /// The scenario has no `connect` line: a user connects once and its passes reuse the
    /// connection (as plain `sockai bench` does); otherwise each pass opens its own.
    pub fn keeps_connection(&self) -> bool {
        self.keeps_connection
    }
}

/// Whether a step waits for something (an event, an acknowledgement, a connection, an HTTP
/// answer), so that its latency is worth a histogram. Sends, captures, checks of what already
/// arrived and sleeps do not.
pub fn waits(step: &Step) -> bool {
    match &step.kind {
        StepKind::Connect(_)
        | StepKind::Expect { .. }
        | StepKind::ExpectNo { .. }
        | StepKind::ExpectDisconnect { .. }
        | StepKind::ReplyTo { .. }
        | StepKind::Http(_) => true,
        StepKind::ExpectAck { .. }
        | StepKind::ExpectHttp { .. }
        | StepKind::Capture { .. }
        | StepKind::Sleep(_) => false,
        _ => {
            let mut words = step.text.split_whitespace();
            match words.next() {
                Some("ack" | "wait" | "reconnect" | "connect" | "http") => true,
                Some("emit") => words.next() == Some("--ack"),
                _ => false,
            }
        }
    }
}

/// One step of a pass, done: `index` into [`Prepared::steps`].
pub struct StepOutcome<'a> {
    pub index: usize,
    pub elapsed: Duration,
    pub error: Option<&'a str>,
}

/// One virtual user: its clients and variables, kept between passes when the scenario
/// [keeps its connection](Prepared::keeps_connection).
pub struct User<'a> {
    prepared: &'a Prepared,
    run: Option<Run<'a>>,
}

impl<'a> User<'a> {
    pub fn new(prepared: &'a Prepared) -> Self {
        Self {
            prepared,
            run: None,
        }
    }

    /// One pass over the scenario, from its start (or, on a kept connection, from its first
    /// step after the implicit connect). After a failure the user's connections are closed,
    /// so that a late answer cannot pass for the next pass's.
    pub async fn pass(
        &mut self,
        on_step: &mut (dyn FnMut(StepOutcome<'_>) + Send),
    ) -> Result<(), Failure> {
        let prepared = self.prepared;
        let steps = prepared.steps();
        let (mut run, from) = match self.run.take() {
            Some(run) => (run, 1),
            None => (Run::new(&prepared.settings, &prepared.scenario), 0),
        };
        let mut index = from;
        let mut each = |done: StepDone<'_>| {
            on_step(StepOutcome {
                index,
                elapsed: done.elapsed,
                error: done.error,
            });
            index += 1;
        };
        let outcome = run.steps(&steps[from..], &mut each).await.map(|_| ());
        if outcome.is_ok() && prepared.keeps_connection {
            self.run = Some(run);
        } else {
            run.close().await;
        }
        outcome
    }

    /// Close what the user still has open.
    pub async fn leave(mut self) {
        if let Some(mut run) = self.run.take() {
            run.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_implicit_connect_is_told_from_a_written_one() {
        let implicit = parse::parse("emit a 1\nexpect b\n").unwrap();
        assert!(connects_implicitly(&implicit));
        let written = parse::parse("connect\nemit a 1\nexpect b\n").unwrap();
        assert!(!connects_implicitly(&written));
        let named = parse::parse("connect as x http://h\nx: emit a 1\n").unwrap();
        assert!(!connects_implicitly(&named));
        assert!(!connects_implicitly(&parse::parse("sleep 1s\n").unwrap()));
    }

    #[test]
    fn waiting_steps_are_the_ones_with_a_latency() {
        let scenario = parse::parse(
            "connect as a http://h\na: emit x 1\na: ack y 2\na: emit --ack z 3\n\
             a: expect ev\na: expect ack /ok == true\na: capture id = /id\nsleep 1ms\n\
             a: wait w\na: expect no q within 1ms\na: msg hi\n",
        )
        .unwrap();
        let waiting: Vec<bool> = scenario.steps.iter().map(waits).collect();
        assert_eq!(
            waiting,
            [
                true, false, true, true, true, false, false, false, true, true, false
            ]
        );
    }
}
