//! `sockai connect --record FILE` (issue 17): a session typed line by line becomes a scenario;
//! `sockai run` of it passes against the same server (values that change every run checked
//! loosely), and fails with the line and the difference against a server whose answers changed.
//! Against the official Node socket.io 4.8 chat server of tests/node and `sockai serve`.

use crate::support::scenario::{Scenarios, run_scenarios};
use crate::support::{NodeServer, ScriptedClient, Server, connect_script, refused_url};

/// The 1-based line of the first line of `text` that starts with `start`.
fn line_of(text: &str, start: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?} in\n{text}"))
        + 1
}

#[test]
fn client_record_replays_then_fails_against_a_changed_server() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    let files = Scenarios::new();
    let path = files.path().join("session.sockai");
    let file = path.to_str().unwrap();

    // Typed one line at a time, as at the prompt.
    let mut session = ScriptedClient::start(&[&server.url, "--record", file]);
    session.wait_record("connect", None);
    session.send(r#"ack join {"room": "lobby", "name": "rec"}"#);
    session.wait_record("ack", Some("join"));
    session.send(r#"ack say {"room": "lobby", "text": "hi"}"#);
    session.wait_record("ack", Some("say"));
    session.send("emit quiz");
    let question = session.wait_record("received", Some("question"));
    let id = question["ack_id"].as_u64().unwrap();
    session.send(&format!("reply {id} 4"));
    session.wait_record("received", Some("answered"));
    session.send("frobnicate");
    session.wait_record("error", None);
    session.send("emit kick");
    session.wait_record("disconnect", None);
    session.send("quit");
    session.wait_record("recorded", None);
    // The failed line makes the exit status 1; the recording is written all the same.
    assert_eq!(session.finish().code(), Some(1));

    let text = std::fs::read_to_string(&path).unwrap();
    let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        body,
        [
            "connect {{url}}",
            r#"ack join {"room": "lobby", "name": "rec"}"#,
            r#"expect ack . == {"ok":true,"room":"lobby","members":1}"#,
            r#"ack say {"room": "lobby", "text": "hi"}"#,
            "expect ack /ok == true",
            "  /id is string",
            "emit quiz",
            r#"expect question . == "2+2?""#,
            // The ack id of this run is not written: the event it answers is.
            "reply question 4",
            "expect answered . == 4",
            "emit kick",
            r#"expect disconnect "io server disconnect""#,
        ],
        "{text}"
    );
    assert!(
        text.contains("# changes every run, so only its type is checked: /id (an id)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("--var url={}", server.url)),
        "{text}"
    );

    // Against the same server: it passes.
    let url = format!("url={}", server.url);
    let (stdout, stderr, code) = run_scenarios(&[file, "--var", &url], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");

    // Against a server that asks another question: the line, what was expected, what came.
    let changed = NodeServer::start_script("chat-server.mjs", &[("CHAT_QUESTION", "3+3?")]);
    let url = format!("url={}", changed.url);
    let (stdout, stderr, code) = run_scenarios(&[file, "--var", &url], &[]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let at = format!("session.sockai:{}:", line_of(&text, "expect question"));
    assert!(
        stdout.contains("FAILED") && stdout.contains(&at),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#"expected . == "2+2?": the payload is "3+3?", expected "2+2?""#),
        "{stdout}"
    );
}

#[test]
fn client_record_of_an_ai_answer_loosens_its_request_id() {
    let server = Server::start(&[]);
    let files = Scenarios::new();
    let path = files.path().join("ai.sockai");
    let file = path.to_str().unwrap();
    let (records, stderr, code) = connect_script(
        &[&server.url, "--record", file],
        "ai hello\nwait ai-message-response\n",
    );
    assert_eq!(code, 0, "{records:?}\n{stderr}");
    let text = std::fs::read_to_string(&path).unwrap();
    // The typed `wait` gives way to an `expect` that checks what arrived; the stream's deltas
    // are left out.
    assert!(!text.contains("wait ai-message-response"), "{text}");
    assert!(!text.contains("ai-message-chunk"), "{text}");
    assert!(
        text.contains("expect ai-message-response /response == \"echo: hello\"")
            && text.contains("\n  /id is string\n"),
        "{text}"
    );
    let url = format!("url={}", server.url);
    let (stdout, stderr, code) = run_scenarios(&[file, "--var", &url], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}\n{text}");
    // Without the URL, the run says which variable it needs.
    let (_, stderr, code) = run_scenarios(&[file], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("undefined variable {{url}}"), "{stderr}");
}

#[test]
fn client_record_into_a_missing_directory_is_a_usage_error() {
    let files = Scenarios::new();
    let path = files.path().join("no/such/dir/x.sockai");
    let (_, stderr, code) =
        connect_script(&[&refused_url(), "--record", path.to_str().unwrap()], "");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--record") && stderr.contains("no directory"),
        "{stderr}"
    );
}
