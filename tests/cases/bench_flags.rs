//! `sockai bench` takes the connection flags of `connect` and `emit`: each reaches the handshake.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::sync::mpsc;

use crate::support::bench::bench;
use crate::support::{NodeServer, Server, SilentListener, WAIT, sockai};

#[test]
fn bench_auth_reaches_the_connect_packet() {
    let server = Server::start(&["--rate-limit", "0", "--auth-token", "T"]);
    let short = [&server.url[..], "-c", "2", "-d", "300ms"];
    let mut with_auth = short.to_vec();
    with_auth.extend(["--auth", r#"{"token":"T"}"#]);
    let (code, summary, stderr) = bench(&with_auth);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["connections"]["established"], 2, "{summary:#}");
    let (code, _, stderr) = bench(&short);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("auth_required"), "{stderr}");
}

#[test]
fn bench_query_reaches_the_handshake() {
    // `/admin` of the Node peer lets in query.token == "s3cret" (the 2.x way to authenticate).
    let node = NodeServer::start();
    let admin = format!("{}/admin", node.url);
    let args = [
        &admin[..],
        "-c",
        "1",
        "-d",
        "300ms",
        "--event",
        "whoami",
        "--reply",
        "whoami",
    ];
    let mut with_query = args.to_vec();
    with_query.extend(["--query", "token=s3cret"]);
    let (code, summary, stderr) = bench(&with_query);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["namespace"], "/admin", "{summary:#}");
    assert!(summary["round_trips"].as_u64() > Some(0), "{summary:#}");
    let (code, _, stderr) = bench(&args);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("not authorized"), "{stderr}");
}

/// A listener that reads the first HTTP request head it gets, hands it over, and hangs up.
fn capture_request() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut head = String::new();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            head.push_str(&line);
            line.clear();
        }
        tx.send(head).ok();
    });
    (url, rx)
}

#[test]
fn bench_headers_query_and_eio_reach_the_http_request() {
    let (url, request) = capture_request();
    let (code, _, stderr) = bench(&[
        &url,
        "-c",
        "1",
        "-d",
        "100ms",
        "-H",
        "X-Bench: yes",
        "--query",
        "room=42",
        "--eio",
        "3",
    ]);
    assert_eq!(code, 3, "{stderr}");
    let head = request.recv_timeout(WAIT).expect("no request arrived");
    let request_line = head.lines().next().unwrap_or_default();
    assert!(
        request_line.starts_with("GET /socket.io/?room=42&EIO=3&transport=websocket"),
        "{head}"
    );
    assert!(
        head.lines().any(|l| l.eq_ignore_ascii_case("x-bench: yes")),
        "{head}"
    );
}

#[test]
fn bench_connect_timeout_bounds_the_connect_alone() {
    let listener = SilentListener::start();
    let (code, _, stderr) = bench(&[&listener.url, "-c", "1", "--connect-timeout", "300ms"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("no answer within 300ms"), "{stderr}");
}

#[test]
fn a_bad_eio_is_reported_as_a_bad_eio() {
    for args in [
        &["bench", "--eio", "5"][..],
        &["emit", "x", "--eio", "5"],
        &["connect", "--eio", "2"],
        &["bench", "--eio", "four"],
    ] {
        let out = sockai().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: invalid value") && stderr.contains("'--eio <3|4>'"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("URL"), "{args:?}: {stderr}");
    }
}

#[test]
fn bench_has_no_reconnect_flags() {
    for flag in ["--reconnect", "--no-reconnect"] {
        let out = sockai().args(["bench", flag]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&format!("unexpected argument '{flag}'")),
            "{flag}"
        );
    }
}
