//! `ai-cancel`: an answer in flight is stopped on every kind of client (Socket.IO over each
//! transport, the raw bridge, the REPL's `cancel`): the provider request is dropped (the fake
//! upstream sees its stream closed) and the answer ends with `ai-message-response` holding the
//! text so far and `finish_reason: "cancelled"`. Nothing to cancel is acknowledged `false`; a
//! malformed argument is a bad request.

use serde_json::{Value, json};

use crate::support::fake_upstream::{FakeUpstream, Reply};
use crate::support::ws::{connect, next_json, next_non_chunk, next_packet, raw_socketio, send};
use crate::support::{Server, connect_script, node_client, of_type, received};

const KEY: &str = "sk-test";
const SO_FAR: &str = "Once upon a time";

/// An OpenAI stream that sends `SO_FAR` and then only keep-alives until the client goes.
fn slow_story() -> FakeUpstream {
    let chunk = |delta: Value| {
        let chunk = json!({
            "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1694268190,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": null}],
        });
        format!("data: {chunk}\n\n")
    };
    FakeUpstream::start(vec![Reply::sse_then_trickle(&[
        &chunk(json!({"role": "assistant", "content": ""})),
        &chunk(json!({ "content": SO_FAR })),
    ])])
}

fn assert_cancelled(response: &Value, text: &str) {
    assert_eq!(response["finish_reason"], "cancelled", "{response}");
    assert_eq!(response["response"], text, "{response}");
    assert!(response["id"].is_string(), "{response}");
}

#[test]
fn ai_cancel_drops_the_upstream_request_on_every_socketio_transport() {
    for transport in ["websocket", "polling"] {
        let fake = slow_story();
        let server = fake.openai_server(KEY, &[]);
        let run = node_client(json!({
            "url": server.url, "options": { "transports": [transport] },
            "steps": [
                { "emit": "ai-message", "args": [{ "prompt": "Tell me a long story" }] },
                { "wait": "ai-message-chunk" },
                { "emit": "ai-cancel", "args": [{}], "ack": true },
                { "wait": "ai-message-response" },
            ]
        }));
        assert!(
            run.success,
            "{transport}: {:#?}\n{}",
            run.records, run.stderr
        );
        let ack = run.records.iter().find(|r| r["type"] == "ack").unwrap();
        assert_eq!(ack["args"], json!([{ "cancelled": true }]), "{transport}");
        assert_cancelled(&run.events("ai-message-response")[0][0], SO_FAR);
        assert!(run.events("ai-message-error").is_empty(), "{transport}");
        fake.wait_cancelled();
        server.wait_for_log("AI answer cancelled by the client");
        assert_eq!(server.count_logs("AI response"), 0);
    }
}

/// The next packet that is not an `ai-message-chunk`.
async fn next_not_chunk(ws: &mut crate::support::ws::Ws) -> String {
    loop {
        let packet = next_packet(ws).await.expect("a packet");
        if !packet.starts_with(r#"42["ai-message-chunk""#) {
            return packet;
        }
    }
}

#[tokio::test]
async fn ai_cancel_acks_says_what_it_stopped_and_refuses_bad_arguments() {
    let server = Server::start(&["--echo-delay-ms", "60000"]);
    let mut ws = raw_socketio(&server).await;
    let prompt = r#"42["ai-message",{"prompt":"a long prompt that takes a minute to echo"}]"#;
    send(&mut ws, prompt).await;
    send(&mut ws, r#"421["ai-cancel",{"id":"00000000-1"}]"#).await;
    assert_eq!(next_not_chunk(&mut ws).await, r#"431[{"cancelled":false}]"#);
    send(&mut ws, "422[\"ai-cancel\"]").await;
    assert_eq!(next_not_chunk(&mut ws).await, r#"432[{"cancelled":true}]"#);
    let response = next_not_chunk(&mut ws).await;
    let response: Value = serde_json::from_str(&response[2..]).unwrap();
    assert_eq!(response[0], "ai-message-response");
    // The echo had streamed nothing yet: the text so far is empty.
    assert_cancelled(&response[1], "");
    // Nothing in flight any more: no error, just `false`.
    send(&mut ws, "423[\"ai-cancel\",{}]").await;
    assert_eq!(next_not_chunk(&mut ws).await, r#"433[{"cancelled":false}]"#);
    send(&mut ws, "424[\"ai-cancel\",7]").await;
    let error = next_not_chunk(&mut ws).await;
    assert!(
        error.starts_with(r#"42["server-error",{"code":"invalid_payload""#),
        "{error}"
    );
    assert!(
        next_not_chunk(&mut ws)
            .await
            .starts_with("434[{\"code\":\"invalid_payload\"")
    );
    // The socket is free again: a new answer starts (not `busy`) and can be cancelled by id.
    send(&mut ws, prompt).await;
    send(&mut ws, "425[\"ai-cancel\"]").await;
    assert_eq!(next_not_chunk(&mut ws).await, r#"435[{"cancelled":true}]"#);
    let again = next_not_chunk(&mut ws).await;
    assert!(again.contains(r#""finish_reason":"cancelled""#), "{again}");
}

#[tokio::test]
async fn ai_cancel_on_the_bridge() {
    let fake = slow_story();
    let server = fake.openai_server(KEY, &[]);
    let mut bridge = connect(&server, "/").await;
    let ask = r#"{"event": "ai-message", "data": {"prompt": "Tell me a long story"}}"#;
    send(&mut bridge, ask).await;
    let chunk = next_json(&mut bridge).await;
    assert_eq!(chunk["event"], "ai-message-chunk", "{chunk}");
    let cancel = json!({"event": "ai-cancel", "data": {"id": chunk["data"]["id"]}});
    send(&mut bridge, &cancel.to_string()).await;
    let response = next_non_chunk(&mut bridge).await;
    assert_eq!(response["event"], "ai-message-response", "{response}");
    assert_cancelled(&response["data"], SO_FAR);
    assert_eq!(response["data"]["id"], chunk["data"]["id"]);
    fake.wait_cancelled();
    send(&mut bridge, r#"{"event": "ai-cancel", "data": "all"}"#).await;
    let error = next_json(&mut bridge).await;
    assert_eq!(error["event"], "error", "{error}");
    assert_eq!(error["data"]["code"], "invalid_payload", "{error}");
}

#[test]
fn the_repl_cancel_command_stops_the_answer() {
    let server = Server::start(&["--echo-delay-ms", "60000"]);
    let (records, stderr, code) = connect_script(
        &[&server.url],
        "ai a long story please\ncancel\nwait ai-message-response\n",
    );
    assert_eq!(code, 0, "{stderr}\n{records:#?}");
    let acks = of_type(&records, "ack");
    assert_eq!(acks.len(), 1, "{records:#?}");
    assert!(
        acks[0].to_string().contains(r#"{"cancelled":true}"#),
        "{records:#?}"
    );
    let responses = received(&records, "ai-message-response");
    assert_eq!(responses.len(), 1, "{records:#?}");
    assert!(
        responses[0]
            .to_string()
            .contains(r#""finish_reason":"cancelled""#),
        "{records:#?}"
    );
}
