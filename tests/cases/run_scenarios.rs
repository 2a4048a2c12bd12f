//! `sockai run`: scenarios against the Node chat server (socket.io 4.8), python-socketio,
//! `sockai serve` and socket.io 2.x; variables, every kind of expect failing, parse errors,
//! --jobs, JUnit.

use crate::support::python::PythonServer;
use crate::support::scenario::{Scenarios, file_records, read_junit, record_of, run_scenarios};
use crate::support::{NodeServer, Server, refused_url};

const CHAT: &str = r#"# Two clients in one room: alice joins, bob joins, alice speaks, bob hears.
connect as alice {{url}}
connect as bob {{url}} --query who=bob

alice: ack join {"room": "{{room}}", "name": "{{env.SOCKAI_TEST_NAME}}"}
alice: expect ack /ok == true
bob: ack join {
  "room": "{{room}}",
  "name": "bob"
}
bob: expect ack /members == 2
alice: expect joined /name == "bob"
alice: ack say {"room": "{{room}}", "text": "{{greeting}}"}
alice: capture msg_id = /id
alice: capture n = /id matches "m-(\d+)"
bob: expect said within 2s
  /text == "{{greeting}}"
  /from == "alice"
  /id == "{{msg_id}}"
  /id matches "^m-{{n}}$"
  /room is string
  /secret !exists
bob: expect no said within 50ms
alice: expect no said within 10ms
bob: emit quiz
bob: reply question 4
bob: expect answered . == 4
bob: emit kick
bob: expect disconnect "server"
bob: reconnect
bob: ack join {"room": "{{room}}", "name": "bob again"}
bob: expect ack /members == 2
alice: expect joined /name == "bob again"
connect as eve {{url}}/private --auth {"token": "wrong"}
expect connect_error /message == "not authorized"
  /data/reason == "bad token"
connect as carol {{url}} --namespace /private --auth {"token": "{{token}}"} -H 'X-Who: carol'
carol: ack join {"room": "{{room}}"}
carol: expect ack /ok == true
"#;

#[test]
fn a_two_client_chat_passes_with_variables_from_flags_files_and_env() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    chat_passes(&server.url);
}

/// The same scenario, reconnect, connect_error data and auth included, on python-socketio.
#[test]
fn the_chat_passes_on_python_socketio_too() {
    let server = PythonServer::start("chat_server.py");
    chat_passes(&server.url);
}

fn chat_passes(server_url: &str) {
    let files = Scenarios::new();
    let chat = files.write("chat.sockai", CHAT);
    let vars = files.write(
        "staging.vars",
        "# the room\nroom=lobby\ngreeting=overridden\n",
    );
    let junit = files.path().join("out/junit.xml");
    std::fs::create_dir(files.path().join("out")).unwrap();
    let url = format!("url={server_url}");
    let (stdout, stderr, code) = run_scenarios(
        &[
            chat.to_str().unwrap(),
            "--var",
            &url,
            "--vars-file",
            vars.to_str().unwrap(),
            "--var",
            "greeting=hello \"bob\"",
            "--var",
            "token=s3cret",
            "--report-junit",
            junit.to_str().unwrap(),
        ],
        &[("SOCKAI_TEST_NAME", "alice")],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("ok      ") && stdout.contains("chat.sockai"),
        "{stdout}"
    );
    assert!(stdout.contains("1 files: 1 passed, 0 failed"), "{stdout}");
    let report = read_junit(&junit);
    assert_eq!(report["tests"], 1);
    assert_eq!(report["failures"], 0);
    assert!(
        report["cases"][0]["name"]
            .as_str()
            .unwrap()
            .ends_with("chat.sockai")
    );
    assert!(report["cases"][0]["failure"].is_null());
}

