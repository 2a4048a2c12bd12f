//! `sockai serve` as a process: flags, start-up line, shutdown.

use std::net::TcpListener;

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

#[test]
fn rust_log_filters_the_logs() {
    let server = Server::start_with_env(&[], &[("RUST_LOG", "warn")]);
    let run = crate::support::node_client(serde_json::json!({
        "url": server.url,
        "options": { "transports": ["websocket"] },
        "steps": [
            { "emit": "ai-message", "args": [{ "prompt": "" }] },
            { "wait": "ai-message-error" },
        ],
    }));
    assert!(run.success, "{:#?}", run.records);
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
