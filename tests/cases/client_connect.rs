//! `sockai connect`: script mode through stdin, and the REPL through a pseudo-terminal.

use serde_json::{Value, json};

use crate::support::pty;
use crate::support::{NodeServer, Server, connect_script, of_type, received, refused_url, sockai};

fn args_of(record: &Value) -> &Value {
    &record["args"]
}

#[test]
fn client_connect_script_ai_and_msg_against_sockai_serve() {
    let server = Server::start(&[]);
    let (records, stderr, code) = connect_script(
        &[&server.url],
        "ai Hello AI\nwait ai-message-response\nmsg Hello from sockai\n",
    );
    assert_eq!(code, 0, "{stderr}\n{records:#?}");
    let kinds: Vec<_> = records
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    // The echo provider streams its answer as one chunk before the response.
    assert_eq!(
        kinds,
        ["connect", "sent", "received", "received", "sent"],
        "{records:#?}"
    );
    assert_eq!(records[0]["url"], server.url);
    assert_eq!(records[0]["namespace"], "/");
    assert_eq!(records[1]["event"], "ai-message");
    assert_eq!(records[1]["args"], json!([{"prompt": "Hello AI"}]));
    assert_eq!(records[2]["event"], "ai-message-chunk");
    assert_eq!(records[2]["args"][0]["delta"], "echo: Hello AI");
    assert_eq!(records[3]["event"], "ai-message-response");
    assert_eq!(records[3]["args"][0]["response"], "echo: Hello AI");
    assert_eq!(records[3]["args"][0]["id"], records[2]["args"][0]["id"]);
    assert_eq!(records[4]["event"], "message");
    assert_eq!(records[4]["args"], json!(["Hello from sockai"]));
    let logged = server.wait_for_log("message received from client");
    assert!(
        logged["payload"].to_string().contains("Hello from sockai"),
        "{logged}"
    );
    assert!(records.iter().all(|r| r["time"].is_string()));
}

