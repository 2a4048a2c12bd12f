//! Behaviour of `sockai serve`'s Socket.IO sessions, the same on every transport: one engine
//! serves them all (src/server/engine/), and these scenarios keep it so.
//!
//! Part A runs each scenario with the official Node `socket.io-client` twice, at the same time:
//! once allowed only `websocket`, once allowed only `polling` (so it never upgrades), and asserts
//! that both saw the same thing once random ids and timings are masked, and what that thing is.
//!
//! Part B speaks Engine.IO v4 / Socket.IO v5 by hand over a plain WebSocket and pins the exact
//! packets, and the reasons the server logs. Some of what it pins is odd (each such test says
//! "today"): a change there should be a decision, not an accident.

use std::thread;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use crate::support::ws::{Ws, connect, next_packet, next_text, send};
use crate::support::{NodeRun, Server, WAIT, node_client};

/// The refusal message of a missing or wrong token, as the client receives it.
const AUTH_REFUSAL: &str = "auth_required: this server needs a valid token (Socket.IO auth.token, or an Authorization: Bearer header)";

/// The disconnect reasons the server logs on `A user disconnected` (socketioxide's words, kept).
const REASON_PARSE_ERROR: &str = "client sent a bad request / the packet could not be parsed";
const REASON_NAMESPACE_LEFT: &str =
    "client has manually disconnected the socket from the namespace";
const REASON_CLOSED: &str = "client gracefully closed the connection";
const REASON_DROPPED: &str = "The connection was abruptly closed";
const REASON_NO_PONG: &str = "client did not send a PONG packet in time";

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// The log line with this `message` about socket `sid`, parsed (bounded wait).
fn log_of(server: &Server, message: &str, sid: &str) -> Value {
    let line = server
        .logs
        .wait_for(&format!("{message:?} for {sid}"), |l| {
            serde_json::from_str::<Value>(l)
                .is_ok_and(|v| v["message"] == message && v["sid"] == sid)
        });
    serde_json::from_str(&line).unwrap()
}

/// Every log line with this `message` about socket `sid`, once there are `count` of them.
/// Handlers of one socket run concurrently, so their lines come in no fixed order: poll.
fn logs_of(server: &Server, message: &str, sid: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let lines: Vec<Value> = server
            .logs
            .snapshot()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["message"] == message && v["sid"] == sid)
            .collect();
        if lines.len() >= count {
            return lines;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {count} {message:?} lines for {sid}; logs:\n{}",
            server.all_logs()
        );
        thread::sleep(Duration::from_millis(20)); // bounded polling of the log buffer
    }
}

/// `<8 hex digits>-<n>`, the request id of docs/protocol.md.
fn is_request_id(id: &str) -> bool {
    id.split_once('-').is_some_and(|(run, n)| {
        run.len() == 8
            && run.chars().all(|c| c.is_ascii_hexdigit())
            && !n.is_empty()
            && n.chars().all(|c| c.is_ascii_digit())
    })
}

// ---------------------------------------------------------------------------------------------
// Part A: the official client over websocket only vs polling only
// ---------------------------------------------------------------------------------------------

/// Each run allows only one transport, so the polling run never upgrades.
const TRANSPORTS: [&str; 2] = ["websocket", "polling"];

/// Run one scenario over each transport at once; `[websocket, polling]`.
///
/// A connect_error ends a run with success here (`expectConnectError`): the compared records
/// say whether it connected, and every test states the sequence it expects.
fn on_both(server: &Server, namespace: &str, options: Value, steps: Value) -> [NodeRun; 2] {
    let url = format!("{}{namespace}", server.url);
    let runs = thread::scope(|scope| {
        let handles = TRANSPORTS.map(|transport| {
            let mut options = options.clone();
            options["transports"] = json!([transport]);
            let scenario = json!({
                "url": url,
                "options": options,
                "steps": steps,
                "expectConnectError": true,
            });
            scope.spawn(move || node_client(scenario))
        });
        handles.map(|h| h.join().unwrap())
    });
    for (run, transport) in runs.iter().zip(TRANSPORTS) {
        assert!(
            run.success,
            "{transport}: {:#?}\n{}",
            run.records, run.stderr
        );
        check_answers(run, transport);
        if let Some(connect) = run.records.iter().find(|r| r["type"] == "connect") {
            assert_eq!(connect["initial_transport"], transport, "{connect}");
            assert_eq!(connect["transport"], transport, "{connect}");
            // The server agrees on the transport (engineioxide's TransportType, as Debug).
            let logged = log_of(server, "A user connected", connect["id"].as_str().unwrap());
            let expected = if transport == "websocket" {
                "Websocket"
            } else {
                "Polling"
            };
            assert_eq!(logged["transport"], expected, "{logged}");
        }
    }
    runs
}

