//! The client against the official Node servers, socket.io 4.8 (Engine.IO 4, Socket.IO 5) and
//! socket.io 2.5 (Engine.IO 3, Socket.IO 4), over every transport each has: what the user sees
//! must not depend on which one they debug.

use serde_json::{Value, json};

use crate::support::{NodeServer, ScriptedClient, connect_script, of_type, received, run_sockai};

/// (script, label) of every Node peer.
const PEERS: [(&str, &str); 2] = [
    ("sio-server.mjs", "socket.io 4.8"),
    ("sio-server-v2.cjs", "socket.io 2.5"),
];
const TRANSPORTS: [&str; 3] = ["websocket", "polling", "upgrade"];

/// `sockai emit ARGS --json`: the records, stderr, exit code.
fn emit_json(args: &[&str]) -> (Vec<Value>, String, i32) {
    run_sockai(&[&["emit"], args, &["--json"]].concat(), "")
}

fn args_of(records: &[Value], event: &str) -> Vec<Value> {
    received(records, event)
        .iter()
        .map(|r| r["args"].clone())
        .collect()
}

#[test]
fn interop_multi_argument_and_binary_events_both_ways() {
    let sent = json!([1, {"a": {"$binary": "AQID"}, "b": [{"$binary": "BAU="}, "text"]}, "x"]);
    let sent_args: Vec<String> = sent
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    for (script, peer) in PEERS {
        let node = NodeServer::start_script(script, &[]);
        for transport in TRANSPORTS {
            let what = format!("{peer} over {transport}");
            // Sent as attachments, nested, and echoed back in place.
            let mut args = vec![node.url.as_str(), "echo"];
            args.extend(sent_args.iter().map(String::as_str));
            args.extend(["--expect", "echo", "--transport", transport]);
            let (records, stderr, code) = emit_json(&args);
            assert_eq!(code, 0, "{what}: {stderr}");
            assert_eq!(args_of(&records, "echo"), vec![sent.clone()], "{what}");

            // The server got real binary (a Buffer), not an object that looks like one.
            let (records, stderr, code) = emit_json(&[
                &node.url,
                "describe",
                r#"{"file": {"$binary": "AQID"}}"#,
                "--expect",
                "described",
                "--transport",
                transport,
            ]);
            assert_eq!(code, 0, "{what}: {stderr}");
            assert_eq!(
                args_of(&records, "described"),
                vec![json!([{"file": {"buffer": [1, 2, 3]}}])],
                "{what}"
            );

            // Three attachments from the server, two nested, beside JSON.
            let (records, stderr, code) = emit_json(&[
                &node.url,
                "bin-back",
                "--expect",
                "bin",
                "--transport",
                transport,
            ]);
            assert_eq!(code, 0, "{what}: {stderr}");
            assert_eq!(
                args_of(&records, "bin"),
                vec![json!([
                    {"$binary": "AQID"},
                    {"name": "file.bin", "nested": {"data": {"$binary": "BAU="}}, "list": [{"$binary": "Bg=="}]}
                ])],
                "{what}"
            );
        }
    }
}

#[test]
fn interop_events_named_error_open_close_are_just_events() {
    for (script, peer) in PEERS {
        let node = NodeServer::start_script(script, &[]);
        // 2.x servers keep `error` to themselves: they cannot send it.
        let names: &[&str] = if script.contains("v2") {
            &["open", "close", "ping", "message"]
        } else {
            &["error", "open", "close", "ping", "message"]
        };
        for transport in TRANSPORTS {
            let mut args = vec![node.url.as_str(), "say-reserved", "--transport", transport];
            for name in names {
                args.extend(["--expect", name]);
            }
            let (records, stderr, code) = emit_json(&args);
            assert_eq!(code, 0, "{peer} over {transport}: {stderr}");
            for name in names {
                assert_eq!(
                    args_of(&records, name),
                    vec![json!([format!("an event named {name}")])],
                    "{peer} over {transport}"
                );
            }
            assert_eq!(of_type(&records, "connect").len(), 1, "{records:#?}");
            assert!(of_type(&records, "error").is_empty(), "{records:#?}");
            assert!(of_type(&records, "disconnect").is_empty(), "{records:#?}");
        }
    }
}

