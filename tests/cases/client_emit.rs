//! `sockai emit` against `sockai serve` and the official Node socket.io server.

use serde_json::{Value, json};

use crate::support::{
    NodeServer, Server, SilentListener, emit, emit_with_stdin, json_lines, refused_url, sockai,
};

fn lines(stdout: &str) -> Vec<Value> {
    json_lines(stdout.as_bytes())
}

/// Payload lines from `sockai serve`, with its random request `id` checked and set aside.
fn without_id(mut lines: Vec<Value>) -> Vec<Value> {
    for line in &mut lines {
        if let Some(id) = line.as_object_mut().and_then(|o| o.remove("id")) {
            assert!(id.is_string(), "{id}");
        }
    }
    lines
}

#[test]
fn client_emit_ai_message_to_sockai_serve_passes_assertions() {
    let server = Server::start(&[]);
    let (stdout, stderr, code) = emit(&[
        &server.url,
        "ai-message",
        r#"{"prompt":"hello CI"}"#,
        "--expect",
        "ai-message-response",
        "--assert-contains",
        "/response~hello CI",
        "--assert",
        r#"/response="echo: hello CI""#,
    ]);
    assert_eq!(code, 0, "{stderr}");
    // Payloads only on stdout, nothing on stderr when all is well.
    assert_eq!(
        without_id(lines(&stdout)),
        vec![json!({"response": "echo: hello CI", "finish_reason": "stop"})]
    );
    assert_eq!(stderr, "");
    assert_eq!(
        server.wait_for_log("received AI message")["prompt"],
        "hello CI"
    );
}