/// Every answer's chunks carry its request id and add up to its text.
fn check_answers(run: &NodeRun, transport: &str) {
    let mut chunks: Vec<&Value> = Vec::new();
    for record in run.records.iter().filter(|r| r["type"] == "event") {
        let payload = &record["args"][0];
        match record["event"].as_str() {
            Some("ai-message-chunk") => chunks.push(payload),
            Some("ai-message-response") => {
                let id = payload["id"].as_str().unwrap_or_default();
                assert!(is_request_id(id), "{transport}: {payload}");
                assert!(
                    chunks.iter().all(|c| c["id"] == id),
                    "{transport}: {chunks:?} / {payload}"
                );
                // Without streaming (--no-stream) there are no chunks at all.
                if !chunks.is_empty() {
                    let text: String = chunks.iter().filter_map(|c| c["delta"].as_str()).collect();
                    assert_eq!(payload["response"], text.as_str(), "{transport}");
                }
                chunks.clear();
            }
            _ => {}
        }
    }
    assert!(
        chunks.is_empty(),
        "{transport}: chunks without an answer: {chunks:?}"
    );
}

/// A run's records without what legitimately differs between runs: the socket id and transport
/// of `connect`, the request `id`s inside payloads, ack round-trip times.
fn normalize(run: &NodeRun) -> Vec<Value> {
    run.records
        .iter()
        .map(|record| {
            if record["type"] == "connect" {
                return json!({ "type": "connect" });
            }
            let mut record = record.clone();
            if let Some(fields) = record.as_object_mut() {
                fields.remove("ms");
            }
            if let Some(args) = record.get_mut("args") {
                mask_ids(args);
            }
            record
        })
        .collect()
}

fn mask_ids(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                if key == "id" {
                    *field = json!("<id>");
                } else {
                    mask_ids(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_ids),
        _ => {}
    }
}

/// Assert both runs saw the same normalized sequence; return it.
fn alike(runs: &[NodeRun; 2]) -> Vec<Value> {
    let [websocket, polling] = runs.each_ref().map(normalize);
    assert_eq!(
        websocket, polling,
        "websocket (left) and polling (right) differ"
    );
    websocket
}

/// The socket id of a run that connected.
fn sid_of(run: &NodeRun) -> &str {
    run.first("connect")["id"].as_str().unwrap()
}

// Expected records, normalized.

fn connected() -> Vec<Value> {
    vec![json!({ "type": "connect" })]
}

fn event(name: &str, payload: Value) -> Value {
    json!({ "type": "event", "event": name, "args": [payload] })
}

fn ack(name: &str, payload: Value) -> Value {
    json!({ "type": "ack", "event": name, "args": [payload] })
}

/// The echo provider's answer: one chunk with the whole text, then the response.
fn response(prompt: &str) -> Value {
    json!({ "response": format!("echo: {prompt}"), "id": "<id>", "finish_reason": "stop" })
}

fn streamed_answer(prompt: &str) -> Vec<Value> {
    vec![
        event(
            "ai-message-chunk",
            json!({ "id": "<id>", "delta": format!("echo: {prompt}") }),
        ),
        event("ai-message-response", response(prompt)),
    ]
}

fn error(code: &str, message: &str) -> Value {
    json!({ "code": code, "message": message })
}

/// The runner's last records: all steps ran, then it disconnected itself.
fn finished() -> Vec<Value> {
    vec![
        json!({ "type": "done" }),
        json!({ "type": "disconnect", "reason": "io client disconnect" }),
    ]
}

