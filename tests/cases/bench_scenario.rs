//! `sockai bench --scenario`, `--start-at` and `sockai bench merge`, against `sockai serve` and
//! the official Node socket.io chat server (tests/node/chat-server.mjs); small numbers, short
//! windows.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::support::bench::{bench, histogram};
use crate::support::scenario::Scenarios;
use crate::support::{NodeServer, Server, refused_url, sockai};

const ONE_ROUND_TRIP: &str = "\
# one round trip on the user's connection
emit ai-message {\"prompt\": \"ping\"}
expect ai-message-response
";

fn serve() -> Server {
    Server::start(&["--rate-limit", "0", "--no-stream"])
}

fn u(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a count: {value}"))
}

/// The step of `summary` written on `line` (the implicit connect shares the first line: the
/// last step of a line is taken).
fn step(summary: &Value, line: u64) -> &Value {
    summary["steps"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|s| s["line"] == line)
        .unwrap_or_else(|| panic!("no step on line {line}: {summary:#}"))
}

#[test]
fn users_pass_again_and_again_on_their_connection_against_sockai_serve() {
    let server = serve();
    let files = Scenarios::new();
    let path = files.write("one.sockai", ONE_ROUND_TRIP);
    let (code, summary, stderr) = bench(&[
        &server.url,
        "--scenario",
        path.to_str().unwrap(),
        "-c",
        "3",
        "-d",
        "1s",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["kind"], "scenario");
    assert_eq!(
        summary["load"],
        serde_json::json!({"users": {"clients": 3}})
    );
    assert_eq!(summary["users"]["started"], 3);
    assert_eq!(summary["failed"], 0, "{summary:#}");
    let passes = u(&summary["passes"]);
    assert!(passes > 10, "{summary:#}");
    // Connected once per user (no `connect` line), then every pass is one emit and one expect.
    let steps = summary["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3, "{summary:#}");
    assert_eq!(steps[0]["step"], "connect");
    assert_eq!(steps[0]["count"], 3);
    assert_eq!(u(&steps[1]["count"]), passes);
    assert!(
        steps[1].get("histogram").is_none(),
        "an emit waits for nothing"
    );
    let expect = step(&summary, 3);
    assert_eq!(u(&expect["count"]), passes);
    assert_eq!(expect["errors"], 0);
    let recorded = histogram(&expect["histogram"]);
    assert_eq!(recorded.len(), passes);
    let p99 = expect["latency_ms"]["p99"].as_f64().unwrap();
    assert_eq!(p99, recorded.value_at_quantile(0.99) as f64 / 1000.0);
    assert_eq!(histogram(&summary["scenario_histogram"]).len(), passes);
    assert_eq!(u(&summary["runs"]), 1);
    // The same run, for people.
    let out = sockai()
        .args(["bench", &server.url, "--scenario", path.to_str().unwrap()])
        .args(["-c", "1", "-d", "300ms"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("expect ai-message-response"), "{text}");
    assert!(text.contains("passed"), "{text}");
}

#[test]
fn two_clients_per_pass_against_the_node_chat_server() {
    let node = NodeServer::start_script("chat-server.mjs", &[]);
    let files = Scenarios::new();
    let path = files.write(
        "chat.sockai",
        "connect as alice {{url}}\n\
         connect as bob {{url}}\n\
         alice: ack join {\"room\": \"{{room}}\", \"name\": \"alice\"}\n\
         alice: expect ack /ok == true\n\
         bob: ack join {\"room\": \"{{room}}\", \"name\": \"bob\"}\n\
         alice: ack say {\"room\": \"{{room}}\", \"text\": \"hello\"}\n\
         bob: expect said /text == \"hello\"\n",
    );
    let (code, summary, stderr) = bench(&[
        &node.url,
        "--scenario",
        path.to_str().unwrap(),
        "--var",
        "room=bench",
        "-c",
        "2",
        "-d",
        "1s",
    ]);
    assert_eq!(code, 0, "{stderr}\n{summary:#}");
    let passes = u(&summary["passes"]);
    assert!(passes >= 2, "{summary:#}");
    // `connect` lines open new connections on every pass.
    for line in 1..=7 {
        let s = step(&summary, line);
        assert_eq!(u(&s["count"]), passes, "line {line}: {summary:#}");
        assert_eq!(s["errors"], 0, "line {line}");
        let waits = [1, 2, 3, 5, 6, 7].contains(&line);
        assert_eq!(s.get("histogram").is_some(), waits, "line {line}: {s:#}");
        if waits {
            assert_eq!(histogram(&s["histogram"]).len(), passes, "line {line}");
        }
    }
}

#[test]
fn a_failing_expect_is_grouped_by_step_and_message() {
    let server = serve();
    let files = Scenarios::new();
    let path = files.write(
        "late.sockai",
        "emit ai-message {\"prompt\": \"ping\"}\nexpect never-sent within 100ms\n",
    );
    let (code, summary, stderr) = bench(&[
        &server.url,
        "--scenario",
        path.to_str().unwrap(),
        "-c",
        "2",
        "-d",
        "500ms",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("failed passes, more than --max-errors 0; most frequent: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("late.sockai:2: no `never-sent` within 100ms"),
        "{stderr}"
    );
    let failed = u(&summary["failed"]);
    assert!(failed >= 2, "{summary:#}");
    assert_eq!(summary["passed"], 0);
    let failures = summary["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{summary:#}");
    assert_eq!(failures[0]["line"], 2);
    assert_eq!(failures[0]["step"], "expect never-sent within 100ms");
    assert_eq!(u(&failures[0]["count"]), failed);
    let expect = step(&summary, 2);
    assert_eq!(u(&expect["errors"]), failed);
    // A --secret's value is *** in the failures.
    let secret = files.write(
        "secret.sockai",
        "emit ai-message {\"prompt\": \"{{token}}\"}\nexpect ai-message-response /response == \"no\"\n",
    );
    let (code, summary, stderr) = bench(&[
        &server.url,
        "--scenario",
        secret.to_str().unwrap(),
        "--var",
        "token=hunter2",
        "--secret",
        "token",
        "-c",
        "1",
        "-d",
        "200ms",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let shown = format!("{summary}{stderr}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        summary["failures"][0]["message"]
            .as_str()
            .unwrap()
            .contains("***"),
        "{summary:#}"
    );
    // Tolerated with --max-errors.
    let (code, _, stderr) = bench(&[
        &server.url,
        "--scenario",
        path.to_str().unwrap(),
        "-c",
        "1",
        "-d",
        "200ms",
        "--max-errors",
        "1000",
    ]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn arrivals_run_the_scenario_once_each() {
    let server = serve();
    let files = Scenarios::new();
    let path = files.write("one.sockai", ONE_ROUND_TRIP);
    let path = path.to_str().unwrap();
    let (code, summary, stderr) = bench(&[
        &server.url,
        "--scenario",
        path,
        "--arrival-rate",
        "20",
        "-d",
        "1s",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["users"]["started"], 20, "{summary:#}");
    assert_eq!(summary["passes"], 20);
    assert_eq!(summary["passed"], 20);
    assert_eq!(step(&summary, 2)["count"], 20);
    // Ramped from 0 to 20/s over the second: half as many.
    let (code, summary, stderr) = bench(&[
        &server.url,
        "--scenario",
        path,
        "--arrival-rate",
        "0",
        "--ramp-to",
        "20",
        "-d",
        "1s",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["users"]["started"], 10, "{summary:#}");
    assert_eq!(summary["passes"], 10);
    assert_eq!(
        summary["load"],
        serde_json::json!({"arrivals": {"arrival_rate": 0.0, "ramp_to": 20.0, "ramp_secs": 1.0}})
    );
}

#[test]
fn no_server_is_exit_3_and_a_bad_scenario_exit_2_with_its_place() {
    let files = Scenarios::new();
    let path = files.write("one.sockai", ONE_ROUND_TRIP);
    let refused = refused_url();
    let (code, summary, stderr) = bench(&[
        &refused,
        "--scenario",
        path.to_str().unwrap(),
        "-c",
        "1",
        "-d",
        "300ms",
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("could not connect: "), "{stderr}");
    assert_eq!(summary["passed"], 0);
    let bad = files.write("bad.sockai", "emit a 1\nexpect b within soon\n");
    let out = sockai()
        .args(["bench", "--scenario", bad.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    let shown = bad.display().to_string();
    assert!(
        stderr.starts_with(&format!("sockai: error: {shown}:2:")),
        "{stderr}"
    );
    assert!(
        stderr.lines().last().unwrap().trim_end().ends_with('^'),
        "{stderr}"
    );
    let undefined = files.write("vars.sockai", "connect {{where}}\n");
    let out = sockai()
        .args(["bench", "--scenario", undefined.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(":1:9: undefined variable {{where}}"),
        "{stderr}"
    );
    // Plain bench's round-trip flags mean nothing to a scenario.
    let out = sockai()
        .args(["bench", "--scenario", bad.to_str().unwrap(), "--ack"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[test]
fn start_at_waits_refuses_far_times_and_starts_now_when_past() {
    let server = serve();
    let at = unix_now() + 1.0;
    let (code, summary, stderr) = bench(&[
        &server.url,
        "-c",
        "1",
        "-d",
        "200ms",
        "--start-at",
        &format!("{at:.3}"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("sockai: waiting until "), "{stderr}");
    let started = humantime::parse_rfc3339(summary["started_at"].as_str().unwrap()).unwrap();
    let started = started.duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
    assert!(started >= at, "started {started}, asked {at}");
    let (code, _, stderr) = bench(&[&server.url, "-c", "1", "-d", "100ms", "--start-at", "1000"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("has passed; starting now"), "{stderr}");
    let far = format!("{}", unix_now() as u64 + 7200);
    let out = sockai()
        .args(["bench", &server.url, "--start-at", &far])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is more than 1h away"), "{stderr}");
    let out = sockai()
        .args(["bench", &server.url, "--start-at", "tomorrow"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `sockai bench merge FILES --json`.
fn merge(files: &[&std::path::Path]) -> Value {
    let out = sockai()
        .args(["bench", "merge", "--json"])
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn merged_runs_add_up_to_the_histogram_of_all_their_samples() {
    let server = serve();
    let files = Scenarios::new();
    let runs: Vec<(Value, std::path::PathBuf)> = (0..2)
        .map(|i| {
            let (code, summary, stderr) = bench(&[&server.url, "-c", "2", "-d", "500ms"]);
            assert_eq!(code, 0, "{stderr}");
            let path = files.write(&format!("run-{i}.json"), &summary.to_string());
            (summary, path)
        })
        .collect();
    let merged = merge(&[&runs[0].1, &runs[1].1]);
    let (a, b) = (&runs[0].0, &runs[1].0);
    assert_eq!(merged["runs"], 2);
    assert_eq!(
        u(&merged["round_trips"]),
        u(&a["round_trips"]) + u(&b["round_trips"])
    );
    let mut union = histogram(&a["histogram"]);
    union.add(histogram(&b["histogram"])).unwrap();
    let all = histogram(&merged["histogram"]);
    assert_eq!(all, union);
    assert_eq!(all.len(), u(&merged["round_trips"]));
    let p99 = merged["latency_ms"]["p99"].as_f64().unwrap();
    assert_eq!(p99, all.value_at_quantile(0.99) as f64 / 1000.0);
    assert_eq!(merged["started_at"], a["started_at"]);
    assert_eq!(merged["ended_at"], b["ended_at"]);

    // Scenario runs merge step by step.
    let scenario = files.write("one.sockai", ONE_ROUND_TRIP);
    let scenario_runs: Vec<(Value, std::path::PathBuf)> = (0..2)
        .map(|i| {
            let (code, summary, stderr) = bench(&[
                &server.url,
                "--scenario",
                scenario.to_str().unwrap(),
                "-c",
                "1",
                "-d",
                "300ms",
            ]);
            assert_eq!(code, 0, "{stderr}");
            let path = files.write(&format!("scenario-{i}.json"), &summary.to_string());
            (summary, path)
        })
        .collect();
    let merged = merge(&[&scenario_runs[0].1, &scenario_runs[1].1]);
    let (a, b) = (&scenario_runs[0].0, &scenario_runs[1].0);
    assert_eq!(u(&merged["passes"]), u(&a["passes"]) + u(&b["passes"]));
    assert_eq!(merged["load"]["users"]["clients"], 2);
    let expect = step(&merged, 3);
    let mut union = histogram(&step(a, 3)["histogram"]);
    union.add(histogram(&step(b, 3)["histogram"])).unwrap();
    assert_eq!(histogram(&expect["histogram"]), union);
    assert_eq!(u(&expect["count"]), u(&merged["passes"]));

    // A plain run and a scenario run do not add up.
    let out = sockai()
        .args(["bench", "merge"])
        .args([&runs[0].1, &scenario_runs[0].1])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("a scenario summary, but"), "{stderr}");
}

#[test]
fn merge_points_at_what_is_not_a_summary() {
    let files = Scenarios::new();
    let broken = files.write("broken.json", "{\"kind\": \"round-trips\", \"url\": 5}\n");
    let out = sockai()
        .args(["bench", "merge"])
        .arg(&broken)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let shown = broken.display().to_string();
    assert!(
        stderr.starts_with(&format!("sockai: error: {shown}:1:")),
        "{stderr}"
    );
    assert!(stderr.trim_end().ends_with('^'), "{stderr}");
    let out = sockai()
        .args(["bench", "merge", "/nonexistent/run.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_live_line_on_a_terminal() {
    use expectrl::{Expect, Session};
    let server = serve();
    let files = Scenarios::new();
    let path = files.write("one.sockai", ONE_ROUND_TRIP);
    let mut command = std::process::Command::new(crate::support::sockai_path());
    command
        .args(["bench", &server.url, "--scenario"])
        .arg(&path)
        .args(["-c", "2", "-d", "1500ms"])
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let mut session = Session::spawn(command).expect("spawn sockai bench on a pty");
    session.set_expect_timeout(Some(crate::support::WAIT));
    session.expect("users 2  passes/s ").unwrap();
    session.expect("failed 0").unwrap();
    session.expect("passed").unwrap();
}
