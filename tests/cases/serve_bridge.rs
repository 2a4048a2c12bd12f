//! The raw-WebSocket bridge at `/`: the seed's Postman steps, with a plain WebSocket client.

use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::support::Server;
use crate::support::ws::{Ws, connect, next_json, next_non_chunk, send};

async fn open(server: &Server) -> Ws {
    connect(server, "/").await
}

#[tokio::test]
async fn postman_flow_ai_message_gets_ai_message_response() {
    let server = Server::start(&[]);
    let mut ws = open(&server).await;
    server.wait_for_log("A user connected");
    send(
        &mut ws,
        r#"{"event": "ai-message", "data": {"prompt": "Hello AI"}}"#,
    )
    .await;
    // The answer streams as chunks, then comes whole; both carry the request id.
    let chunk = next_json(&mut ws).await;
    let id = chunk["data"]["id"].as_str().expect("chunk id").to_owned();
    assert_eq!(
        chunk,
        json!({"event": "ai-message-chunk", "data": {"id": id, "delta": "echo: Hello AI"}})
    );
    assert_eq!(
        next_json(&mut ws).await,
        json!({"event": "ai-message-response", "data": {"response": "echo: Hello AI", "id": id, "finish_reason": "stop"}})
    );
    assert_eq!(
        server.wait_for_log("received AI message")["prompt"],
        "Hello AI"
    );
    ws.close(None).await.unwrap();
    server.wait_for_log("A user disconnected");
}

#[tokio::test]
async fn message_is_logged() {
    let server = Server::start(&[]);
    let mut ws = open(&server).await;
    send(
        &mut ws,
        r#"{"event": "message", "data": {"text": "Hello from Postman"}}"#,
    )
    .await;
    let logged = server.wait_for_log("message received from client");
    assert_eq!(logged["payload"], r#"{"text":"Hello from Postman"}"#);
}

#[tokio::test]
async fn bad_frames_get_error_events_and_the_socket_stays_open() {
    let server = Server::start(&[]);
    let mut ws = open(&server).await;
    send(&mut ws, "{not json").await;
    assert_eq!(next_json(&mut ws).await["data"]["code"], "invalid_payload");
    send(&mut ws, r#"{"data": {}}"#).await;
    assert_eq!(next_json(&mut ws).await["data"]["code"], "invalid_payload");
    send(&mut ws, r#"{"event": "dance", "data": {}}"#).await;
    let unknown = next_json(&mut ws).await;
    assert_eq!(unknown["event"], "error");
    assert_eq!(unknown["data"]["code"], "unknown_event");
    ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(
        next_json(&mut ws).await["data"]["code"],
        "binary_not_supported"
    );
    send(&mut ws, r#"{"event": "ai-message", "data": {"prompt": 5}}"#).await;
    let bad_prompt = next_json(&mut ws).await;
    assert_eq!(bad_prompt["event"], "ai-message-error");
    assert_eq!(bad_prompt["data"]["code"], "invalid_prompt");
    send(
        &mut ws,
        r#"{"event": "ai-message", "data": {"prompt": "still open"}}"#,
    )
    .await;
    assert_eq!(
        next_non_chunk(&mut ws).await["data"]["response"],
        "echo: still open"
    );
}

#[tokio::test]
async fn shutdown_lets_the_answer_in_flight_finish() {
    let mut server = Server::start(&["--echo-delay-ms", "500"]);
    let mut ws = open(&server).await;
    send(
        &mut ws,
        r#"{"event": "ai-message", "data": {"prompt": "finish me"}}"#,
    )
    .await;
    server.wait_for_log("received AI message");
    let pid_status = tokio::task::spawn_blocking(move || {
        let status = server.terminate();
        (server, status)
    });
    assert_eq!(
        next_non_chunk(&mut ws).await["data"]["response"],
        "echo: finish me"
    );
    let (server, status) = pid_status.await.unwrap();
    assert!(status.success(), "{status:?}");
    server.wait_for_log("server stopped");
}