fn connect_error(message: &str) -> Vec<Value> {
    vec![json!({ "type": "connect_error", "message": message, "data": null })]
}

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
        "unknown event \"dance\"; this server handles \"message\", \"ai-message\" and \"ai-reset\"",
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
    let server = Server::start(&["--echo-delay-ms", "300"]);
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

// ---------------------------------------------------------------------------------------------
// Part B: raw Engine.IO v4 / Socket.IO v5 over a WebSocket
// ---------------------------------------------------------------------------------------------

const WS_PATH: &str = "/socket.io/?EIO=4&transport=websocket";

/// Open an Engine.IO session over a WebSocket: the socket, the raw open packet and its sid.
async fn open(server: &Server) -> (Ws, String, String) {
    let mut ws = connect(server, WS_PATH).await;
    let packet = next_text(&mut ws).await.expect("an open packet");
    let fields: Value = serde_json::from_str(
        packet
            .strip_prefix('0')
            .unwrap_or_else(|| panic!("not an open packet: {packet:?}")),
    )
    .unwrap();
    let sid = fields["sid"].as_str().unwrap().to_owned();
    (ws, packet, sid)
}

/// Open a session and join the main namespace with `packet` (`40`, `40{"token":…}`).
async fn joined(server: &Server, packet: &str) -> (Ws, String) {
    let (mut ws, _, sid) = open(server).await;
    send(&mut ws, packet).await;
    let socket_id = assert_joined(next_packet(&mut ws).await, &sid);
    (ws, socket_id)
}