#[test]
fn client_connect_script_sends_auth_headers_query_and_namespace() {
    let node = NodeServer::start();
    let (records, stderr, code) = connect_script(
        &[
            &format!("{}/admin", node.url),
            "--auth",
            r#"{"token":"s3cret"}"#,
            "--header",
            "X-Client: sockai",
            "--query",
            "room=42",
        ],
        "emit whoami\nwait whoami\n",
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(records[0]["namespace"], "/admin");
    let who = &received(&records, "whoami")[0]["args"][0];
    assert_eq!(who["namespace"], "/admin");
    assert_eq!(who["auth"], json!({"token": "s3cret"}));
    assert_eq!(who["headers"]["x-client"], "sockai");
    assert_eq!(who["query"]["room"], "42");
}

#[test]
fn client_connect_script_multi_arg_emit_and_every_event_shown() {
    let node = NodeServer::start();
    let (records, stderr, code) = connect_script(
        &[&node.url],
        "emit echo {\"a\": 1} 2 two \"3\"\nwait echo\n\
         emit greet-me\nwait MixedCase-Event\n\
         msg {\"text\": \"hi\"}\nwait message-back\n\
         emit say-message hello 2\nwait message\n\
         emit echo {\n  \"multi\": [1,\n 2]\n}\nwait echo\n",
    );
    assert_eq!(code, 0, "{stderr}");
    let echoes = received(&records, "echo");
    assert_eq!(args_of(echoes[0]), &json!([{"a": 1}, 2, "two", "3"]));
    assert_eq!(args_of(echoes[1]), &json!([{"multi": [1, 2]}]));
    // `message` reaches the library's special callback; it is shown like any other event.
    assert_eq!(
        args_of(received(&records, "message")[0]),
        &json!(["hello", 2])
    );
    let greeting = received(&records, "MixedCase-Event");
    assert_eq!(args_of(greeting[0]), &json!([{"hello": "world"}, 42]));
    assert_eq!(
        args_of(received(&records, "message-back")[0]),
        &json!([{"text": "hi"}])
    );
    // Streaming: chunks and the final answer are all shown, in order.
    let (records, _, code) = connect_script(&[&node.url], "ai hi\nwait ai-message-response\n");
    assert_eq!(code, 0);
    let names: Vec<_> = of_type(&records, "received")
        .iter()
        .map(|r| r["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ai-message-chunk",
            "ai-message-chunk",
            "ai-message-response"
        ]
    );
}

#[test]
fn client_connect_script_ack_prints_arguments_and_latency() {
    let node = NodeServer::start();
    let (records, stderr, code) = connect_script(
        &[&node.url],
        "ack ack-me {\"x\": 1} 2\nemit --ack echo solo\n",
    );
    assert_eq!(code, 0, "{stderr}");
    let acks = of_type(&records, "ack");
    assert_eq!(acks.len(), 2, "{records:#?}");
    let ack_me = acks.iter().find(|a| a["event"] == "ack-me").unwrap();
    assert_eq!(args_of(ack_me), &json!([{"got": [{"x": 1}, 2]}, "second"]));
    assert!(ack_me["ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    let echo = acks.iter().find(|a| a["event"] == "echo").unwrap();
    assert_eq!(args_of(echo), &json!(["solo"]));

    // An ack that never comes: a clear error, and the script fails.
    let (records, _, code) = connect_script(
        &[&node.url, "--ack-timeout", "300ms"],
        "ack never-answered\n",
    );
    assert_eq!(code, 1);
    let errors = of_type(&records, "error");
    assert_eq!(
        errors[0]["message"],
        "no acknowledgement of `never-answered` within 300ms"
    );
}

#[test]
fn client_connect_script_filters_choose_what_is_shown() {
    let node = NodeServer::start();
    let (records, stderr, code) = connect_script(
        &[&node.url],
        "off first\nemit order\nwait second\n\
         only first\nemit order\nwait second\n\
         on\nemit order\nwait second\n",
    );
    assert_eq!(code, 0, "{stderr}");
    let names: Vec<_> = of_type(&records, "received")
        .iter()
        .map(|r| r["event"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["second", "first", "first", "second"]);
    let filters = of_type(&records, "filter");
    assert_eq!(filters[0]["hidden"], json!(["first"]));
    assert_eq!(filters[1]["shown"], json!(["first"]));
    assert_eq!(filters[2]["show"], "all");
}

#[test]
fn client_connect_script_server_disconnect_then_reconnect() {
    let node = NodeServer::start();
    let (records, stderr, code) = connect_script(
        &[&node.url],
        "emit kick-me\nwait disconnect\nemit echo 1\nstatus\nreconnect\nemit echo 2\nwait echo\n",
    );
    // The emit while disconnected failed: exit 1, but the script went on.
    assert_eq!(code, 1, "{stderr}");
    let disconnects = of_type(&records, "disconnect");
    assert_eq!(disconnects[0]["reason"], "io server disconnect");
    let errors = of_type(&records, "error");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("not connected"),
        "{errors:?}"
    );
    assert_eq!(of_type(&records, "status")[0]["state"], "disconnected");
    assert_eq!(of_type(&records, "connect").len(), 2);
    assert_eq!(args_of(received(&records, "echo")[0]), &json!([2]));
}

#[test]
fn client_connect_script_client_disconnect_and_help() {
    let server = Server::start(&[]);
    let (records, stderr, code) =
        connect_script(&[&server.url], "help\nhelp ack\ndisconnect\nstatus\n");
    assert_eq!(code, 0, "{stderr}");
    let help = of_type(&records, "help");
    assert!(
        help[0]["text"]
            .as_str()
            .unwrap()
            .contains("wait <event> [timeout]")
    );
    assert!(help[1]["text"].as_str().unwrap().starts_with("ack <event>"));
    assert_eq!(
        of_type(&records, "disconnect")[0]["reason"],
        "client disconnect"
    );
    assert_eq!(of_type(&records, "status")[0]["state"], "disconnected");
    server.wait_for_log("A user disconnected");
}

#[test]
fn client_connect_script_wait_times_out_with_exit_1() {
    let node = NodeServer::start();
    let (records, _, code) = connect_script(&[&node.url], "wait nothing-comes 200ms\nbogus\n");
    assert_eq!(code, 1);
    let errors = of_type(&records, "error");
    assert_eq!(
        errors[0]["message"],
        "timed out waiting for `nothing-comes`"
    );
    assert!(
        errors[1]["message"]
            .as_str()
            .unwrap()
            .contains("unknown command")
    );
}

#[test]
fn client_connect_refused_and_unknown_namespace_exit_3() {
    let url = refused_url();
    let (records, stderr, code) = connect_script(&[&url], "ai hi\n");
    assert_eq!(code, 3);
    assert!(records.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("connection refused: is a server running on port"),
        "{stderr}"
    );

    let node = NodeServer::start();
    let (_, stderr, code) = connect_script(&[&format!("{}/nowhere", node.url)], "");
    assert_eq!(code, 3);
    assert!(
        stderr.contains("namespace /nowhere rejected: Invalid namespace"),
        "{stderr}"
    );
    let (_, stderr, code) = connect_script(
        &[&node.url, "-n", "/admin", "--auth", r#"{"token":"wrong"}"#],
        "",
    );
    assert_eq!(code, 3);
    assert!(stderr.contains("not authorized"), "{stderr}");
}

/// The REPL on a real (pseudo-)terminal: an event arriving while a command is half typed is
/// printed above the prompt, and the prompt comes back with the typed text intact.
#[test]
fn client_connect_pty_event_arrives_while_typing() {
    use expectrl::{Eof, Expect, Regex};

    let node = NodeServer::start();
    let (mut repl, dir) = pty::repl(&node.url);

    repl.send("emit echo hel").unwrap();
    // The editor has the text once it echoed the last characters (the hint shown after `emit`
    // makes it repaint, so the whole text is not echoed in one piece).
    repl.expect("hel").unwrap();
    // Another client makes the server broadcast to everyone, us included.
    sockai()
        .args(["emit", &node.url, "broadcast", "news"])
        .assert()
        .success();
    repl.expect(Regex(r#"/ announce "news""#)).unwrap();
    // Redrawn under the event: the prompt with the half-typed command.
    repl.expect("sockai> emit echo hel").unwrap();

    repl.send_line("lo").unwrap();
    repl.expect(Regex(r#"/ echo "hello""#)).unwrap();
    repl.send_line("ack ack-me 1").unwrap();
    repl.expect(Regex(
        r#"ack ack-me \(\d+\.\d ms\) \[\{"got":\[1\]\},"second"\]"#,
    ))
    .unwrap();
    repl.send_line("quit").unwrap();
    repl.expect(Eof).unwrap();

    let saved = std::fs::read_to_string(dir.path().join("history")).unwrap_or_default();
    assert!(saved.contains("emit echo hello"), "history: {saved:?}");
    assert!(saved.contains("ack ack-me 1"), "history: {saved:?}");
}

/// An event emitted by another client shows up in a running session; a fire-and-forget
/// `sockai emit` is delivered even though it exits right after emitting.
#[test]
fn client_connect_script_shows_events_from_other_clients() {
    let node = NodeServer::start();
    let mut session = crate::support::ScriptedClient::start(&[&node.url]);
    session.wait_record("connect", None);
    for n in 0..5 {
        sockai()
            .args(["emit", &node.url, "broadcast", &format!("{{\"n\": {n}}}")])
            .assert()
            .success()
            .stdout("");
        session.wait_match(&format!("announce {n}"), |r| {
            r["type"] == "received" && r["event"] == "announce" && r["args"] == json!([{"n": n}])
        });
    }
    session.send("status");
    assert_eq!(session.wait_record("status", None)["state"], "connected");
    assert!(session.finish().success());
}

/// A server that shuts down is reported as a disconnection; the session reconnects on its own
/// when the server is back on the same port.
#[test]
fn client_connect_script_reconnects_after_a_server_restart() {
    let mut server = Server::start(&[]);
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    let mut session = crate::support::ScriptedClient::start(&[&server.url]);
    session.wait_record("connect", None);
    assert!(server.terminate().success());
    let gone = session.wait_record("disconnect", None);
    assert_eq!(gone["reason"], "transport closed; reconnecting");

    let _again = Server::spawn(&["--port", &port], &[]);
    session.send("wait connect 14s");
    session.send("ai back again");
    let answer = session.wait_record("received", Some("ai-message-response"));
    assert_eq!(answer["args"][0]["response"], "echo: back again");
    assert!(session.finish().success());
}

/// The URL default is written in the help text (the CLI does not import the client); it must
/// name the server the client really uses.
#[test]
fn client_connect_help_names_the_default_url() {
    let output = sockai().args(["connect", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains(&format!("[default: {}]", sockai::client::args::DEFAULT_URL)),
        "{help}"
    );
}
