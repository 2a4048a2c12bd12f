//! Behaviour of `sockai serve`'s Socket.IO sessions, the same on every transport: one engine
//! serves them all (src/server/engine/), and these scenarios keep it so.
//!
//! Each scenario runs with the official Node `socket.io-client` twice, at the same time: once
//! allowed only `websocket`, once allowed only `polling` (so it never upgrades), and asserts
//! that both saw the same thing once random ids and timings are masked, and what that thing is
//! (support/both_transports.rs). The same scenarios by hand, packet by packet, are in
//! serve_socketio_packets.rs.

use std::thread;

use serde_json::json;

use crate::support::both_transports::{
    ack, alike, connect_error, connected, error, event, finished, normalize, on_both, response,
    sid_of, streamed_answer,
};
use crate::support::socket_log::{AUTH_REFUSAL, REASON_NAMESPACE_LEFT, log_of, logs_of};
use crate::support::ws::joined;
use crate::support::{NodeRun, Server, node_client};
#[test]
fn ai_message_is_streamed_then_answered_alike_on_both_transports() {
    let steps = json!([
        { "emit": "ai-message", "args": [{ "prompt": "hi" }] },
        { "wait": "ai-message-response" },
    ]);
    let streaming = Server::start(&[]);
    let quiet = Server::start(&["--no-stream"]);
    let (streamed, whole) = thread::scope(|scope| {
        let streamed = scope.spawn(|| on_both(&streaming, "", json!({}), steps.clone()));
        let whole = on_both(&quiet, "", json!({}), steps.clone());
        (streamed.join().unwrap(), whole)
    });
    assert_eq!(
        alike(&streamed),
        [connected(), streamed_answer("hi"), finished()].concat()
    );
    // --no-stream: the response alone, no chunk.
    assert_eq!(
        alike(&whole),
        [
            connected(),
            vec![event("ai-message-response", response("hi"))],
            finished()
        ]
        .concat()
    );
    // Both transports leave the namespace the same way when the client disconnects. Only the
    // websocket run is checked: the runner exits right after `socket.disconnect()`, before
    // engine.io-client's next polling request could carry the `41`, so the server only notices
    // the polling client at its ping timeout (an artifact of the runner, not of the server).
    let gone = log_of(&streaming, "A user disconnected", sid_of(&streamed[0]));
    assert_eq!(gone["reason"], REASON_NAMESPACE_LEFT);
}

#[test]
fn ai_message_with_ack_is_answered_alike_on_both_transports() {
    let server = Server::start(&[]);
    let runs = on_both(
        &server,
        "",
        json!({}),
        json!([
            { "emit": "ai-message", "args": [{ "prompt": "ack me" }], "ack": true },
            { "emit": "ai-message", "args": [{ "prompt": "" }], "ack": true },
        ]),
    );
    // The event is emitted first, then the ack carries the same payload.
    let empty = error("empty_prompt", "\"prompt\" is empty");
    assert_eq!(
        alike(&runs),
        [
            connected(),
            streamed_answer("ack me"),
            vec![
                ack("ai-message", response("ack me")),
                event("ai-message-error", empty.clone()),
                ack("ai-message", empty),
            ],
            finished(),
        ]
        .concat()
    );
}

#[test]
fn bad_ai_message_input_is_answered_alike_and_the_socket_stays() {
    let server = Server::start(&["--max-prompt-bytes", "16"]);
    let runs = on_both(
        &server,
        "",
        json!({}),
        json!([
            { "emit": "ai-message", "args": [{}] },
            { "wait": "ai-message-error" },
            { "emit": "ai-message", "args": [{ "prompt": 7 }] },
            { "wait": "ai-message-error" },
            { "emit": "ai-message", "args": [{ "prompt": "" }] },
            { "wait": "ai-message-error" },
            { "emit": "ai-message", "args": ["just a string"] },
            { "wait": "ai-message-error" },
            { "emit": "ai-message", "args": [] },
            { "wait": "ai-message-error" },
            { "emit": "ai-message", "args": [{ "prompt": "far longer than sixteen bytes" }] },
            { "wait": "ai-message-error" },
            { "emit": "ai-message", "args": [{ "prompt": "still here" }] },
            { "wait": "ai-message-response" },
        ]),
    );
    let errors = [
        error("missing_prompt", "the payload has no \"prompt\" field"),
        error(
            "invalid_prompt",
            "\"prompt\" must be a string, got a number",
        ),
        error("empty_prompt", "\"prompt\" is empty"),
        error(
            "invalid_payload",
            "expected an object like {\"prompt\": \"…\"}, got a string",
        ),
        error(
            "invalid_payload",
            "ai-message needs one JSON argument like {\"prompt\": \"…\"}; it came with none",
        ),
        error(
            "prompt_too_large",
            "\"prompt\" is 29 bytes, the limit is 16",
        ),
    ];
    assert_eq!(
        alike(&runs),
        [
            connected(),
            errors.map(|e| event("ai-message-error", e)).to_vec(),
            streamed_answer("still here"),
            finished(),
        ]
        .concat()
    );
}