#[test]
fn interop_a_hundred_acks_in_flight_each_get_their_own_answer() {
    let lines: String = (0..100).map(|n| format!("ack echo {n}\n")).collect();
    for (script, peer) in PEERS {
        let node = NodeServer::start_script(script, &[]);
        for transport in TRANSPORTS {
            let (records, stderr, code) = script_run(&node, transport, &lines);
            assert_eq!(code, 0, "{peer} over {transport}: {stderr}");
            let mut answers: Vec<i64> = of_type(&records, "ack")
                .iter()
                .map(|r| {
                    assert_eq!(r["event"], "echo");
                    r["args"][0].as_i64().expect("one number per answer")
                })
                .collect();
            answers.sort_unstable();
            assert_eq!(
                answers,
                (0..100).collect::<Vec<_>>(),
                "{peer} over {transport}"
            );
        }
    }
}

fn script_run(node: &NodeServer, transport: &str, lines: &str) -> (Vec<Value>, String, i32) {
    connect_script(&[&node.url, "--transport", transport], lines)
}

#[test]
fn interop_namespace_auth_and_connect_error_with_data() {
    for transport in TRANSPORTS {
        let node = NodeServer::start_script("sio-server.mjs", &[]);
        let admin = format!("{}/admin", node.url);
        let (records, stderr, code) = emit_json(&[
            &admin,
            "whoami",
            "--auth",
            r#"{"token":"s3cret"}"#,
            "--expect",
            "whoami",
            "--transport",
            transport,
        ]);
        assert_eq!(code, 0, "{transport}: {stderr}");
        assert_eq!(args_of(&records, "whoami")[0][0]["namespace"], "/admin");
        let (_, stderr, code) = emit_json(&[&admin, "whoami", "--transport", transport]);
        assert_eq!(code, 3);
        assert!(
            stderr.contains(
                r#"namespace /admin rejected: not authorized (data: {"reason":"bad token"})"#
            ),
            "{transport}: {stderr}"
        );
    }
    // 2.x: no auth payload; a query names the token, the refusal is its data alone.
    let node = NodeServer::start_script("sio-server-v2.cjs", &[]);
    for transport in TRANSPORTS {
        let (records, stderr, code) = emit_json(&[
            &format!("{}/admin?token=s3cret", node.url),
            "whoami",
            "--expect",
            "whoami",
            "--transport",
            transport,
        ]);
        assert_eq!(code, 0, "{transport}: {stderr}");
        assert_eq!(args_of(&records, "whoami")[0][0]["namespace"], "/admin");
        let (_, stderr, code) = emit_json(&[
            &format!("{}/admin", node.url),
            "x",
            "--transport",
            transport,
        ]);
        assert_eq!(code, 3);
        assert!(
            stderr.contains(r#"namespace /admin rejected"#)
                && stderr.contains(r#""reason":"bad token""#),
            "{transport}: {stderr}"
        );
        let (_, stderr, code) = emit_json(&[
            &format!("{}/nowhere", node.url),
            "x",
            "--transport",
            transport,
        ]);
        assert_eq!(code, 3);
        assert!(
            stderr.contains("namespace /nowhere rejected: Invalid namespace"),
            "{transport}: {stderr}"
        );
    }
}

#[test]
fn interop_server_disconnect_is_reported_and_not_retried() {
    for (script, peer) in PEERS {
        let node = NodeServer::start_script(script, &[]);
        for transport in TRANSPORTS {
            let (records, stderr, code) = self::connect_script(
                &[&node.url, "--transport", transport],
                "emit kick-me\nwait disconnect\nwait connect 1500ms\n",
            );
            // The last wait fails: nothing reconnects after the server's goodbye.
            assert_eq!(code, 1, "{peer} over {transport}: {stderr}");
            assert_eq!(
                of_type(&records, "disconnect")[0]["reason"],
                "io server disconnect",
                "{peer} over {transport}"
            );
            assert_eq!(of_type(&records, "connect").len(), 1, "{records:#?}");
        }
    }
}

/// Short intervals on the server: a session must outlive many of them, on every transport.
/// (A 2.x server drops a client that does not ping it; rust_socketio never did.)
#[test]
fn interop_a_session_outlives_many_ping_intervals() {
    let env = [("SIO_PING_INTERVAL", "200"), ("SIO_PING_TIMEOUT", "150")];
    for (script, peer) in PEERS {
        let node = NodeServer::start_script(script, &env);
        for transport in TRANSPORTS {
            // 1.2 s: six ping intervals, three times interval + timeout.
            let (records, stderr, code) = self::connect_script(
                &[&node.url, "--transport", transport],
                "wait nothing 1200ms\nemit echo still-here\nwait echo\n",
            );
            assert_eq!(code, 1, "only the first wait fails: {stderr}");
            assert_eq!(
                args_of(&records, "echo"),
                vec![json!(["still-here"])],
                "{peer} over {transport}: {records:#?}"
            );
            assert_eq!(of_type(&records, "connect").len(), 1, "{records:#?}");
            assert!(
                of_type(&records, "disconnect").is_empty(),
                "{peer} over {transport}: {records:#?}"
            );
        }
    }
}

#[test]
fn interop_reconnects_after_a_server_restart() {
    for (script, peer) in PEERS {
        let port = free_port();
        let env = [("SIO_PORT", port.as_str())];
        let node = NodeServer::start_script(script, &env);
        let mut session = ScriptedClient::start(&[&node.url]);
        session.wait_record("connect", None);
        drop(node);
        let gone = session.wait_record("disconnect", None);
        assert!(
            gone["reason"].as_str().unwrap().ends_with("; reconnecting"),
            "{peer}: {gone}"
        );
        // The JS client's first delay: 1 s ± 50 %.
        let first = session.wait_record("reconnecting", None);
        assert_eq!(first["attempt"], 1, "{peer}: {first}");
        let delay = first["delay_ms"].as_f64().unwrap();
        assert!((500.0..=1500.0).contains(&delay), "{peer}: {first}");
        let _again = NodeServer::start_script(script, &env);
        session.send("wait connect 14s");
        session.send("emit echo back");
        let echo = session.wait_record("received", Some("echo"));
        assert_eq!(echo["args"], json!(["back"]), "{peer}");
        assert!(session.finish().success(), "{peer}");
    }
}

fn free_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port().to_string()
}

/// socketioxide, an independent server implementation, over every transport.
#[test]
fn interop_socketioxide_events_binary_acks_namespaces_and_disconnect() {
    let url = crate::support::sioxide::start();
    let sent = json!([1, {"a": {"$binary": "AQID"}}, [{"$binary": "BAU="}], "x"]);
    let sent_args: Vec<String> = sent
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    let acks: String = (0..100).map(|n| format!("ack echo {n}\n")).collect();
    for transport in TRANSPORTS {
        let mut args = vec![url.as_str(), "echo"];
        args.extend(sent_args.iter().map(String::as_str));
        args.extend(["--expect", "echo", "--transport", transport]);
        let (records, stderr, code) = emit_json(&args);
        assert_eq!(code, 0, "{transport}: {stderr}");
        assert_eq!(args_of(&records, "echo"), vec![sent.clone()], "{transport}");

        let (records, stderr, code) = connect_script(&[&url, "--transport", transport], &acks);
        assert_eq!(
            code,
            0,
            "{transport}: {stderr} {:?}",
            of_type(&records, "error")
        );
        let mut answers: Vec<i64> = of_type(&records, "ack")
            .iter()
            .map(|r| r["args"][0].as_i64().unwrap())
            .collect();
        answers.sort_unstable();
        assert_eq!(answers, (0..100).collect::<Vec<_>>(), "{transport}");

        let admin = format!("{url}/admin");
        let (_, stderr, code) = emit_json(&[&admin, "x", "--transport", transport]);
        assert_eq!(code, 3);
        assert!(
            stderr.contains("namespace /admin rejected: not authorized"),
            "{transport}: {stderr}"
        );
        let (records, stderr, code) = emit_json(&[
            &admin,
            "echo",
            "in",
            "--auth",
            r#"{"token":"s3cret"}"#,
            "--expect",
            "echo",
            "--transport",
            transport,
        ]);
        assert_eq!(code, 0, "{transport}: {stderr}");
        assert_eq!(args_of(&records, "echo"), vec![json!(["in"])]);

        let (records, _, code) = connect_script(
            &[&url, "--transport", transport],
            "emit kick-me\nwait disconnect\n",
        );
        assert_eq!(code, 0, "{transport}");
        assert_eq!(
            of_type(&records, "disconnect")[0]["reason"],
            "io server disconnect",
            "{transport}"
        );
    }
}

/// A server's ack request answered with `--ack-reply`, binary included, on every peer and transport.
#[test]
fn interop_server_acks_are_answered() {
    for (script, peer) in PEERS {
        let node = NodeServer::start_script(script, &[]);
        for transport in TRANSPORTS {
            let (records, stderr, code) = emit_json(&[
                &node.url,
                "question",
                "--ack-reply",
                "4",
                "--ack-reply",
                r#"{"bin": {"$binary": "AQID"}}"#,
                "--expect",
                "answered",
                "--transport",
                transport,
            ]);
            assert_eq!(code, 0, "{peer} over {transport}: {stderr}");
            let asked = &received(&records, "question")[0];
            assert!(asked["ack_id"].is_u64(), "{asked}");
            assert_eq!(
                args_of(&records, "answered"),
                vec![json!([4, {"bin": {"buffer": [1, 2, 3]}}])],
                "{peer} over {transport}"
            );
        }
    }
}

/// `--eio` insists on a version: the matching one works, the other is one clear line.
#[test]
fn interop_eio_flag_insists_on_a_version() {
    let v2 = NodeServer::start_script("sio-server-v2.cjs", &[]);
    let v4 = NodeServer::start_script("sio-server.mjs", &[]);
    for transport in ["websocket", "polling"] {
        let (records, stderr, code) = emit_json(&[
            &v2.url,
            "echo",
            "1",
            "--eio",
            "3",
            "--expect",
            "echo",
            "--transport",
            transport,
        ]);
        assert_eq!(code, 0, "{transport}: {stderr}");
        assert_eq!(args_of(&records, "echo"), vec![json!([1])]);
        let (_, stderr, code) = emit_json(&[&v2.url, "x", "--eio", "4", "--transport", transport]);
        assert_eq!(code, 3);
        assert!(
            stderr.contains(
                "the server speaks Engine.IO 3 (a Socket.IO 2.x server), not 4: drop --eio 4"
            ),
            "{transport}: {stderr}"
        );
    }
    // Node 4.x refuses EIO=3 (no allowEIO3); the default transport falls back to polling,
    // where the refusal can be read.
    for transport in [None, Some("polling")] {
        let mut args = vec![v4.url.as_str(), "x", "--eio", "3"];
        if let Some(transport) = transport {
            args.extend(["--transport", transport]);
        }
        let (_, stderr, code) = emit_json(&args);
        assert_eq!(code, 3);
        assert!(
            stderr.contains("the server does not speak Engine.IO 3") && stderr.contains("--eio"),
            "{transport:?}: {stderr}"
        );
    }
}