#[test]
fn client_emit_failed_assertion_exits_1_and_keeps_stdout_clean() {
    let server = Server::start(&[]);
    let (stdout, stderr, code) = emit(&[
        &server.url,
        "ai-message",
        r#"{"prompt":"hi"}"#,
        "--ack",
        "--assert-contains",
        "/response~goodbye",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        without_id(lines(&stdout)),
        vec![json!({"response": "echo: hi", "finish_reason": "stop"})]
    );
    assert_eq!(
        stderr.trim(),
        r#"sockai: error: assertion failed: /response is "echo: hi", which does not contain "goodbye""#
    );
    let (_, stderr, code) = emit(&[
        &server.url,
        "ai-message",
        r#"{"prompt":"hi"}"#,
        "--expect",
        "ai-message-response",
        "--assert",
        "/missing=1",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("/missing not found"), "{stderr}");
}

#[test]
fn client_emit_expectations_are_waited_for_in_order() {
    let node = NodeServer::start();
    let (stdout, stderr, code) = emit(&[
        &node.url, "order", "--expect", "first", "--expect", "second",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines(&stdout), vec![json!({"n": 1}), json!({"n": 2})]);

    // `second` comes after `first`: waiting for them the other way round cannot succeed.
    let (stdout, stderr, code) = emit(&[
        &node.url,
        "order",
        "--expect",
        "second",
        "--expect",
        "first",
        "--timeout",
        "1s",
    ]);
    assert_eq!(code, 1);
    assert_eq!(lines(&stdout), vec![json!({"n": 2})]);
    assert!(
        stderr.contains("timed out after 1s waiting for `first`"),
        "{stderr}"
    );
}

#[test]
fn client_emit_ack_prints_all_acknowledgement_arguments() {
    let node = NodeServer::start();
    let (stdout, stderr, code) = emit(&[&node.url, "ack-me", r#"{"a":1}"#, "2", "--ack"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        lines(&stdout),
        vec![json!([{"got": [{"a": 1}, 2]}, "second"])]
    );
}

#[test]
fn client_emit_times_out_with_exit_1_when_nothing_answers() {
    let node = NodeServer::start();
    let (stdout, stderr, code) = emit(&[&node.url, "never-answered", "--ack", "--timeout", "1s"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("timed out after 1s waiting for the acknowledgement of `never-answered`"),
        "{stderr}"
    );
    let (_, stderr, code) = emit(&[
        &node.url,
        "echo",
        "x",
        "--expect",
        "no-such-event",
        "--timeout",
        "1s",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("waiting for `no-such-event` (received instead: `echo`)"),
        "{stderr}"
    );
}

#[test]
fn client_emit_usage_errors_exit_2() {
    for args in [
        vec![],
        vec!["http://127.0.0.1:1"],
        vec!["x", "--assert", "/a=1"],
        vec!["x", "--expect", "y", "--assert", "no-pointer=1"],
        vec!["x", "--header", "no colon"],
        vec!["x", "--auth", "[1]"],
        vec!["x", "--count", "0"],
        vec!["x", "--json", "--quiet"],
        vec!["x", "@/nonexistent/sockai-file"],
    ] {
        let (stdout, stderr, code) = emit(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}");
        assert!(!stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn client_emit_refused_connection_exits_3_with_the_real_cause() {
    let url = refused_url();
    let (stdout, stderr, code) = emit(&[&url, "x"]);
    assert_eq!(code, 3);
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(&format!("sockai: error: cannot connect to {url}: ")));
    let port = url.rsplit(':').next().unwrap();
    assert!(
        stderr.contains(&format!(
            "connection refused: is a server running on port {port}?"
        )),
        "{stderr}"
    );
}

#[test]
fn client_emit_silent_listener_exits_3_after_the_connect_timeout() {
    let silent = SilentListener::start();
    let (_, stderr, code) = emit(&[&silent.url, "x", "--connect-timeout", "500ms"]);
    assert_eq!(code, 3);
    assert_eq!(
        stderr.trim(),
        format!(
            "sockai: error: cannot connect to {}: no answer within 500ms",
            silent.url
        )
    );
    // --timeout bounds the handshake too.
    let (_, _, code) = emit(&[&silent.url, "x", "--timeout", "500ms"]);
    assert_eq!(code, 3);
}

#[test]
fn client_emit_rejected_namespace_or_auth_exits_3_with_the_server_message() {
    let node = NodeServer::start();
    let (_, stderr, code) = emit(&[&format!("{}/admin", node.url), "whoami"]);
    assert_eq!(code, 3);
    assert!(
        stderr.contains(
            r#"namespace /admin rejected: not authorized (data: {"reason":"bad token"})"#
        ),
        "{stderr}"
    );
    let (_, stderr, code) = emit(&[&node.url, "--namespace", "/nope", "x"]);
    assert_eq!(code, 3);
    assert!(
        stderr.contains("namespace /nope rejected: Invalid namespace"),
        "{stderr}"
    );

    let server = Server::start(&[]);
    let (_, stderr, code) = emit(&[&format!("{}/nope", server.url), "x"]);
    assert_eq!(code, 3);
    assert!(stderr.contains("namespace /nope rejected"), "{stderr}");
}

#[test]
fn client_emit_sends_auth_headers_and_query() {
    let node = NodeServer::start();
    for transport in ["websocket", "polling"] {
        let (stdout, stderr, code) = emit(&[
            &node.url,
            "whoami",
            "--namespace",
            "admin",
            "--auth",
            r#"{"token":"s3cret"}"#,
            "-H",
            "X-Token: abc 123",
            "--query",
            "room=7",
            "--transport",
            transport,
            "--expect",
            "whoami",
        ]);
        assert_eq!(code, 0, "{transport}: {stderr}");
        let who = &lines(&stdout)[0];
        assert_eq!(who["namespace"], "/admin");
        assert_eq!(who["auth"], json!({"token": "s3cret"}));
        assert_eq!(who["headers"]["x-token"], "abc 123");
        assert_eq!(who["query"]["room"], "7");
        assert_eq!(who["query"]["transport"], transport);
    }
}

#[test]
fn client_emit_reads_arguments_from_files_and_stdin() {
    let node = NodeServer::start();
    let dir = std::env::temp_dir().join(format!("sockai-emit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("payload.json");
    std::fs::write(&file, r#"{"from": "file"}"#).unwrap();
    let (stdout, stderr, code) = emit_with_stdin(
        &[
            &node.url,
            "echo",
            &format!("@{}", file.display()),
            "-",
            "plain",
            "--expect",
            "echo",
        ],
        "[1, 2]\n",
    );
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        lines(&stdout),
        vec![json!([{"from": "file"}, [1, 2], "plain"])]
    );
}

#[test]
fn client_emit_count_reports_round_trip_statistics() {
    let node = NodeServer::start();
    let (stdout, stderr, code) = emit(&[&node.url, "echo", "1", "--ack", "--count", "3"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines(&stdout), vec![json!(1), json!(1), json!(1)]);
    let stats = stderr.trim();
    assert!(
        stats.starts_with("sockai: round trip over 3 emits: min ")
            && stats.contains(" ms, median ")
            && stats.ends_with(" ms"),
        "{stderr}"
    );

    let (stdout, stderr, code) = emit(&[
        &node.url,
        "echo",
        "1",
        "--expect",
        "echo",
        "--count",
        "2",
        "--interval",
        "10ms",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let records = lines(&stdout);
    let stats: Vec<_> = records.iter().filter(|r| r["type"] == "stats").collect();
    assert_eq!(stats.len(), 1, "{records:#?}");
    assert_eq!(stats[0]["count"], 2);
    let (min, median, max) = (
        stats[0]["min_ms"].as_f64().unwrap(),
        stats[0]["median_ms"].as_f64().unwrap(),
        stats[0]["max_ms"].as_f64().unwrap(),
    );
    assert!(min <= median && median <= max, "{stats:?}");
}

#[test]
fn client_emit_json_transcript_and_quiet() {
    let node = NodeServer::start();
    let (stdout, stderr, code) = emit(&[
        &node.url,
        "greet-me",
        "--expect",
        "MixedCase-Event",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let records = lines(&stdout);
    let kinds: Vec<_> = records
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["connect", "sent", "received"]);
    assert_eq!(records[0]["namespace"], "/");
    assert_eq!(records[1]["event"], "greet-me");
    // The name keeps its case and both arguments arrive.
    assert_eq!(records[2]["event"], "MixedCase-Event");
    assert_eq!(records[2]["args"], json!([{"hello": "world"}, 42]));
    assert!(
        records
            .iter()
            .all(|r| r["time"].as_str().is_some_and(|t| t.ends_with('Z')))
    );

    let (stdout, stderr, code) =
        emit(&[&node.url, "greet-me", "--expect", "MixedCase-Event", "-q"]);
    assert_eq!((stdout.as_str(), stderr.as_str(), code), ("", "", 0));
}

#[test]
fn client_emit_skips_chunks_unless_asked() {
    let node = NodeServer::start();
    let args = [
        node.url.as_str(),
        "ai-message",
        r#"{"prompt":"hi"}"#,
        "--expect",
        "ai-message-response",
    ];
    let (stdout, _, code) = emit(&args);
    assert_eq!(code, 0);
    assert_eq!(
        lines(&stdout),
        vec![json!({"id": "req-1", "response": "node: hi"})]
    );
    let mut with_chunks = args.to_vec();
    with_chunks.push("--print-chunks");
    let (stdout, _, code) = emit(&with_chunks);
    assert_eq!(code, 0);
    assert_eq!(
        lines(&stdout),
        vec![
            json!({"id": "req-1", "delta": "node: "}),
            json!({"id": "req-1", "delta": "hi"}),
            json!({"id": "req-1", "response": "node: hi"}),
        ]
    );
}

#[test]
fn client_emit_server_disconnect_while_waiting_exits_1() {
    let node = NodeServer::start();
    let (_, stderr, code) = emit(&[&node.url, "kick-me", "--expect", "never"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("disconnected (io server disconnect) while waiting for `never`"),
        "{stderr}"
    );
}

#[test]
fn client_emit_help_documents_exit_codes_and_url_rule() {
    let output = sockai().args(["emit", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    for needle in [
        "3  could not connect",
        "http://localhost:3000",
        "--assert-contains",
        "ws://",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}