#[test]
fn an_unknown_event_gets_server_error_alike_on_both_transports() {
    let server = Server::start(&[]);
    let runs = on_both(
        &server,
        "",
        json!({}),
        json!([
            { "emit": "dance", "args": [{ "move": "twist" }] },
            { "wait": "server-error" },
            { "emit": "ai-message", "args": [{ "prompt": "still here" }] },
            { "wait": "ai-message-response" },
        ]),
    );
    let unknown = error(
        "unknown_event",
        "unknown event \"dance\"; this server handles \"message\", \"ai-message\", \"ai-reset\" and \"ai-cancel\"",
    );
    assert_eq!(
        alike(&runs),
        [
            connected(),
            vec![event("server-error", unknown)],
            streamed_answer("still here"),
            finished(),
        ]
        .concat()
    );
}

#[test]
fn ai_reset_acknowledges_what_it_forgot_alike_on_both_transports() {
    let server = Server::start(&[]);
    let runs = on_both(
        &server,
        "",
        json!({}),
        json!([
            { "emit": "ai-message", "args": [{ "prompt": "one" }] },
            { "wait": "ai-message-response" },
            { "emit": "ai-message", "args": [{ "prompt": "two" }] },
            { "wait": "ai-message-response" },
            { "emit": "ai-reset", "ack": true },
            { "emit": "ai-reset", "ack": true },
        ]),
    );
    assert_eq!(
        alike(&runs),
        [
            connected(),
            streamed_answer("one"),
            streamed_answer("two"),
            vec![
                ack("ai-reset", json!({ "cleared": 2 })),
                ack("ai-reset", json!({ "cleared": 0 })),
            ],
            finished(),
        ]
        .concat()
    );
}

#[test]
fn message_is_only_logged_and_logged_alike_on_both_transports() {
    let server = Server::start(&[]);
    let runs = on_both(
        &server,
        "",
        json!({}),
        json!([
            { "emit": "message", "args": ["plain text", 2, { "k": [true, null] }] },
            { "emit": "message", "args": [{ "text": "one argument" }] },
            { "emit": "ai-message", "args": [{ "prompt": "sync" }] },
            { "wait": "ai-message-response" },
        ]),
    );
    // No reply to `message`: only the answer to the `ai-message`.
    assert_eq!(
        alike(&runs),
        [connected(), streamed_answer("sync"), finished()].concat()
    );
    let [websocket, polling] = runs.each_ref().map(|run| {
        let mut payloads: Vec<String> =
            logs_of(&server, "message received from client", sid_of(run), 2)
                .iter()
                .map(|l| l["payload"].as_str().unwrap().to_owned())
                .collect();
        payloads.sort();
        payloads
    });
    assert_eq!(websocket, polling);
    // Several arguments are logged as their JSON array, one as itself.
    assert_eq!(
        websocket,
        [
            r#"["plain text",2,{"k":[true,null]}]"#,
            r#"{"text":"one argument"}"#
        ]
    );
}

#[test]
fn binary_arguments_are_refused_alike_on_both_transports() {
    let server = Server::start(&[]);
    let runs = on_both(
        &server,
        "",
        json!({}),
        json!([
            { "emit": "ai-message", "args": [{ "$binary": "AQID" }] },
            { "wait": "ai-message-error" },
            { "emit": "message", "args": [{ "$binary": "AQID" }, "text"] },
            { "emit": "ai-message", "args": [{ "prompt": "sync" }] },
            { "wait": "ai-message-response" },
        ]),
    );
    // Over polling the attachment travels base64-encoded in the text payload, over a direct
    // WebSocket as a binary frame; both are refused the same way, and the socket stays.
    let refused = |name: &str| {
        error(
            "binary_not_supported",
            &format!("{name} takes JSON arguments; binary attachments are not supported"),
        )
    };
    assert_eq!(
        alike(&runs),
        [
            connected(),
            vec![
                event("ai-message-error", refused("ai-message")),
                event("server-error", refused("message")),
            ],
            streamed_answer("sync"),
            finished(),
        ]
        .concat()
    );
    assert_eq!(server.count_logs("message received from client"), 0);
}

#[test]
fn an_unknown_namespace_is_refused_alike_on_both_transports() {
    let server = Server::start(&[]);
    let runs = on_both(&server, "/nope", json!({}), json!([]));
    // Node's own text.
    assert_eq!(alike(&runs), connect_error("Invalid namespace"));
}

