//! Hostile input against the running server: each offender gets an error or a clean disconnect,
//! nothing panics, and a client connected at the same time keeps being served.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::ws::{connect, next_text};
use crate::support::{Server, node_client};

/// A well-behaved official client gets its answer: the server is still fine for others.
fn bystander_is_served(server: &Server) {
    let run = node_client(json!({
        "url": server.url,
        "options": { "transports": ["websocket"] },
        "steps": [
            { "emit": "ai-message", "args": [{ "prompt": "are you ok?" }] },
            { "wait": "ai-message-response" },
        ],
    }));
    assert!(run.success, "{:#?}\n{}", run.records, run.stderr);
    assert_eq!(
        run.events("ai-message-response")[0][0]["response"],
        "echo: are you ok?"
    );
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[tokio::test]
async fn deeply_nested_json_on_the_bridge_is_an_error_not_a_crash() {
    let server = Server::start(&[]);
    let mut ws = connect(&server, "/").await;
    let frame = format!(r#"{{"event":"ai-message","data":{}}}"#, nested(100_000));
    ws.send(Message::text(frame)).await.unwrap();
    let error: Value = serde_json::from_str(&next_text(&mut ws).await.unwrap()).unwrap();
    assert_eq!(error["event"], "error");
    assert_eq!(error["data"]["code"], "invalid_payload");
    // Same socket, next frame: still answered.
    ws.send(Message::text(
        r#"{"event":"ai-message","data":{"prompt":"ok"}}"#,
    ))
    .await
    .unwrap();
    let mut answer: Value = serde_json::from_str(&next_text(&mut ws).await.unwrap()).unwrap();
    while answer["event"] == "ai-message-chunk" {
        answer = serde_json::from_str(&next_text(&mut ws).await.unwrap()).unwrap();
    }
    assert_eq!(answer["data"]["response"], "echo: ok");
    bystander_is_served(&server);
}

#[tokio::test]
async fn deeply_nested_json_over_socketio_ends_only_that_session() {
    let server = Server::start(&[]);
    let mut ws = connect(&server, "/socket.io/?EIO=4&transport=websocket").await;
    assert!(next_text(&mut ws).await.unwrap().starts_with("0{"));
    ws.send(Message::text("40")).await.unwrap();
    while !next_text(&mut ws).await.unwrap().starts_with("40") {}
    let packet = format!(r#"42["ai-message",{}]"#, nested(100_000));
    ws.send(Message::text(packet)).await.unwrap();
    // Answered with an error, or cut off as a malformed packet: either way, no answer, no crash.
    while let Some(text) = next_text(&mut ws).await {
        if text.starts_with("42") {
            assert!(text.contains("invalid_payload"), "{text}");
            break;
        }
        if text == "1" {
            break;
        }
    }
    bystander_is_served(&server);
}

#[tokio::test]
async fn oversized_frames_close_the_offender_only() {
    let server = Server::start(&["--max-payload", "10000"]);
    let big = "x".repeat(50_000);

    let mut bridge = connect(&server, "/").await;
    let frame = format!(r#"{{"event":"message","data":"{big}"}}"#);
    // The server may close before the whole frame is written; both outcomes are fine.
    let _ = bridge.send(Message::text(frame)).await;
    assert_eq!(
        next_text(&mut bridge).await,
        None,
        "the bridge should close on an oversized frame"
    );

    let mut sio = connect(&server, "/socket.io/?EIO=4&transport=websocket").await;
    assert!(next_text(&mut sio).await.unwrap().starts_with("0{"));
    let _ = sio
        .send(Message::text(format!(r#"42["message","{big}"]"#)))
        .await;
    while let Some(text) = next_text(&mut sio).await {
        assert!(!text.starts_with("42"), "{text}");
    }
    bystander_is_served(&server);
}

#[tokio::test]
async fn a_client_that_never_answers_pings_is_dropped() {
    // Short enough to see the drop quickly, long enough for the bystander to answer its pings
    // on a busy CI machine.
    let server = Server::start(&["--ping-interval", "500ms", "--ping-timeout", "1s"]);
    let mut silent = connect(&server, "/socket.io/?EIO=4&transport=websocket").await;
    assert!(next_text(&mut silent).await.unwrap().starts_with("0{"));
    silent.send(Message::text("40")).await.unwrap();
    // Read (so the socket is not stuck) but never answer a ping.
    while next_text(&mut silent).await.is_some() {}
    let gone = server.wait_for_log("A user disconnected");
    assert!(gone["reason"].as_str().unwrap().contains("PONG"), "{gone}");
    bystander_is_served(&server);
}
