//! `sockai serve` as a process: flags, start-up line, shutdown.

use std::net::TcpListener;

use serde_json::Value;

use crate::support::{Server, sockai};

#[test]
fn help_shows_examples_and_env_vars() {
    let out = sockai().args(["serve", "--help"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for needle in [
        "Examples:",
        "SOCKAI_PORT",
        "SOCKAI_HOST",
        "--echo-server",
        "--max-prompt-bytes",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from serve --help:\n{text}"
        );
    }
}

#[test]
fn prints_the_port_it_actually_bound() {
    let server = Server::start(&[]);
    let port: u16 = server.addr.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);
    assert!(
        server.addr.starts_with("127.0.0.1:"),
        "binds loopback by default: {}",
        server.addr
    );
    let started = server.wait_for_log("sockai AI server started");
    assert_eq!(started["provider"], "echo");
}

#[test]
fn port_comes_from_the_environment() {
    // Take a free port, release it, and hand it over through SOCKAI_PORT.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server::spawn(&[], &[("SOCKAI_PORT", &port.to_string())]);
    assert_eq!(server.addr, format!("127.0.0.1:{port}"));
    // A flag wins over the environment.
    let flagged = Server::start_with_env(&[], &[("SOCKAI_PORT", &port.to_string())]);
    assert_ne!(flagged.addr, server.addr);
}

#[test]
fn a_port_in_use_is_one_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = sockai().args(["serve", "--port", &port]).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.starts_with("sockai: error: cannot listen on 127.0.0.1:"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn a_port_in_use_names_its_cause_once() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (_, stderr, code) = crate::support::run_sockai(&["serve", "--port", &port], "");
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "sockai: error: cannot listen on 127.0.0.1:{port}: "
        )),
        "{stderr}"
    );
    // The cause, as the OS words it, is quoted once (it was printed twice).
    assert_eq!(stderr.matches("(os error").count(), 1, "{stderr}");
    #[cfg(target_os = "linux")]
    assert_eq!(
        stderr.trim_end(),
        format!(
            "sockai: error: cannot listen on 127.0.0.1:{port}: \
             Address already in use (os error 98)"
        )
    );
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut server = Server::start(&[]);
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
    server.wait_for_log("server stopped");
}

#[test]
fn bad_flags_are_usage_errors() {
    sockai().args(["serve", "--port", "http"]).assert().code(2);
    sockai()
        .args(["serve", "--ping-interval", "soon"])
        .assert()
        .code(2);
}

/// A server with `RUST_LOG` set to `filter`, after the official client ran `steps` on it.
fn logged_with(filter: &str, steps: serde_json::Value) -> Server {
    let server = Server::start_with_env(&[], &[("RUST_LOG", filter)]);
    let run = crate::support::node_client(serde_json::json!({
        "url": server.url,
        "options": { "transports": ["websocket"] },
        "steps": steps,
    }));
    assert!(run.success, "{:#?}", run.records);
    server
}

#[test]
fn rust_log_filters_the_logs() {
    let server = logged_with(
        "warn",
        serde_json::json!([
            { "emit": "ai-message", "args": [{ "prompt": "" }] },
            { "wait": "ai-message-error" },
        ]),
    );
    // The warning is written after the connection's info line would have been.
    server
        .logs
        .wait_for("the warning", |l| l.contains("rejected AI message"));
    assert_eq!(
        server.count_logs("A user connected"),
        0,
        "{}",
        server.all_logs()
    );
}

/// The answer's two lines are written past tracing's dispatch, but `RUST_LOG` still filters
/// them by their module, as every other line.
#[test]
fn rust_log_filters_the_answer_lines_by_module() {
    let ask = serde_json::json!([
        { "emit": "ai-message", "args": [{ "prompt": "filtered?" }] },
        { "wait": "ai-message-response" },
        { "emit": "message", "args": ["after"] },
    ]);
    let server = logged_with("warn,sockai::server::assistant=info", ask.clone());
    let response = server.wait_for_log("AI response");
    assert_eq!(response["response"], "echo: filtered?");
    let logs = server.all_logs();
    assert!(!logs.contains("A user connected"), "{logs}");

    let server = logged_with("warn,sockai::server::dispatch=info", ask);
    // Logged after the answer's lines would have been.
    server.logs.wait_for("the message line", |l| {
        l.contains("message received from client")
    });
    let logs = server.all_logs();
    assert!(logs.contains("A user connected"), "{logs}");
    assert!(
        !logs.contains("AI message") && !logs.contains("AI response"),
        "{logs}"
    );
}