#[test]
fn the_auth_token_is_required_alike_on_both_transports() {
    let server = Server::start_with_env(&[], &[("SOCKAI_AUTH_TOKEN", "T")]);
    for options in [json!({}), json!({ "auth": { "token": "wrong" } })] {
        let runs = on_both(&server, "", options, json!([]));
        assert_eq!(alike(&runs), connect_error(AUTH_REFUSAL));
    }
    let runs = on_both(
        &server,
        "",
        json!({ "auth": { "token": "T" } }),
        json!([
            { "emit": "ai-message", "args": [{ "prompt": "let me in" }] },
            { "wait": "ai-message-response" },
        ]),
    );
    assert_eq!(
        alike(&runs),
        [connected(), streamed_answer("let me in"), finished()].concat()
    );
}

#[test]
fn a_burst_over_the_rate_limit_is_refused_alike_on_both_transports() {
    let server = Server::start(&["--rate-limit", "3"]);
    let runs = on_both(
        &server,
        "",
        json!({}),
        json!([
            { "emit": "message", "args": [1] },
            { "emit": "message", "args": [2] },
            { "emit": "message", "args": [3] },
            { "emit": "message", "args": [4] },
            { "emit": "message", "args": [5] },
            { "wait": "server-error" },
        ]),
    );
    // Two of the five are over the limit, but how many `server-error`s the runner prints before
    // `done` differs by transport: over polling both arrive in one HTTP response and are printed
    // before the step's promise resumes; over websocket the second frame may come after. So
    // repeats are collapsed before comparing.
    let collapse = |run: &NodeRun| {
        let mut records = normalize(run);
        records.dedup();
        records
    };
    let [websocket, polling] = runs.each_ref().map(collapse);
    assert_eq!(websocket, polling);
    let too_many = error(
        "too_many_events",
        "too many events: slow down (see the server's --rate-limit)",
    );
    assert_eq!(
        websocket,
        [
            connected(),
            vec![event("server-error", too_many)],
            finished()
        ]
        .concat()
    );
}

#[test]
fn a_client_over_max_connections_is_refused_alike_on_both_transports() {
    let server = Server::start(&["--max-connections", "1"]);
    // The one place is held by a raw Socket.IO client, connected to the namespace.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let holder = runtime.block_on(joined(&server, "40"));
    let runs = on_both(&server, "", json!({}), json!([]));
    assert_eq!(
        alike(&runs),
        connect_error(
            "server_full: the server holds its maximum of 1 connections; try again later"
        )
    );
    drop(holder);
}

#[test]
fn a_second_ai_message_in_flight_is_busy_alike_on_both_transports() {
    let server = Server::start(&["--echo-delay-ms", "1000"]);
    // Both prompts are the same: the two handlers run concurrently (over polling both events
    // even arrive in one request), so which one wins is not fixed, and need not be.
    let runs = on_both(
        &server,
        "",
        json!({}),
        json!([
            { "emit": "ai-message", "args": [{ "prompt": "same" }] },
            { "emit": "ai-message", "args": [{ "prompt": "same" }] },
            { "wait": "ai-message-error" },
            { "wait": "ai-message-response" },
        ]),
    );
    let busy = error(
        "busy",
        "an answer is already in flight on this connection; wait for its ai-message-response or ai-message-error",
    );
    assert_eq!(
        alike(&runs),
        [
            connected(),
            vec![event("ai-message-error", busy)],
            streamed_answer("same"),
            finished(),
        ]
        .concat()
    );
}

/// `--max-payload` bounds a polling request and a WebSocket message alike: the session ends.
#[tokio::test]
async fn max_payload_is_enforced_on_both_transports() {
    let server = Server::start(&["--max-payload", "1000"]);
    let big = "x".repeat(2000);
    for transport in ["polling", "websocket"] {
        let scenario = json!({
            "url": server.url,
            "options": { "transports": [transport] },
            "steps": [
                { "emit": "message", "args": [big] },
                { "waitDisconnect": true },
            ],
        });
        let run = tokio::task::spawn_blocking(move || node_client(scenario))
            .await
            .unwrap();
        assert!(
            run.success,
            "{transport}: {:#?}\n{}",
            run.records, run.stderr
        );
        let records = normalize(&run);
        assert_eq!(records[..connected().len()], connected(), "{transport}");
        assert_eq!(
            records.last(),
            Some(&json!({ "type": "done" })),
            "{transport}"
        );
        let reason = &records[records.len() - 2];
        assert_eq!(reason["type"], "disconnect", "{transport}: {records:?}");
        assert_eq!(server.count_logs("message received from client"), 0);
    }
}
