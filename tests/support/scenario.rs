//! `sockai run` cases: scenario files in a temporary directory, the run's output, and the
//! JUnit report read by Python's XML parser (a real consumer, not a string search).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{json_lines, sockai};

/// A temporary directory of scenario files.
pub struct Scenarios {
    pub dir: tempfile::TempDir,
}

impl Scenarios {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Write `name` (e.g. `chat.sockai`) and return its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// `sockai run ARGS` with extra environment variables: stdout, stderr, exit code.
pub fn run_scenarios(args: &[&str], env: &[(&str, &str)]) -> (String, String, i32) {
    let output = sockai()
        .arg("run")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run sockai");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().expect("exit code"),
    )
}

/// `sockai run --json ARGS`: the `file` records by file name (the last path component).
pub fn file_records(stdout: &str) -> Vec<Value> {
    json_lines(stdout.as_bytes())
        .into_iter()
        .filter(|r| r["type"] == "file")
        .collect()
}

/// The record of the file whose name ends with `name`.
pub fn record_of<'a>(records: &'a [Value], name: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["file"].as_str().is_some_and(|f| f.ends_with(name)))
        .unwrap_or_else(|| panic!("no record of {name} in {records:?}"))
}

/// The JUnit report as Python's `xml.etree` reads it: `{tests, failures, cases: [{name, line,
/// failure}]}`, JSON from a one-line script; panics if it is not well-formed XML.
pub fn read_junit(path: &Path) -> Value {
    let script = r#"
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert len(suites) == 1
cases = []
for case in suites[0].findall("testcase"):
    failure = case.find("failure")
    cases.append({
        "name": case.get("name"),
        "time": float(case.get("time")),
        "line": case.get("line"),
        "failure": None if failure is None else {"message": failure.get("message"), "text": failure.text},
        "skipped": case.find("skipped") is not None,
    })
print(json.dumps({"tests": int(root.get("tests")), "failures": int(root.get("failures")),
                  "suite_tests": int(suites[0].get("tests")), "cases": cases}))
"#;
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .expect("python3 reads the JUnit report");
    assert!(
        output.status.success(),
        "not valid JUnit XML: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(path).unwrap_or_default()
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