/// The start warning, or None once the server has logged that it started.
fn start_warning(server: &Server) -> Option<String> {
    server
        .logs
        .wait_for("the start line", |l| l.contains("server started"));
    server
        .logs
        .snapshot()
        .into_iter()
        .find(|l| l.contains("no --auth-token"))
}

#[test]
fn serving_beyond_loopback_without_a_token_warns_once() {
    let exposed = Server::start(&["--host", "0.0.0.0"]);
    let warning = start_warning(&exposed).expect("no warning");
    let warning: Value = serde_json::from_str(&warning).unwrap();
    assert_eq!(warning["level"], "WARN", "{warning}");
    let message = warning["message"].as_str().unwrap();
    let port = exposed.addr.rsplit(':').next().unwrap();
    for needle in [
        format!("anyone who can reach this machine on port {port}"),
        "echo provider".to_owned(),
        "--auth-token".to_owned(),
        "SOCKAI_AUTH_TOKEN".to_owned(),
    ] {
        assert!(
            message.contains(&needle),
            "{needle:?} missing from {message}"
        );
    }
    assert_eq!(exposed.logs.count(|l| l.contains("no --auth-token")), 1);

    for quiet in [
        Server::start(&["--host", "127.0.0.1"]),
        Server::start_with_env(&["--host", "0.0.0.0"], &[("SOCKAI_AUTH_TOKEN", "s3cret")]),
        // Nothing to spend and no token to take: the protocol test server does not warn.
        Server::start(&["--host", "0.0.0.0", "--echo-server"]),
    ] {
        assert_eq!(start_warning(&quiet), None, "{}", quiet.all_logs());
    }
}

#[test]
fn cors_origin_refuses_wildcards_and_what_is_no_origin() {
    for (flag, reason) in [
        ("*", "wildcard"),
        ("https://*.example.com", "wildcard"),
        ("null", "file://"),
        (
            "localhost:5173",
            "expected an origin like http://localhost:5173",
        ),
        ("http://localhost:5173/app", "no path"),
    ] {
        let out = sockai()
            .args(["serve", "--port", "0", "--cors-origin", flag])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!("error: invalid value '{flag}' for '--cors-origin"))
                && first.contains(reason),
            "{flag}: {stderr}"
        );
    }
}

/// Text logs, as users read them on a terminal: a prompt that holds a newline and an escape
/// sequence stays on its one line, escaped, and nothing it carries reaches the terminal raw.
#[tokio::test]
async fn text_logs_escape_what_a_peer_sends() {
    let server = Server::start(&["--log-format", "text", "--no-stream"]);
    let mut ws = crate::support::ws::raw_socketio(&server).await;
    crate::support::ws::send(
        &mut ws,
        r#"42["ai-message",{"prompt":"one\n2026-01-01T00:00:00Z ERROR forged\u001b[31m"}]"#,
    )
    .await;
    let answer = crate::support::ws::next_packet(&mut ws).await;
    assert!(
        answer
            .as_deref()
            .is_some_and(|a| a.starts_with(r#"42["ai-message-response""#)),
        "{answer:?}"
    );
    let line = server
        .logs
        .wait_for("the prompt's line", |l| l.contains("received AI message"));
    // The prompt field comes before the request id: a space follows it.
    assert!(
        line.contains(r"prompt=one\n2026-01-01T00:00:00Z ERROR forged\u{1b}[31m "),
        "{line}"
    );
    server
        .logs
        .wait_for("the answer's line", |l| l.contains("AI response"));
    let logs = server.all_logs();
    assert!(!logs.contains('\u{1b}'), "{logs}");
    assert!(
        !logs.lines().any(|l| l.starts_with("2026-01-01")),
        "a forged line: {logs}"
    );
}
