//! The flags of `sockai run`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::parse_duration;

pub(super) const RUN_AFTER_HELP: &str = "\
Examples:
  sockai run chat.sockai --var url=http://localhost:3000
  sockai run tests/scenarios/ --jobs 4 --report-junit junit.xml
  sockai run login.sockai --vars-file staging.vars --var user=alice --fail-fast
  sockai run smoke.sockai --json          # JSON lines: one per step and per file

A scenario is a text file of steps, one a line (docs/scenarios.md): every `sockai connect`
command, plus connect [as NAME] [URL] [flags], expect, capture, sleep and http (one REST
request: http POST URL -H 'Name: value' {\"json\": 1}, then expect http 200, capture NAME =
http /token); `alice: …` addresses a line to the client alice. {{name}} is a variable (--var,
--vars-file, a capture, or {{env.NAME}} for the environment).

  connect as alice {{url}}
  alice: ack join {\"room\": \"lobby\"}
  alice: expect ack /ok == true
  alice: emit say \"hello\"
  alice: expect said within 2s /text == \"hello\"

Exit status:
  0  every scenario passed
  1  a scenario failed (an expect, a timeout, a lost connection)
  2  usage error, or a scenario does not parse (file:line:column and a caret on stderr)
  3  a scenario could not connect (Socket.IO, or an http step's server)";

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files, or directories whose *.sockai files run in name order
    #[arg(value_name = "FILE|DIR", required = true, num_args = 1..)]
    pub paths: Vec<PathBuf>,

    /// A variable, name=value (repeatable; wins over --vars-file)
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// A file of name=value lines (# comments; repeatable)
    #[arg(long = "vars-file", value_name = "FILE")]
    pub vars_files: Vec<PathBuf>,

    /// Show this variable's value as *** in every report (repeatable; values from
    /// {{env.NAME}} are always masked)
    #[arg(long = "secret", value_name = "NAME")]
    pub secrets: Vec<String>,

    /// Run this many files at once, each on its own connections
    #[arg(long, short = 'j', value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,

    /// Stop starting files after the first failure (the rest are reported skipped)
    #[arg(long)]
    pub fail_fast: bool,

    /// How long a step (connect, expect, ack, wait, reply) may take unless it says `within`
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Bound on the whole run; steps still waiting then fail, files not started are skipped
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_time: Option<Duration>,

    /// Print JSON lines (one per step, one per file, a summary) instead of the report
    #[arg(long)]
    pub json: bool,

    /// Also write a JUnit XML report here (one testcase per file), atomically
    #[arg(long, value_name = "PATH")]
    pub report_junit: Option<PathBuf>,
}
