//! Acknowledgements the server asks of the client: shown with their id, answered with
//! `reply` (REPL, scripts) or `--ack-reply` (`sockai emit`), listed by `status`.
//!
//! The Node server's `question` event (tests/node/sio-handlers.cjs) makes it emit `question`
//! ("2+2?") asking for an ack, and report the answer as `answered`.

use serde_json::json;

use crate::support::{NodeServer, ScriptedClient, of_type, received, run_sockai as run, sockai};

#[test]
fn client_acks_reply_to_an_ack_nobody_asked_for_is_an_error() {
    let node = NodeServer::start();
    let (records, stderr, code) = run(
        &["connect", &node.url, "--ack-timeout", "200ms"],
        "reply 99 4\nreply\nreply x\n",
    );
    assert_eq!(code, 1, "{stderr}");
    let errors: Vec<&str> = of_type(&records, "error")
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        errors,
        [
            "no server acknowledgement 99 is waiting for an answer (none is waiting)",
            "usage: reply <ack_id> [arg …]",
            // `reply EVENT` answers that event's request once it comes, as in a scenario.
            "no `x` asking for an acknowledgement within 200ms (reply takes the id shown with \
             the event, or the name of an event that asks for one)",
        ]
    );
    assert!(of_type(&records, "reply").is_empty());
}

#[test]
fn client_acks_emit_ack_reply_answers_the_server() {
    let node = NodeServer::start();
    let (records, stderr, code) = run(
        &[
            "emit",
            &node.url,
            "question",
            "--ack-reply",
            "4",
            "--ack-reply",
            "\"four\"",
            "--expect",
            "answered",
            "--json",
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    let question = received(&records, "question");
    assert_eq!(question.len(), 1, "{records:?}");
    assert_eq!(question[0]["args"], json!(["2+2?"]));
    let id = question[0]["ack_id"]
        .as_u64()
        .expect("ack_id in the received record");
    let replies = of_type(&records, "reply");
    assert_eq!(replies.len(), 1, "{records:?}");
    assert_eq!(replies[0]["ack_id"], json!(id));
    assert_eq!(replies[0]["event"], "question");
    assert_eq!(replies[0]["args"], json!([4, "four"]));
    // The server's callback ran with exactly these arguments.
    assert_eq!(
        received(&records, "answered")[0]["args"],
        json!([4, "four"])
    );

    // Payloads mode prints only the payload; `--ack-reply` alone answers with no arguments.
    let output = sockai()
        .args([
            "emit",
            &node.url,
            "question",
            "--expect",
            "answered",
            "--ack-reply",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "[]\n");
    // Without --ack-reply nobody answers: the server's callback never runs.
    let (records, _, code) = run(
        &[
            "emit",
            &node.url,
            "question",
            "--expect",
            "answered",
            "--json",
            "--timeout",
            "1s",
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(received(&records, "question")[0]["ack_id"].is_u64());
    assert!(of_type(&records, "reply").is_empty());
}

#[test]
fn client_acks_repl_reply_once_and_status_lists_what_waits() {
    let node = NodeServer::start();
    let mut session = ScriptedClient::start(&[&node.url]);
    let connected = session.wait_record("connect", None);
    let sid = connected["sid"].as_str().unwrap().to_owned();
    assert!(!sid.is_empty() && sid != "unknown", "{connected}");

    session.send("emit question");
    let question = session.wait_record("received", Some("question"));
    let id = question["ack_id"]
        .as_u64()
        .expect("ack_id in the received record");

    session.send("status");
    let status = session.wait_record("status", None);
    assert_eq!(status["sid"], sid.as_str());
    assert_eq!(status["transport"], "websocket");
    assert_eq!(status["eio"], 4);
    // Node socket.io's defaults.
    assert_eq!(status["ping_interval_ms"], 25000);
    assert_eq!(status["ping_timeout_ms"], 20000);
    assert_eq!(
        status["server_acks"],
        json!([{"ack_id": id, "event": "question"}])
    );

    session.send(&format!("reply {id} 4 {{\"sure\": true}}"));
    let reply = session.wait_record("reply", None);
    assert_eq!(reply["args"], json!([4, {"sure": true}]));
    let answered = session.wait_record("received", Some("answered"));
    assert_eq!(answered["args"], json!([4, {"sure": true}]));

    // Answered once: no longer listed, and a second reply is refused.
    session.send("status");
    session.wait_match("status without server acks", |r| {
        r["type"] == "status" && r["server_acks"] == json!([])
    });
    session.send(&format!("reply {id} 5"));
    let error = session.wait_record("error", None);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("no server acknowledgement {id} is waiting")),
        "{error}"
    );
    assert_eq!(session.finish().code(), Some(1));
}

#[test]
fn client_acks_help_documents_reply_and_ack_reply() {
    let help = |args: &[&str]| {
        String::from_utf8_lossy(&sockai().args(args).output().unwrap().stdout).into_owned()
    };
    let connect = help(&["connect", "--help"]);
    assert!(connect.contains("reply <ack_id> [arg …]"), "{connect}");
    assert!(
        connect.contains("(ack 3 requested: reply 3 …)"),
        "{connect}"
    );
    let emit = help(&["emit", "--help"]);
    assert!(emit.contains("--ack-reply [<ARG>]"), "{emit}");
    assert!(emit.contains("--ack-reply 42"), "{emit}");
}
