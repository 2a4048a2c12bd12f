//! Servers that send garbage get a clear one-line error from the client, never a panic: not
//! Socket.IO at all, a broken handshake, bad packets, absurd attachment counts, huge frames.

use tokio_tungstenite::tungstenite::Message;

use crate::support::emit;
use crate::support::garbage::{ScriptedWs, http_responder};

const OPEN: &str =
    r#"0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

/// `sockai emit ARGS`, whose stderr must be one line and no panic: that line and the exit code.
fn emit_one_line(args: &[&str]) -> (String, i32) {
    let (_, stderr, code) = emit(args);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    (stderr, code)
}

#[test]
fn client_hostile_a_plain_http_server_is_named_with_its_answer_and_path() {
    let url = http_responder("404 Not Found", "text/html", "<h1>nope</h1>");
    for transport in ["websocket", "polling"] {
        let (stderr, code) = emit_one_line(&[&url, "x", "--transport", transport]);
        assert_eq!(code, 3, "{stderr}");
        assert!(
            stderr.contains(&format!(
                "{url}/socket.io/ is not a Socket.IO server: it answered 404 Not Found (text/html); is --path right?"
            )),
            "{transport}: {stderr}"
        );
    }
    // The default (WebSocket, then polling) says the same.
    let (stderr, code) = emit_one_line(&[&url, "x"]);
    assert_eq!(code, 3);
    assert!(stderr.contains("404 Not Found (text/html)"), "{stderr}");

    let url = http_responder("200 OK", "text/plain", "hello");
    let (stderr, code) = emit_one_line(&[&url, "x", "--transport", "polling"]);
    assert_eq!(code, 3);
    assert!(
        stderr.contains("is not a Socket.IO server") && stderr.contains("hello"),
        "{stderr}"
    );
}

#[test]
fn client_hostile_broken_handshakes_are_refused() {
    for (frames, expected) in [
        (vec![Message::text("0{not json")], "bad Engine.IO handshake"),
        (vec![Message::text("hello")], "not an Engine.IO open packet"),
        (vec![Message::binary(vec![0u8, 1, 2])], "binary"),
    ] {
        let server = ScriptedWs::start(frames);
        let (stderr, code) = emit_one_line(&[&server.url, "x", "--transport", "websocket"]);
        assert_eq!(code, 3, "{stderr}");
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
}

#[test]
fn client_hostile_bad_packets_after_the_handshake_end_the_session_clearly() {
    let joined = || vec![Message::text(OPEN), Message::text(r#"40{"sid":"x"}"#)];
    for (garbage, expected) in [
        // A Socket.IO packet type that does not exist.
        (vec![Message::text("49")], "unknown Socket.IO packet type"),
        // An Engine.IO packet type that does not exist.
        (vec![Message::text("9")], "unknown Engine.IO packet type"),
        // More attachments than anyone sends.
        (
            vec![Message::text(
                r#"4599999-["bin",{"_placeholder":true,"num":0}]"#,
            )],
            "attachments",
        ),
        // Broken JSON.
        (vec![Message::text(r#"42["echo",{"#)], "bad JSON"),
        // An attachment nobody announced.
        (
            vec![Message::binary(vec![1u8, 2, 3])],
            "binary attachment without",
        ),
        // A frame over the 16 MiB bound.
        (
            vec![Message::text(format!(
                "42[\"big\",\"{}\"]",
                "x".repeat(17 * 1024 * 1024)
            ))],
            "more than 16 MiB",
        ),
        // Attachments each under the bound, together over it.
        (
            vec![
                Message::text(
                    r#"452-["bin",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
                ),
                Message::binary(vec![0u8; 9 * 1024 * 1024]),
                Message::binary(vec![0u8; 9 * 1024 * 1024]),
            ],
            "binary attachments of one packet over 16 MiB",
        ),
    ] {
        let server = ScriptedWs::start_after_event(joined(), garbage);
        let (stderr, code) = emit_one_line(&[
            &server.url,
            "x",
            "--transport",
            "websocket",
            "--expect",
            "never",
            "--timeout",
            "5s",
        ]);
        assert_eq!(code, 1, "{expected}: {stderr}");
        assert!(
            stderr.contains("disconnected (") && stderr.contains(expected),
            "{expected}: {stderr}"
        );
    }
}

/// A v4 server that stops pinging is noticed after pingInterval + pingTimeout.
#[test]
fn client_hostile_a_server_that_never_pings_times_out() {
    let open =
        r#"0{"sid":"s1","upgrades":[],"pingInterval":200,"pingTimeout":100,"maxPayload":1000000}"#;
    let server = ScriptedWs::start(vec![Message::text(open), Message::text(r#"40{"sid":"x"}"#)]);
    let started = std::time::Instant::now();
    let (stderr, code) = emit_one_line(&[
        &server.url,
        "x",
        "--transport",
        "websocket",
        "--expect",
        "never",
        "--timeout",
        "10s",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("disconnected (ping timeout)"), "{stderr}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "noticed late"
    );
}
