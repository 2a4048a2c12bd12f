//! `sockai bench` against `sockai serve` and the official Node socket.io server, small numbers.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

// `sockai serve` runs with `--rate-limit 0` here: a load generator exceeds any sane per-socket
// limit by design.
use crate::support::bench::bench;
use crate::support::{Server, WAIT, node_dir, require_node_modules, sockai};

/// `tests/node/bench-server.mjs` on a free port, killed when dropped.
struct NodeServer {
    child: Child,
    url: String,
}

impl NodeServer {
    fn start() -> Self {
        require_node_modules();
        let mut child = Command::new("node")
            .current_dir(node_dir())
            .arg("bench-server.mjs")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn node bench-server.mjs");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).ok();
            tx.send(line).ok();
        });
        let line = rx
            .recv_timeout(WAIT)
            .expect("node bench server printed no address");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self { child, url }
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Every connection up, round trips measured, nothing failed.
fn assert_clean_run(summary: &Value, clients: u64) {
    let c = &summary["connections"];
    assert_eq!(c["established"], clients, "{summary:#}");
    assert_eq!(c["failed"], 0, "{summary:#}");
    assert_eq!(c["dropped"], 0, "{summary:#}");
    assert_eq!(summary["errors"], 0, "{summary:#}");
    assert!(summary["round_trips"].as_u64().unwrap() > 0, "{summary:#}");
    assert!(
        summary["round_trips_per_sec"].as_f64().unwrap() > 0.0,
        "{summary:#}"
    );
    let latency = &summary["latency_ms"];
    let p50 = latency["p50"].as_f64().unwrap();
    let p99 = latency["p99"].as_f64().unwrap();
    let max = latency["max"].as_f64().unwrap();
    assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{summary:#}");
}

#[test]
fn round_trips_against_sockai_serve() {
    let server = Server::start(&["--rate-limit", "0"]);
    let (code, summary, stderr) = bench(&[&server.url, "--clients", "3", "--duration", "1s"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["mode"], "reply");
    assert_eq!(summary["namespace"], "/");
    assert_clean_run(&summary, 3);
    assert_eq!(summary["connections"]["held"], 3);
    assert!(
        stderr.is_empty(),
        "no progress line off a terminal: {stderr:?}"
    );
}

#[test]
fn acks_against_sockai_serve() {
    let server = Server::start(&["--rate-limit", "0"]);
    let (code, summary, stderr) = bench(&[&server.url, "-c", "2", "-d", "1s", "--ack"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["mode"], "ack");
    assert_clean_run(&summary, 2);
}

#[test]
fn round_trips_and_acks_against_node_socket_io() {
    let node = NodeServer::start();
    let (code, summary, stderr) =
        bench(&[&node.url, "-c", "3", "-d", "1s", "--payload-bytes", "200"]);
    assert_eq!(code, 0, "{stderr}");
    assert_clean_run(&summary, 3);
    let (code, summary, stderr) = bench(&[&node.url, "-c", "3", "-d", "500ms", "--ack"]);
    assert_eq!(code, 0, "{stderr}");
    assert_clean_run(&summary, 3);
}

#[test]
fn polling_and_upgraded_sessions_against_node_and_sockai_serve() {
    let node = NodeServer::start();
    let server = Server::start(&["--rate-limit", "0"]);
    for url in [&node.url, &server.url] {
        for transport in ["polling", "upgrade"] {
            let (code, summary, stderr) =
                bench(&[url, "-c", "3", "-d", "500ms", "--transport", transport]);
            assert_eq!(code, 0, "{transport} against {url}: {stderr}");
            assert_clean_run(&summary, 3);
        }
    }
    // Every session really started on polling (a WebSocket one is logged as such).
    let connected = server.wait_for_log("A user connected");
    assert_eq!(connected["transport"], "Polling", "{connected}");
    assert!(
        !server.all_logs().contains(r#""transport":"Websocket""#),
        "{}",
        server.all_logs()
    );
}

#[test]
fn hold_counts_connections_that_stay_up() {
    let server = Server::start(&["--rate-limit", "0"]);
    let node = NodeServer::start();
    for url in [&server.url, &node.url] {
        let (code, summary, stderr) = bench(&[url, "--hold", "-c", "40", "-d", "300ms"]);
        assert_eq!(code, 0, "{url}: {stderr}");
        assert_eq!(summary["mode"], "hold");
        let c = &summary["connections"];
        assert_eq!(
            (&c["established"], &c["held"]),
            (&40.into(), &40.into()),
            "{summary:#}"
        );
        assert_eq!(summary["round_trips"], 0);
        assert!(
            summary["connect_rate"].as_f64().unwrap() > 0.0,
            "{summary:#}"
        );
    }
}

#[test]
fn human_summary_names_every_figure() {
    let server = Server::start(&["--rate-limit", "0"]);
    let out = sockai()
        .args(["bench", &server.url, "-c", "1", "-d", "200ms"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for needle in [
        "established 1",
        "failed 0",
        "dropped 0",
        "round trips",
        "/s",
        "p50",
        "p90",
        "p99",
        "max",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

#[test]
fn nothing_listening_exits_3_with_one_line() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // dropped: nothing listens there now
    let url = format!("http://127.0.0.1:{port}");
    let (code, summary, stderr) = bench(&[&url, "-c", "2", "-d", "1s"]);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(summary["connections"]["failed"], 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("sockai: error: could not connect to {url}: "))
            && stderr.contains("refused"),
        "{stderr}"
    );
}

#[test]
fn a_listener_that_never_answers_times_out() {
    // Accepts (the kernel completes the handshake from the backlog) but never speaks.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (code, _, stderr) = bench(&[&url, "-c", "1", "--timeout", "300ms"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("no answer within 300ms"), "{stderr}");
}

#[test]
fn refused_namespace_exits_3_with_the_reason() {
    let server = Server::start(&["--rate-limit", "0"]);
    let (code, _, stderr) = bench(&[&format!("{}/nope", server.url), "-c", "1"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("namespace /nope rejected: Invalid namespace"),
        "{stderr}"
    );
}

#[test]
fn unanswered_events_time_out_and_exit_1_beyond_max_errors() {
    let server = Server::start(&["--rate-limit", "0"]);
    let args = [
        &server.url[..],
        "-c",
        "2",
        "-d",
        "500ms",
        "--event",
        "nobody-answers",
        "--timeout",
        "200ms",
    ];
    let (code, summary, stderr) = bench(&args);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(summary["errors"], 2, "{summary:#}");
    assert_eq!(summary["round_trips"], 0);
    assert!(stderr.contains("no answer within 200ms"), "{stderr}");
    let mut tolerant = args.to_vec();
    tolerant.extend(["--max-errors", "2"]);
    assert_eq!(bench(&tolerant).0, 0);
}

#[test]
fn out_of_range_flags_are_usage_errors() {
    for args in [
        &["--clients", "0"][..],
        &["--clients", "20001"],
        &["--duration", "2h"],
        &["--timeout", "0s"],
        &["--hold", "--ack"],
        &["ftp://example.com"],
    ] {
        let out = sockai().arg("bench").args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
