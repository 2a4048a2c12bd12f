//! `sockai run` cases: scenario files in a temporary directory, the run's output, and the
//! JUnit report read by `junitparser` (a real consumer, not a string search).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::python::python;
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

/// The JUnit report as `junitparser` (PyPI; the reader of JUnit XML many CI tools use) reads
/// it: `{tests, failures, cases: [{name, line, failure, skipped}]}`, JSON from a script that
/// also checks the counts written agree with the test cases; panics if it does not read.
pub fn read_junit(path: &Path) -> Value {
    let script = r#"
import json, sys
from junitparser import JUnitXml, TestSuite, Failure, Skipped, Error
xml = JUnitXml.fromfile(sys.argv[1])
assert isinstance(xml, JUnitXml), "the root is <testsuites>"
suites = list(xml)
assert len(suites) == 1 and isinstance(suites[0], TestSuite), suites
suite = suites[0]
written = [(s.tests, s.failures, s.errors, s.skipped) for s in (xml, suite)]
suite.update_statistics()
xml.update_statistics()
counted = [(s.tests, s.failures, s.errors, s.skipped) for s in (xml, suite)]
assert written == counted, f"counts written {written} != counted {counted}"
cases = []
for case in suite:
    failures = [r for r in case.result if isinstance(r, Failure)]
    assert not any(isinstance(r, Error) for r in case.result)
    cases.append({
        "name": case.name,
        "classname": case.classname,
        "time": case.time,
        "line": case._elem.get("line"),
        "failure": {"message": failures[0].message, "text": failures[0].text} if failures else None,
        "skipped": any(isinstance(r, Skipped) for r in case.result),
    })
print(json.dumps({"tests": xml.tests, "failures": xml.failures, "suite_tests": suite.tests,
                  "cases": cases}))
"#;
    let output = Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .expect("junitparser reads the JUnit report");
    assert!(
        output.status.success(),
        "not valid JUnit XML: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(path).unwrap_or_default()
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Two clients in one room (join, broadcast to the room, acks, a server's ack request, a
/// kick), on any chat server of the tests: `tests/node/chat-server.mjs` (socket.io 4.x, or 2.x
/// with `SIO_V2=1`: `--var eio=3`) and `tests/python/chat_server.py` (python-socketio).
pub const TWO_CLIENT_CHAT: &str = r#"# Alice and bob join a room; alice speaks, bob hears.
connect as alice {{url}} --eio {{eio}}
connect as bob {{url}} --eio {{eio}} --query who=bob

alice: ack join {"room": "{{room}}", "name": "alice"}
alice: expect ack /ok == true
  /members == 1
bob: ack join {
  "room": "{{room}}",
  "name": "bob"
}
bob: expect ack /members == 2
alice: expect joined /name == "bob"
alice: ack say {"room": "{{room}}", "text": "hello \"bob\""}
alice: capture msg_id = /id
alice: capture n = /id matches "m-(\d+)"
bob: expect said within 2s
  /text == "hello \"bob\""
  /from == "alice"
  /id == "{{msg_id}}"
  /id matches "^m-{{n}}$"
  /secret !exists
bob: expect no said within 50ms
alice: expect no said within 10ms
bob: emit quiz
bob: reply question 4
bob: expect answered . == 4
bob: ack leave {"room": "{{room}}"}
bob: expect ack /ok == true
alice: ack say {"room": "{{room}}", "text": "anyone?"}
bob: expect no said within 100ms
bob: emit kick
bob: expect disconnect "server"
"#;