/// `packet` is the CONNECT reply `40{"sid":"<socket id>"}`; returns the socket id. As Node's,
/// it is 20 characters of URL-safe base64 and a socket's own, never `other` (the Engine.IO
/// session id, or an earlier socket's id).
fn assert_joined(packet: Option<String>, other: &str) -> String {
    let packet = packet.expect("closed instead of the CONNECT reply");
    let socket_id = packet
        .strip_prefix(r#"40{"sid":""#)
        .and_then(|rest| rest.strip_suffix(r#""}"#))
        .unwrap_or_else(|| panic!("not a CONNECT reply: {packet}"));
    assert_eq!(socket_id.len(), 20, "{packet}");
    assert!(
        socket_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{packet}"
    );
    assert_ne!(socket_id, other, "the socket id is not its own: {packet}");
    socket_id.to_owned()
}

/// An acknowledged `ai-reset`: the reply is the next packet (pings aside). It proves the socket
/// is joined and served, and, right after another packet, that nothing else was sent in between.
async fn reset_round_trip(ws: &mut Ws, ack_id: u32, cleared: u64) {
    send(ws, &format!(r#"42{ack_id}["ai-reset"]"#)).await;
    assert_eq!(
        next_packet(ws).await,
        Some(format!(r#"43{ack_id}[{{"cleared":{cleared}}}]"#))
    );
}

/// How a connection ended, as seen by the client.
#[derive(Debug, PartialEq)]
enum Ending {
    /// A WebSocket Close frame (with its code and reason, if any).
    CloseFrame(Option<CloseFrame>),
    /// The TCP connection ended, or broke, without a Close frame.
    Dropped,
}

/// Read until the server ends the connection, answering no ping: the text frames it sent before,
/// pings left out, and how it ended. Pings come on their own clock (the first one races the
/// CONNECT reply), so they are not part of what is compared.
async fn until_closed(ws: &mut Ws) -> (Vec<String>, Ending) {
    let (mut texts, ending) = until_closed_with_pings(ws).await;
    texts.retain(|t| t != "2");
    (texts, ending)
}

/// `until_closed`, pings included.
async fn until_closed_with_pings(ws: &mut Ws) -> (Vec<String>, Ending) {
    let mut texts = Vec::new();
    let ending = tokio::time::timeout(WAIT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => texts.push(text.to_string()),
                Some(Ok(Message::Close(frame))) => return Ending::CloseFrame(frame),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Ending::Dropped,
            }
        }
    })
    .await
    .expect("the server did not end the connection");
    (texts, ending)
}

/// `42[name, payload]` → (name, payload).
fn event_of(packet: &str) -> (String, Value) {
    let array: Value = serde_json::from_str(
        packet
            .strip_prefix("42")
            .unwrap_or_else(|| panic!("not an event: {packet:?}")),
    )
    .unwrap();
    (array[0].as_str().unwrap().to_owned(), array[1].clone())
}

/// The exact packets of one streamed echo answer to `prompt`; returns the response payload text.
async fn expect_streamed_answer(ws: &mut Ws, prompt: &str) -> String {
    let chunk = next_packet(ws).await.expect("a chunk");
    let (name, payload) = event_of(&chunk);
    assert_eq!(name, "ai-message-chunk", "{chunk}");
    let id = payload["id"].as_str().unwrap().to_owned();
    assert!(is_request_id(&id), "{chunk}");
    // The key order is part of what is pinned: the packets are compared as text.
    assert_eq!(
        chunk,
        format!(r#"42["ai-message-chunk",{{"id":"{id}","delta":"echo: {prompt}"}}]"#)
    );
    let response = format!(r#"{{"response":"echo: {prompt}","id":"{id}","finish_reason":"stop"}}"#);
    assert_eq!(
        next_packet(ws).await,
        Some(format!(r#"42["ai-message-response",{response}]"#))
    );
    response
}

#[tokio::test]
async fn ws_open_packet_carries_the_configured_engine_settings() {
    // The first ping comes one interval after the open packet, as from the official Node server.
    let server = Server::start(&[
        "--ping-interval",
        "1s",
        "--ping-timeout",
        "900ms",
        "--max-payload",
        "1000",
    ]);
    let (mut ws, packet, sid) = open(&server).await;
    let opened = Instant::now();
    // 20 characters of URL-safe base64, as Node's.
    assert_eq!(sid.len(), 20, "{sid}");
    assert!(
        sid.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{sid}"
    );
    assert_eq!(
        packet,
        format!(
            r#"0{{"sid":"{sid}","upgrades":[],"pingInterval":1000,"pingTimeout":900,"maxPayload":1000}}"#
        )
    );
    // The packet after a CONNECT is its reply, not a ping.
    send(&mut ws, "40").await;
    assert_joined(next_text(&mut ws).await, &sid);
    assert_eq!(next_text(&mut ws).await.as_deref(), Some("2"));
    // The server counts from before the client saw the open packet: a little slack.
    let first_ping = opened.elapsed();
    assert!(first_ping >= Duration::from_millis(900), "{first_ping:?}");
    send(&mut ws, "3").await;
    reset_round_trip(&mut ws, 17, 0).await;

    // The polling handshake advertises the same settings, and the upgrade.
    let polling = reqwest::get(format!("{}/socket.io/?EIO=4&transport=polling", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let polling_sid = serde_json::from_str::<Value>(&polling[1..]).unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(polling_sid, sid);
    assert_eq!(
        polling,
        format!(
            r#"0{{"sid":"{polling_sid}","upgrades":["websocket"],"pingInterval":1000,"pingTimeout":900,"maxPayload":1000}}"#
        )
    );
}

#[tokio::test]
async fn ws_namespace_connect_checks_the_auth_token() {
    let server = Server::start(&["--auth-token", "T"]);
    let refused = format!(r#"44{{"message":"{AUTH_REFUSAL}"}}"#);
    let (mut ws, _, sid) = open(&server).await;
    send(&mut ws, "40").await;
    assert_eq!(
        next_packet(&mut ws).await.as_deref(),
        Some(refused.as_str())
    );
    send(&mut ws, r#"40{"token":"wrong"}"#).await;
    assert_eq!(
        next_packet(&mut ws).await.as_deref(),
        Some(refused.as_str())
    );
    // A refusal leaves the Engine.IO session open: the right token, next, is admitted.
    send(&mut ws, r#"40{"token":"T"}"#).await;
    assert_joined(next_packet(&mut ws).await, &sid);
    reset_round_trip(&mut ws, 17, 0).await;
    let refusal = server.wait_for_log("refused a connection");
    assert_eq!(refusal["code"], "auth_required");

    // As Node: an event for the namespace the client was refused is dropped and the session
    // stays; the next packet is the reply to joining, not an answer to the event.
    let (mut ws, _, sid) = open(&server).await;
    send(&mut ws, "40").await;
    assert_eq!(
        next_packet(&mut ws).await.as_deref(),
        Some(refused.as_str())
    );
    send(&mut ws, r#"42["nope"]"#).await;
    send(&mut ws, r#"40{"token":"T"}"#).await;
    assert_joined(next_packet(&mut ws).await, &sid);
    reset_round_trip(&mut ws, 18, 0).await;
}

#[tokio::test]
async fn ws_namespaces_are_multiplexed_on_one_connection() {
    let server = Server::start(&[]);
    let (mut ws, _, sid) = open(&server).await;
    send(&mut ws, "40/nope,").await;
    assert_eq!(
        next_packet(&mut ws).await.as_deref(),
        Some(r#"44/nope,{"message":"Invalid namespace"}"#)
    );
    // The same connection still joins the main namespace.
    send(&mut ws, "40").await;
    let sid = assert_joined(next_packet(&mut ws).await, &sid);
    // Today an event for a namespace that does not exist is dropped silently, and a second
    // CONNECT to a namespace already joined is ignored: neither gets a reply, and the connection
    // stays. (Two round trips give a reply to either time to show up first.)
    send(&mut ws, r#"42/nope,["message",1]"#).await;
    send(&mut ws, "40").await;
    reset_round_trip(&mut ws, 17, 0).await;
    reset_round_trip(&mut ws, 18, 0).await;
    assert_eq!(
        logs_of(&server, "A user connected", &sid, 1).len(),
        1,
        "joined twice"
    );
}

#[tokio::test]
async fn ws_events_and_acks_have_these_exact_packets() {
    let server = Server::start(&[]);
    let (mut ws, sid) = joined(&server, "40").await;

    send(&mut ws, r#"42["ai-message",{"prompt":"x"}]"#).await;
    expect_streamed_answer(&mut ws, "x").await;
    reset_round_trip(&mut ws, 17, 1).await;

    // An acknowledged ai-message: the events, then the ack with the response payload.
    send(&mut ws, r#"4218["ai-message",{"prompt":"y"}]"#).await;
    let response = expect_streamed_answer(&mut ws, "y").await;
    assert_eq!(
        next_packet(&mut ws).await,
        Some(format!("4318[{response}]"))
    );
    reset_round_trip(&mut ws, 19, 1).await;

    // An error is acknowledged the same way.
    send(&mut ws, r#"4220["ai-message",{}]"#).await;
    let missing = r#"{"code":"missing_prompt","message":"the payload has no \"prompt\" field"}"#;
    assert_eq!(
        next_packet(&mut ws).await,
        Some(format!(r#"42["ai-message-error",{missing}]"#))
    );
    assert_eq!(next_packet(&mut ws).await, Some(format!("4320[{missing}]")));

    // Today an unknown event asking for an ack gets `server-error` and no ack: the client's
    // callback is never called. A handler acks right after its emit, so the next reply being
    // that of a later round trip proves no ack came.
    send(&mut ws, r#"4221["dance"]"#).await;
    assert_eq!(
        next_packet(&mut ws).await.as_deref(),
        Some(
            r#"42["server-error",{"code":"unknown_event","message":"unknown event \"dance\"; this server handles \"message\", \"ai-message\" and \"ai-reset\""}]"#
        )
    );
    reset_round_trip(&mut ws, 22, 0).await;

    // `message` asking for an ack is logged and not acknowledged either.
    send(&mut ws, r#"4223["message","ack?"]"#).await;
    assert_eq!(
        log_of(&server, "message received from client", &sid)["payload"],
        r#""ack?""#
    );
    reset_round_trip(&mut ws, 24, 0).await;
}

#[tokio::test]
async fn ws_heartbeat_keeps_an_answering_client_and_drops_a_silent_one() {
    let server = Server::start(&["--ping-interval", "700ms", "--ping-timeout", "900ms"]);
    let (mut ws, _, sid) = open(&server).await;
    send(&mut ws, "40").await;
    // Answer three pings by hand: longer than the ping timeout, the connection stays.
    let mut pings = 0;
    let mut first_ping = None;
    let mut socket_id = None;
    while pings < 3 {
        let text = next_text(&mut ws)
            .await
            .expect("closed although every ping was answered");
        if text == "2" {
            pings += 1;
            first_ping.get_or_insert_with(Instant::now);
            send(&mut ws, "3").await;
        } else {
            socket_id = Some(assert_joined(Some(text), &sid));
        }
    }
    let sid = socket_id.expect("no CONNECT reply");
    // Paced by the interval, not sent at once (a loose bound: the first ping may be late).
    let paced = first_ping.unwrap().elapsed();
    assert!(paced >= Duration::from_millis(700), "{paced:?}");
    reset_round_trip(&mut ws, 17, 0).await;

    // Now silence: the next ping goes unanswered, then a close packet and a Close frame.
    let (texts, ending) = until_closed_with_pings(&mut ws).await;
    assert_eq!(texts, ["2", "1"]);
    assert_eq!(ending, Ending::CloseFrame(None));
    let gone = log_of(&server, "A user disconnected", &sid);
    assert_eq!(gone["reason"], REASON_NO_PONG);
}

/// As Node: no pong within the ping timeout after a ping closes the session then, not at the
/// next ping.
#[tokio::test]
async fn ws_a_missing_pong_closes_the_session_at_ping_plus_ping_timeout() {
    let server = Server::start(&["--ping-interval", "300ms", "--ping-timeout", "200ms"]);
    let (mut ws, _, sid) = open(&server).await;
    send(&mut ws, "40").await;
    let sid = assert_joined(next_text(&mut ws).await, &sid);
    assert_eq!(next_text(&mut ws).await.as_deref(), Some("2"));
    let pinged = Instant::now();
    let (texts, ending) = until_closed_with_pings(&mut ws).await;
    let closed = pinged.elapsed();
    assert_eq!(texts, ["1"]);
    assert_eq!(ending, Ending::CloseFrame(None));
    assert!(
        closed >= Duration::from_millis(150) && closed < Duration::from_millis(1500),
        "{closed:?}"
    );
    assert_eq!(
        log_of(&server, "A user disconnected", &sid)["reason"],
        REASON_NO_PONG
    );
}

#[tokio::test]
async fn ws_client_disconnects_are_logged_with_these_reasons() {
    let server = Server::start(&[]);

    // `41`: the socket leaves the namespace; the connection stays and can join again, as a new
    // socket with an id of its own (as Node).
    let (mut ws, sid) = joined(&server, "40").await;
    send(&mut ws, "41").await;
    let left = log_of(&server, "A user disconnected", &sid);
    assert_eq!(left["reason"], REASON_NAMESPACE_LEFT);
    send(&mut ws, "40").await;
    let again = assert_joined(next_packet(&mut ws).await, &sid);
    log_of(&server, "A user connected", &again);
    reset_round_trip(&mut ws, 17, 0).await;
    // An event after leaving is dropped, as Node drops it: nothing answers it, the connection
    // stays and can join once more.
    send(&mut ws, "41").await;
    log_of(&server, "A user disconnected", &again);
    send(&mut ws, r#"42["nope"]"#).await;
    send(&mut ws, "40").await;
    let third = assert_joined(next_packet(&mut ws).await, &again);
    reset_round_trip(&mut ws, 18, 0).await;
    send(&mut ws, "41").await;
    log_of(&server, "A user disconnected", &third);

    // `1`: an Engine.IO close. The server answers with a Close frame only.
    let (mut ws, sid) = joined(&server, "40").await;
    send(&mut ws, "1").await;
    assert_eq!(
        until_closed(&mut ws).await,
        (vec![], Ending::CloseFrame(None))
    );
    assert_eq!(
        log_of(&server, "A user disconnected", &sid)["reason"],
        REASON_CLOSED
    );

    // A WebSocket Close frame: the same reason.
    let (mut ws, sid) = joined(&server, "40").await;
    ws.close(None).await.unwrap();
    assert_eq!(
        log_of(&server, "A user disconnected", &sid)["reason"],
        REASON_CLOSED
    );

    // The TCP connection dropped without a Close frame.
    let (ws, sid) = joined(&server, "40").await;
    drop(ws);
    assert_eq!(
        log_of(&server, "A user disconnected", &sid)["reason"],
        REASON_DROPPED
    );
}

#[tokio::test]
async fn ws_binary_events_are_read_then_refused() {
    let server = Server::start(&[]);
    let (mut ws, sid) = joined(&server, "40").await;
    let attachment = || Message::binary(vec![1u8, 2, 3]);
    let refused = |event: &str, name: &str| {
        format!(
            r#"42["{event}",{{"code":"binary_not_supported","message":"{name} takes JSON arguments; binary attachments are not supported"}}]"#
        )
    };

    send(&mut ws, r#"451-["message",{"_placeholder":true,"num":0}]"#).await;
    ws.send(attachment()).await.unwrap();
    assert_eq!(
        next_packet(&mut ws).await,
        Some(refused("server-error", "message"))
    );
    // With an ack id, `ai-message` is acknowledged with the same error.
    send(
        &mut ws,
        r#"451-19["ai-message",{"_placeholder":true,"num":0}]"#,
    )
    .await;
    ws.send(attachment()).await.unwrap();
    let error = refused("ai-message-error", "ai-message");
    assert_eq!(next_packet(&mut ws).await.as_deref(), Some(error.as_str()));
    let ack = next_packet(&mut ws).await.unwrap();
    assert!(
        ack.starts_with(r#"4319[{"code":"binary_not_supported""#),
        "{ack}"
    );
    reset_round_trip(&mut ws, 17, 0).await;
    assert_eq!(server.count_logs("message received from client"), 0);

    // A text packet where the announced attachment should be ends the connection.
    send(&mut ws, r#"451-["message",{"_placeholder":true,"num":0}]"#).await;
    send(&mut ws, r#"42["message",1]"#).await;
    assert_eq!(
        until_closed(&mut ws).await,
        (vec!["1".to_owned()], Ending::CloseFrame(None))
    );
    assert_eq!(
        log_of(&server, "A user disconnected", &sid)["reason"],
        REASON_PARSE_ERROR
    );
}

#[tokio::test]
async fn ws_malformed_packets_end_only_their_connection() {
    let server = Server::start(&[]);
    let (mut bystander, _) = joined(&server, "40").await;
    // Socket.IO packets that do not parse: a close packet, then a Close frame. An Engine.IO
    // packet type that does not exist (`9`): the Close frame only.
    for (garbage, texts) in [
        ("42[", vec!["1"]),
        ("4{", vec!["1"]),
        (r#"42["message""#, vec!["1"]),
        ("9", vec![]),
    ] {
        let (mut ws, sid) = joined(&server, "40").await;
        send(&mut ws, garbage).await;
        let texts: Vec<String> = texts.into_iter().map(str::to_owned).collect();
        assert_eq!(
            until_closed(&mut ws).await,
            (texts, Ending::CloseFrame(None)),
            "{garbage:?}"
        );
        assert_eq!(
            log_of(&server, "A user disconnected", &sid)["reason"],
            REASON_PARSE_ERROR,
            "{garbage:?}"
        );
    }
    send(
        &mut bystander,
        r#"42["ai-message",{"prompt":"still here"}]"#,
    )
    .await;
    expect_streamed_answer(&mut bystander, "still here").await;
}

/// A message over `--max-payload` ends a direct WebSocket session; nothing of it is handled.
#[tokio::test]
async fn ws_frame_over_max_payload_ends_the_session() {
    let server = Server::start(&["--max-payload", "1000"]);
    let (mut ws, sid) = joined(&server, "40").await;
    let prompt = "y".repeat(1200);
    // The server may close before the whole frame is written; both outcomes are fine.
    let _ = ws
        .send(Message::text(format!(
            r#"42["ai-message",{{"prompt":"{prompt}"}}]"#
        )))
        .await;
    let (texts, _) = until_closed(&mut ws).await;
    assert!(texts.iter().all(|t| !t.starts_with("42")), "{texts:?}");
    log_of(&server, "A user disconnected", &sid);
    assert_eq!(server.count_logs("AI response"), 0);
}
