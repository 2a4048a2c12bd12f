//! `sockai serve --provider openai` against a fake OpenAI-compatible server speaking the Chat
//! Completions wire format (fixtures after the OpenAI API reference and the quirks measured on
//! llama.cpp's server), end to end through Socket.IO, the raw bridge and HTTP.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::api;
use crate::support::fake_upstream::{FakeUpstream, Reply, completion};
use crate::support::ws::next_json;
use crate::support::{Server, WAIT, node_client};

const KEY: &str = "sk-test-0123456789abcdef";

fn chunk(delta: Value, finish_reason: Value) -> String {
    let chunk = json!({
        "id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190,
        "model": "gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb",
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}],
    });
    format!("data: {chunk}\n\n")
}

/// A streamed answer "Hello there!" as OpenAI sends it: a role-only first chunk, content
/// chunks (one split across two writes), a keep-alive comment, a finish chunk, a usage chunk
/// with `choices: []`, then `[DONE]`.
fn hello_stream() -> Reply {
    let split = chunk(json!({"content": " there"}), Value::Null);
    let (a, b) = split.split_at(40);
    let usage = json!({"id": "chatcmpl-123", "object": "chat.completion.chunk", "choices": [],
                       "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}});
    Reply::sse(&[
        &chunk(json!({"role": "assistant", "content": ""}), Value::Null),
        &chunk(json!({"content": "Hello"}), Value::Null),
        a,
        b,
        ": ping - 2026-11-25 10:00:00.000000\n\n",
        &chunk(json!({"content": "!"}), Value::Null),
        &chunk(json!({}), json!("stop")),
        &format!("data: {usage}\n\n"),
        "data: [DONE]\n\n",
    ])
}

#[test]
fn streamed_answer_reaches_the_official_client_as_chunks_then_response() {
    let fake = FakeUpstream::start(vec![hello_stream()]);
    let server = fake.openai_server(KEY, &["--model", "llama3.2", "--system", "Be brief."]);
    let started = server.wait_for_log("sockai AI server started");
    assert_eq!(
        (started["provider"].as_str(), started["model"].as_str()),
        (Some("openai"), Some("llama3.2"))
    );
    let run = node_client(json!({
        "url": server.url, "options": { "transports": ["websocket"] },
        "steps": [
            { "emit": "ai-message", "args": [{ "prompt": "Say hello" }] },
            { "wait": "ai-message-response" },
        ]
    }));
    assert!(run.success, "{:#?}\n{}", run.records, run.stderr);
    let response = &run.events("ai-message-response")[0][0];
    assert_eq!(response["response"], "Hello there!");
    assert_eq!(response["finish_reason"], "stop");
    assert_eq!(
        response["usage"],
        json!({"prompt_tokens": 9, "completion_tokens": 3})
    );
    let chunks = run.events("ai-message-chunk");
    assert_eq!(chunks.len(), 3, "{chunks:?}");
    let deltas: String = chunks
        .iter()
        .map(|c| {
            assert_eq!(c[0]["id"], response["id"]);
            c[0]["delta"].as_str().unwrap()
        })
        .collect();
    assert_eq!(deltas, "Hello there!");
    // Chunks come before the response.
    let order: Vec<_> = run
        .records
        .iter()
        .filter(|r| r["type"] == "event")
        .map(|r| r["event"].as_str().unwrap())
        .collect();
    assert_eq!(order.last(), Some(&"ai-message-response"));

    let request = &fake.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.uri.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(request.headers["authorization"], format!("Bearer {KEY}"));
    assert_eq!(
        request.body,
        json!({
            "model": "llama3.2",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Say hello"},
            ],
            "max_tokens": 1024,
            "stream": true,
            "stream_options": {"include_usage": true},
        })
    );
    assert!(!server.all_logs().contains(KEY));
}

#[test]
fn memory_sends_the_last_exchanges_and_ai_reset_forgets_them() {
    let fake = FakeUpstream::start(vec![
        Reply::json(200, &completion("A1")),
        Reply::json(200, &completion("A2")),
        Reply::json(200, &completion("A3")),
        Reply::json(200, &completion("A4")),
    ]);
    let server = fake.openai_server(KEY, &["--history", "1", "--no-stream"]);
    let run = node_client(json!({
        "url": server.url, "options": { "transports": ["websocket"] },
        "steps": [
            { "emit": "ai-message", "args": [{ "prompt": "Q1" }], "ack": true },
            { "emit": "ai-message", "args": [{ "prompt": "Q2" }], "ack": true },
            { "emit": "ai-message", "args": [{ "prompt": "Q3" }], "ack": true },
            { "emit": "ai-reset", "args": [], "ack": true },
            { "emit": "ai-message", "args": [{ "prompt": "Q4" }], "ack": true },
        ]
    }));
    assert!(run.success, "{:#?}\n{}", run.records, run.stderr);
    // --no-stream: whole answers only.
    assert!(run.events("ai-message-chunk").is_empty());
    let acks: Vec<_> = run
        .records
        .iter()
        .filter(|r| r["type"] == "ack")
        .map(|r| r["args"][0].clone())
        .collect();
    assert_eq!(acks[2]["response"], "A3");
    assert_eq!(acks[3], json!({"cleared": 1}));
    let sent: Vec<Vec<String>> = fake
        .wait_requests(4)
        .iter()
        .map(|r| {
            assert_eq!(r.body["stream"], false);
            r.body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    format!(
                        "{}:{}",
                        m["role"].as_str().unwrap(),
                        m["content"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .collect();
    assert_eq!(
        sent,
        [
            vec!["user:Q1"],
            vec!["user:Q1", "assistant:A1", "user:Q2"],
            // --history 1: only the last exchange.
            vec!["user:Q2", "assistant:A2", "user:Q3"],
            // After ai-reset.
            vec!["user:Q4"],
        ]
    );
}

#[test]
fn a_second_ai_message_while_one_is_in_flight_is_busy() {
    let pieces: Vec<String> = (0..10)
        .map(|n| chunk(json!({"content": format!("{n}")}), Value::Null))
        .chain([chunk(json!({}), json!("stop")), "data: [DONE]\n\n".into()])
        .collect();
    let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let fake = FakeUpstream::start(vec![Reply::sse(&pieces)]);
    let server = fake.openai_server(KEY, &[]);
    let run = node_client(json!({
        "url": server.url, "options": { "transports": ["websocket"] },
        "steps": [
            { "emit": "ai-message", "args": [{ "prompt": "long" }] },
            { "wait": "ai-message-chunk" },
            { "emit": "ai-message", "args": [{ "prompt": "too soon" }] },
            { "wait": "ai-message-error" },
            { "wait": "ai-message-response" },
        ]
    }));
    assert!(run.success, "{:#?}\n{}", run.records, run.stderr);
    assert_eq!(run.events("ai-message-error")[0][0]["code"], "busy");
    assert_eq!(
        run.events("ai-message-response")[0][0]["response"],
        "0123456789"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn a_client_that_disconnects_mid_answer_cancels_the_upstream_request() {
    let fake = FakeUpstream::start(vec![Reply::sse_then_trickle(&[
        &chunk(json!({"role": "assistant", "content": ""}), Value::Null),
        &chunk(json!({"content": "Once upon a time"}), Value::Null),
    ])]);
    let server = fake.openai_server(KEY, &[]);
    let run = node_client(json!({
        "url": server.url, "options": { "transports": ["websocket"] },
        "steps": [
            { "emit": "ai-message", "args": [{ "prompt": "Tell me a long story" }] },
            { "wait": "ai-message-chunk" },
            { "disconnect": true },
        ]
    }));
    assert!(run.success, "{:#?}\n{}", run.records, run.stderr);
    // The fake sees its stream dropped: the server stopped reading and closed the request.
    fake.wait_cancelled();
    server.wait_for_log("AI answer cancelled: the client disconnected");
    assert_eq!(server.count_logs("AI response"), 0);
}

#[tokio::test]
async fn error_statuses_map_to_codes_after_bounded_retries_and_never_show_the_key() {
    let fake = FakeUpstream::start(vec![
        Reply::json(400, r#"{"error": {"message": "This model's maximum context length is 2048 tokens.", "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}"#),
        // llama-cpp-python's 401 shape, echoing the key as some servers do.
        Reply::json(401, &format!(r#"{{"detail": "Invalid API key {KEY}"}}"#)),
        Reply::json(403, r#"{"error": {"message": "Project does not have access to model", "type": "invalid_request_error", "code": "model_not_found"}}"#),
        // 429 twice then success: retried, honouring Retry-After.
        Reply::json(429, r#"{"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}"#).with_header("retry-after", "0"),
        Reply::json(429, r#"{"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}"#).with_header("retry-after", "0"),
        Reply::json(200, &completion("finally")),
        // 500 three times (a plain-text body): retries exhausted.
        Reply::text(500, "Internal Server Error"),
        Reply::text(500, "Internal Server Error"),
        Reply::text(500, "Internal Server Error"),
        // 503, then a Retry-After too long to wait for: reported at once.
        Reply::json(503, r#"{"error": {"message": "The server is overloaded", "type": "server_error"}}"#).with_header("retry-after", "3600"),
    ]);
    let server = fake.openai_server(KEY, &["--no-stream", "--ai-retries", "2"]);
    let cases = [
        (502, "bad_request", "maximum context length", 1),
        (502, "unauthorized", "Invalid API key", 1),
        (502, "unauthorized", "does not have access", 1),
        (200, "", "finally", 3),
        (502, "upstream", "Internal Server Error", 3),
        (503, "unavailable", "retry after 3600s", 1),
    ];
    let mut requests = 0;
    for (status, code, text, attempts) in cases {
        let response = api::send(api::request(&server, r#"{"prompt": "hi"}"#)).await;
        assert_eq!(response.status().as_u16(), status, "case {code}");
        let body: Value = response.json().await.unwrap();
        if status == 200 {
            assert_eq!(body["response"], text);
        } else {
            assert_eq!(body["code"], code, "{body}");
            let message = body["message"].as_str().unwrap();
            assert!(message.contains(text), "{message}");
            assert!(message.starts_with("openai: "), "{message}");
            assert!(!message.contains(KEY), "{message}");
        }
        requests += attempts;
        assert_eq!(fake.requests().len(), requests, "attempts for {code}");
    }
    server.wait_for_log("AI provider failed, retrying");
    assert!(
        !server.all_logs().contains(KEY),
        "the key leaked into the logs"
    );
}

#[tokio::test]
async fn rate_limited_after_retries() {
    let fake = FakeUpstream::start(vec![
        Reply::json(
            429,
            r#"{"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}"#,
        )
        .with_header("retry-after", "0"),
    ]);
    let server = fake.openai_server(KEY, &["--no-stream", "--ai-retries", "1"]);
    let response = api::send(api::request(&server, r#"{"prompt": "hi"}"#)).await;
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "rate_limited"
    );
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn an_error_mid_stream_reaches_the_bridge_after_its_chunks() {
    let fake = FakeUpstream::start(vec![Reply::sse(&[
        &chunk(json!({"role": "assistant", "content": "Hel"}), Value::Null),
        "data: {\"error\": {\"message\": \"Model crashed while generating\", \"type\": \"server_error\", \"code\": 500}}\n\n",
    ])]);
    let server = fake.openai_server(KEY, &[]);
    let (mut ws, _) = tokio_tungstenite::connect_async(server.ws_url("/"))
        .await
        .unwrap();
    ws.send(Message::text(
        r#"{"event": "ai-message", "data": {"prompt": "hi"}}"#,
    ))
    .await
    .unwrap();
    let chunk = next_json(&mut ws).await;
    assert_eq!(chunk["event"], "ai-message-chunk");
    assert_eq!(chunk["data"]["delta"], "Hel");
    let error = next_json(&mut ws).await;
    assert_eq!(error["event"], "ai-message-error");
    assert_eq!(error["data"]["code"], "upstream");
    assert!(
        error["data"]["message"]
            .as_str()
            .unwrap()
            .contains("Model crashed"),
        "{error}"
    );
}

/// The body of a `text/event-stream` answer as (event, data) pairs.
fn sse_events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .map(|event| {
            let mut name = String::new();
            let mut data = String::new();
            for line in event.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            (name, serde_json::from_str(&data).unwrap())
        })
        .collect()
}

#[tokio::test]
async fn api_ai_streams_server_sent_events_when_asked() {
    let fake = FakeUpstream::start(vec![hello_stream()]);
    let server = fake.openai_server(KEY, &[]);
    let response = api::send(
        api::request(&server, r#"{"prompt": "hi"}"#).header("accept", "text/event-stream"),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = sse_events(&response.text().await.unwrap());
    let names: Vec<_> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "ai-message-chunk",
            "ai-message-chunk",
            "ai-message-chunk",
            "ai-message-response"
        ]
    );
    assert_eq!(events[3].1["response"], "Hello there!");
    assert_eq!(events[0].1["id"], events[3].1["id"]);
    // Without Accept, the same answer is one JSON object.
    let plain: Value = api::send(api::request(&server, r#"{"prompt": "hi"}"#))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(plain["response"], "Hello there!");
}

#[tokio::test]
async fn a_stream_that_stops_without_finishing_is_an_error_not_an_empty_answer() {
    let fake = FakeUpstream::start(vec![
        // llama.cpp with a prompt over the context window: 200, empty body, no [DONE].
        Reply::sse(&[]),
        // Some text, then the connection ends without a finish reason or [DONE].
        Reply::sse(&[&chunk(json!({"content": "Half an ans"}), Value::Null)]),
    ]);
    let server = fake.openai_server(KEY, &[]);
    // Failing before the first chunk: the plain JSON error and its status.
    let response = api::send(
        api::request(&server, r#"{"prompt": "hi"}"#).header("accept", "text/event-stream"),
    )
    .await;
    assert_eq!(response.status().as_u16(), 502);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "upstream");
    assert!(
        error["message"].as_str().unwrap().contains("ended before"),
        "{error}"
    );
    // Failing after a chunk: the stream ends with an ai-message-error event.
    let response = api::send(
        api::request(&server, r#"{"prompt": "hi"}"#).header("accept", "text/event-stream"),
    )
    .await;
    assert_eq!(response.status(), 200);
    let events = sse_events(&response.text().await.unwrap());
    assert_eq!(events[0].0, "ai-message-chunk");
    assert_eq!(events.last().unwrap().0, "ai-message-error");
    assert_eq!(events.last().unwrap().1["code"], "upstream");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let fake = FakeUpstream::start(vec![Reply::Hang]);
    let server = fake.openai_server(KEY, &["--ai-timeout", "500ms"]);
    let response = api::send(api::request(&server, r#"{"prompt": "hi"}"#)).await;
    assert_eq!(response.status().as_u16(), 504);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "timeout");
    assert!(
        error["message"].as_str().unwrap().contains("500ms"),
        "{error}"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}/v1");
    let server = Server::start(&["--provider", "openai", "--base-url", &base]);
    let response = api::send(api::request(&server, r#"{"prompt": "hi"}"#)).await;
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "unavailable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrent_ai_bounds_the_requests_to_the_provider() {
    let fake = FakeUpstream::start(vec![Reply::Hang]);
    // The first answer holds the only slot for the whole --ai-timeout; the second, meanwhile,
    // must wait for it and never reach the provider.
    let server = fake.openai_server(KEY, &["--max-concurrent-ai", "1", "--ai-timeout", "10s"]);
    let first = tokio::spawn(api::request(&server, r#"{"prompt": "one"}"#).send());
    fake.wait_requests(1);
    let second = api::request(&server, r#"{"prompt": "two"}"#)
        .timeout(std::time::Duration::from_secs(1))
        .send()
        .await;
    assert!(
        second.is_err_and(|e| e.is_timeout()),
        "the second answer did not wait"
    );
    assert_eq!(fake.requests().len(), 1);
    first.abort();
}

#[tokio::test]
async fn an_http_stream_client_that_goes_away_cancels_the_upstream_request() {
    let fake = FakeUpstream::start(vec![Reply::sse_then_trickle(&[
        &chunk(json!({"role": "assistant", "content": ""}), Value::Null),
        &chunk(json!({"content": "Once upon a time"}), Value::Null),
    ])]);
    let server = fake.openai_server(KEY, &[]);
    // A plain TCP client: dropping it surely closes the connection (an HTTP client library
    // may keep it open to drain the body).
    let mut tcp = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    let body = r#"{"prompt": "Tell me a long story"}"#;
    let request = format!(
        "POST /api/ai HTTP/1.1\r\nhost: localhost\r\naccept: text/event-stream\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("Once upon a time") {
        let mut buf = [0; 4096];
        let n = tokio::time::timeout(WAIT, tcp.read(&mut buf))
            .await
            .expect("no answer in time")
            .unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200"));
    drop(tcp);
    server.wait_for_log("AI answer cancelled: the HTTP client went away");
    // The fake sees its stream dropped: the server stopped reading and closed the request.
    fake.wait_cancelled();
    assert_eq!(server.count_logs("AI response"), 0);
}
