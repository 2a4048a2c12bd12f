//! One scenario of the official Node `socket.io-client` run twice at the same time, once allowed
//! only `websocket`, once allowed only `polling` (so it never upgrades): the runs, their
//! comparison once random ids and timings are masked, and the records to expect.

use std::thread;

use serde_json::{Value, json};

use super::socket_log::{is_request_id, log_of};
use super::{NodeRun, Server, node_client};

/// Each run allows only one transport, so the polling run never upgrades.
pub const TRANSPORTS: [&str; 2] = ["websocket", "polling"];

/// Run one scenario over each transport at once; `[websocket, polling]`.
///
/// A connect_error ends a run with success here (`expectConnectError`): the compared records
/// say whether it connected, and every test states the sequence it expects.
pub fn on_both(server: &Server, namespace: &str, options: Value, steps: Value) -> [NodeRun; 2] {
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
pub fn check_answers(run: &NodeRun, transport: &str) {
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
pub fn normalize(run: &NodeRun) -> Vec<Value> {
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

/// Every `id` field, at any depth, as `<id>`.
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
pub fn alike(runs: &[NodeRun; 2]) -> Vec<Value> {
    let [websocket, polling] = runs.each_ref().map(normalize);
    assert_eq!(
        websocket, polling,
        "websocket (left) and polling (right) differ"
    );
    websocket
}

/// The socket id of a run that connected.
pub fn sid_of(run: &NodeRun) -> &str {
    run.first("connect")["id"].as_str().unwrap()
}

// Expected records, normalized.

/// A `connect` record.
pub fn connected() -> Vec<Value> {
    vec![json!({ "type": "connect" })]
}

/// An `event` record of `name` with one argument.
pub fn event(name: &str, payload: Value) -> Value {
    json!({ "type": "event", "event": name, "args": [payload] })
}

/// An `ack` record of the emit of `name`, with one argument.
pub fn ack(name: &str, payload: Value) -> Value {
    json!({ "type": "ack", "event": name, "args": [payload] })
}

/// The echo provider's response payload to `prompt` (its one chunk holds the whole text).
pub fn response(prompt: &str) -> Value {
    json!({ "response": format!("echo: {prompt}"), "id": "<id>", "finish_reason": "stop" })
}

/// The records of one streamed echo answer to `prompt`.
pub fn streamed_answer(prompt: &str) -> Vec<Value> {
    vec![
        event(
            "ai-message-chunk",
            json!({ "id": "<id>", "delta": format!("echo: {prompt}") }),
        ),
        event("ai-message-response", response(prompt)),
    ]
}

/// A `server-error` payload.
pub fn error(code: &str, message: &str) -> Value {
    json!({ "code": code, "message": message })
}

/// The runner's last records: all steps ran, then it disconnected itself.
pub fn finished() -> Vec<Value> {
    vec![
        json!({ "type": "done" }),
        json!({ "type": "disconnect", "reason": "io client disconnect" }),
    ]
}

/// A refused connection: its only record.
pub fn connect_error(message: &str) -> Vec<Value> {
    vec![json!({ "type": "connect_error", "message": message, "data": null })]
}
