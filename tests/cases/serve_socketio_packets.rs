//! `sockai serve`'s Socket.IO sessions by hand: Engine.IO v4 / Socket.IO v5 over a plain
//! WebSocket, pinning the exact packets and the reasons the server logs. Some of what it pins is
//! odd (each such test says "today"): a change there should be a decision, not an accident.
//! (The official client on both transports is in serve_transports_alike.rs.)

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use crate::support::socket_log::{
    AUTH_REFUSAL, REASON_CLOSED, REASON_DROPPED, REASON_NAMESPACE_LEFT, REASON_NO_PONG,
    REASON_PARSE_ERROR, is_request_id, log_of, logs_of,
};
use crate::support::ws::{Ws, assert_joined, joined, next_packet, next_text, open_session, send};
use crate::support::{Server, WAIT};
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
async fn frames_until_end(ws: &mut Ws) -> (Vec<String>, Ending) {
    let (mut texts, ending) = frames_until_end_with_pings(ws).await;
    texts.retain(|t| t != "2");
    (texts, ending)
}

/// `frames_until_end`, pings included.
async fn frames_until_end_with_pings(ws: &mut Ws) -> (Vec<String>, Ending) {
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
    let (mut ws, packet, sid) = open_session(&server).await;
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
    let (mut ws, _, sid) = open_session(&server).await;
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
    let (mut ws, _, sid) = open_session(&server).await;
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
    let (mut ws, _, sid) = open_session(&server).await;
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
            r#"42["server-error",{"code":"unknown_event","message":"unknown event \"dance\"; this server handles \"message\", \"ai-message\", \"ai-reset\" and \"ai-cancel\""}]"#
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
    let (mut ws, _, sid) = open_session(&server).await;
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
    let (texts, ending) = frames_until_end_with_pings(&mut ws).await;
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
    let (mut ws, _, sid) = open_session(&server).await;
    send(&mut ws, "40").await;
    let sid = assert_joined(next_text(&mut ws).await, &sid);
    assert_eq!(next_text(&mut ws).await.as_deref(), Some("2"));
    let pinged = Instant::now();
    let (texts, ending) = frames_until_end_with_pings(&mut ws).await;
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
        frames_until_end(&mut ws).await,
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
        frames_until_end(&mut ws).await,
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
            frames_until_end(&mut ws).await,
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
    let (texts, _) = frames_until_end(&mut ws).await;
    assert!(texts.iter().all(|t| !t.starts_with("42")), "{texts:?}");
    log_of(&server, "A user disconnected", &sid);
    assert_eq!(server.count_logs("AI response"), 0);
}