#[test]
fn the_same_style_runs_against_sockai_serve_and_socket_io_2() {
    let files = Scenarios::new();
    let scenario = files.write(
        "ai.sockai",
        "# REPL lines alone: the default client connects to {{url}}\n\
         ai Hello AI\n\
         wait ai-message-response\n\
         ack ai-reset\n\
         expect ack /cleared is number\n\
         emit ai-message {\"prompt\": \"{{word}}\"}\n\
         expect ai-message-response within 3s /response == \"echo: {{word}}\"\n",
    );
    let server = Server::start(&[]);
    let url = format!("url={}", server.url);
    let (stdout, stderr, code) = run_scenarios(
        &[
            scenario.to_str().unwrap(),
            "--var",
            &url,
            "--var",
            "word=two words",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");

    let v2 = NodeServer::start_script("sio-server-v2.cjs", &[]);
    let scenario = files.write(
        "v2.sockai",
        "connect {{url}} --eio 3\nemit echo {\"n\": 1} two\nexpect echo /0/n == 1\n  /1 == \"two\"\n\
         ack ack-me 5\nexpect ack /0/got/0 == 5\n",
    );
    let url = format!("url={}", v2.url);
    let (stdout, stderr, code) = run_scenarios(&[scenario.to_str().unwrap(), "--var", &url], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
}

/// Each file fails at its line with its own message.
const FAILING: &[(&str, &str, u64, &str)] = &[
    (
        "equals",
        "emit join {\"room\": \"e\"}\nack say {\"room\": \"e\"}\nexpect ack /ok == false\n",
        3,
        "expected /ok == false: /ok is true, expected false",
    ),
    (
        "contains",
        "ack say {\"room\": \"c\"}\nexpect ack /id contains zz\n",
        2,
        "does not contain \"zz\"",
    ),
    (
        "matches",
        "ack say {\"room\": \"m\"}\nexpect ack /id matches \"^x\"\n",
        2,
        "does not match \"^x\"",
    ),
    (
        "type",
        "ack join {\"room\": \"t\"}\nexpect ack /members is string\n",
        2,
        "/members is number (1), expected string",
    ),
    (
        "exists",
        "ack join {\"room\": \"x\"}\nexpect ack /nope exists\n",
        2,
        "/nope not found",
    ),
    (
        "absent",
        "ack join {\"room\": \"a\"}\nexpect ack /ok !exists\n",
        2,
        "/ok exists: true",
    ),
    (
        "timeout",
        "emit say {\"room\": \"nobody\"}\n\nexpect said within 200ms\n",
        3,
        "no `said` within 200ms",
    ),
    (
        "none",
        "emit quiz\nexpect no question within 2s\n",
        2,
        "`question` arrived: \"2+2?\"",
    ),
    (
        "event",
        "emit quiz\nexpect question . == \"3+3?\"\n",
        2,
        "expected . == \"3+3?\": the payload is \"2+2?\"",
    ),
    (
        "disconnect",
        "emit kick\nexpect disconnect \"transport\"\n",
        2,
        "expected one containing \"transport\"",
    ),
    (
        "connect_error",
        "connect {{url}}/private --auth {\"token\": \"wrong\"}\nexpect connect_error /data/reason == \"other\"\n",
        1,
        "/data/reason is \"bad token\", expected \"other\"",
    ),
    (
        "no_ack",
        "expect ack /a exists\n",
        1,
        "no acknowledgement yet",
    ),
    (
        "not_equals",
        "ack join {\"room\": \"n\"}\nexpect ack /ok != true\n",
        2,
        "expected /ok != true: /ok is true, expected anything else",
    ),
    (
        "own_line_check",
        "emit quiz\n\nexpect question\n  . is string\n  . == \"2+2\"\n",
        3,
        "expected . == \"2+2\": the payload is \"2+2?\", expected \"2+2\"",
    ),
    (
        "wait",
        "emit say {\"room\": \"w\"}\nwait said 200ms\n",
        2,
        "no `said` within 200ms",
    ),
    (
        "capture_missing",
        "ack join {\"room\": \"c\"}\ncapture x = /nope\n",
        2,
        "/nope not found in {",
    ),
    (
        "capture_regex",
        "ack say {\"room\": \"c\"}\ncapture x = /id matches \"^z(\\d)\"\n",
        2,
        "\", which does not match \"^z(",
    ),
    (
        "captured_value",
        "ack say {\"room\": \"q\"}\ncapture id = /id\nack say {\"room\": \"q\"}\nexpect ack /id == \"{{id}}\"\n",
        4,
        "expected /id == \"{{id}}\": /id is \"m-",
    ),
];

#[test]
fn every_kind_of_expect_fails_with_its_message_and_line() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    let files = Scenarios::new();
    for (name, text, _, _) in FAILING {
        files.write(&format!("{name}.sockai"), text);
    }
    let url = format!("url={}", server.url);
    let junit = files.path().join("junit.xml");
    let (stdout, stderr, code) = run_scenarios(
        &[
            files.path().to_str().unwrap(),
            "--var",
            &url,
            "--json",
            "--jobs",
            "4",
            "--report-junit",
            junit.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let records = file_records(&stdout);
    assert_eq!(records.len(), FAILING.len(), "{stdout}");
    for (name, _, line, message) in FAILING {
        let record = record_of(&records, &format!("/{name}.sockai"));
        assert_eq!(record["ok"], false, "{record}");
        assert_eq!(record["failure"]["line"], *line, "{name}: {record}");
        let got = record["failure"]["message"].as_str().unwrap();
        assert!(got.contains(message), "{name}: {got:?} lacks {message:?}");
    }
    // What arrived instead: the last events on the client.
    let timeout = record_of(&records, "/timeout.sockai");
    assert_eq!(timeout["failure"]["recent"][0], "connect /", "{timeout}");
    let report = read_junit(&junit);
    assert_eq!(report["tests"], FAILING.len());
    assert_eq!(report["failures"], FAILING.len());
    let cases = report["cases"].as_array().unwrap();
    let equals = cases
        .iter()
        .find(|c| c["name"].as_str().unwrap().ends_with("equals.sockai"))
        .unwrap();
    assert_eq!(equals["line"], "3");
    let message = equals["failure"]["message"].as_str().unwrap();
    assert!(
        message.ends_with("equals.sockai:3: expected /ok == false: /ok is true, expected false"),
        "{message}"
    );
    // Files are reported in name order (a directory runs in name order).
    let names: Vec<&str> = cases.iter().map(|c| c["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn the_human_report_shows_the_step_and_what_arrived_instead() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    let files = Scenarios::new();
    let file = files.write(
        "wrong.sockai",
        "connect as bob {{url}}\nbob: emit quiz\nbob: expect answered within 300ms\n",
    );
    let url = format!("url={}", server.url);
    let (stdout, _, code) = run_scenarios(&[file.to_str().unwrap(), "--var", &url], &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("FAILED  "), "{stdout}");
    assert!(
        stdout.contains("wrong.sockai:3: bob: expect answered within 300ms"),
        "{stdout}"
    );
    assert!(stdout.contains("no `answered` within 300ms"), "{stdout}");
    assert!(
        stdout.contains("last events on bob:\n      connect /\n      question \"2+2?\""),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\u{1b}'),
        "no colour off a terminal: {stdout}"
    );
}

#[test]
fn a_malformed_scenario_is_exit_2_with_line_column_and_caret() {
    let files = Scenarios::new();
    let bad = files.write("bad.sockai", "# a comment\nconnect\nemit x {\"a\": }\n");
    let (stdout, stderr, code) = run_scenarios(&[bad.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("bad.sockai:3:14: not valid JSON"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n  emit x {\"a\": }\n               ^"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "nothing runs: {stdout}");

    let undefined = files.write(
        "undefined.sockai",
        "connect\nemit x \"{{room}}\"\ncapture room = /a\n",
    );
    let (_, stderr, code) = run_scenarios(&[undefined.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("undefined.sockai:2:9: undefined variable {{room}}"),
        "{stderr}"
    );
    let env = files.write(
        "env.sockai",
        "connect\nemit x {{env.SOCKAI_SURELY_UNSET_VAR}}\n",
    );
    let (_, stderr, code) = run_scenarios(&[env.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("env.SOCKAI_SURELY_UNSET_VAR"), "{stderr}");
}

#[test]
fn jobs_run_files_at_once_each_on_its_own_connections() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    let files = Scenarios::new();
    // Each file's ack arrives only when the other file has asked too.
    files.write(
        "a.sockai",
        "ack meet {\"key\": \"k\"}\nexpect ack /met == \"k\"\n",
    );
    files.write(
        "b.sockai",
        "ack meet {\"key\": \"k\"}\nexpect ack /met == \"k\"\n",
    );
    let url = format!("url={}", server.url);
    let dir = files.path().to_str().unwrap();
    let (stdout, stderr, code) = run_scenarios(&[dir, "--var", &url, "--jobs", "2"], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("2 files: 2 passed"), "{stdout}");
    // One at a time, the first waits alone: it fails, and --fail-fast skips the second.
    let (stdout, _, code) = run_scenarios(
        &[
            dir,
            "--var",
            &url,
            "--timeout",
            "300ms",
            "--fail-fast",
            "--json",
        ],
        &[],
    );
    assert_eq!(code, 1, "{stdout}");
    let records = file_records(&stdout);
    assert!(
        record_of(&records, "/a.sockai")["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("within 300ms")
    );
    assert!(
        record_of(&records, "/b.sockai")["skipped"].is_string(),
        "{stdout}"
    );
}

#[test]
fn a_scenario_that_cannot_connect_is_exit_3() {
    let files = Scenarios::new();
    let file = files.write("down.sockai", "connect {{url}}\nemit x\n");
    let url = format!("url={}", refused_url());
    let (stdout, _, code) = run_scenarios(&[file.to_str().unwrap(), "--var", &url], &[]);
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.contains("connection refused"), "{stdout}");
    let (_, stderr, code) = run_scenarios(&["/nonexistent/sockai-dir"], &[]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn secrets_are_masked_in_every_report() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    let files = Scenarios::new();
    let file = files.write(
        "secret.sockai",
        "connect as a {{url}}\nconnect as b {{url}}\n\
         a: ack join {\"room\": \"s\"}\nb: ack join {\"room\": \"s\"}\n\
         a: emit say {\"room\": \"s\", \"text\": \"{{token}} {{env.SOCKAI_TEST_SECRET}}\"}\n\
         b: expect said /text == \"other\"\n",
    );
    let junit = files.path().join("junit.xml");
    let url = format!("url={}", server.url);
    let args = [
        file.to_str().unwrap(),
        "--var",
        &url,
        "--var",
        "token=hunter2",
        "--secret",
        "token",
        "--report-junit",
        junit.to_str().unwrap(),
    ];
    let env = [("SOCKAI_TEST_SECRET", "swordfish")];
    let (stdout, _, code) = run_scenarios(&args, &env);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("/text is \"*** ***\""), "{stdout}");
    let (json, _, _) = run_scenarios(&[&args[..], &["--json"]].concat(), &env);
    let xml = std::fs::read_to_string(&junit).unwrap();
    for text in [&stdout, &json, &xml] {
        assert!(
            !text.contains("hunter2") && !text.contains("swordfish"),
            "{text}"
        );
    }
}

#[test]
fn max_time_bounds_the_whole_run() {
    let files = Scenarios::new();
    files.write("a.sockai", "# no client needed\nsleep 30s\n");
    files.write("b.sockai", "sleep 1ms\n");
    let started = std::time::Instant::now();
    let (stdout, _, code) = run_scenarios(
        &[
            files.path().to_str().unwrap(),
            "--max-time",
            "200ms",
            "--json",
        ],
        &[],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let records = file_records(&stdout);
    let a = record_of(&records, "/a.sockai");
    assert_eq!(a["failure"]["line"], 2, "{a}");
    assert!(
        a["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-time")
    );
    assert!(
        record_of(&records, "/b.sockai")["skipped"]
            .as_str()
            .unwrap()
            .contains("--max-time")
    );
}
