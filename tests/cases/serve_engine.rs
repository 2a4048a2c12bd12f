//! The Engine.IO v4 rules of `sockai serve`'s engine, by hand over HTTP and WebSocket, on the raw
//! Engine.IO echo `--echo-server` mounts at `/engine.io/` (what the official Engine.IO v4 test
//! suite checks, written here in our own words), and the HTTP errors on `/socket.io/` too.

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::polling::{Polling, get, request};
use crate::support::ws::{Ws, connect, next_frame, send, until_closed};
use crate::support::{Server, WAIT};

const ENGINE: &str = "/engine.io/";

/// The next frame that is not a ping (pings go unanswered).
async fn next_non_ping(ws: &mut Ws) -> Option<Message> {
    loop {
        match next_frame(ws).await? {
            Message::Text(text) if text.as_str() == "2" => {}
            frame => return Some(frame),
        }
    }
}

fn open_fields(open: &str) -> Value {
    assert!(open.starts_with('0'), "{open}");
    serde_json::from_str(&open[1..]).unwrap()
}

#[tokio::test]
async fn handshakes_announce_the_settings_on_both_transports() {
    let server = Server::echo_server();
    for path in [ENGINE, "/socket.io/"] {
        let (polling, open) = Polling::open(&server, path).await;
        let fields = open_fields(&open);
        assert_eq!(
            fields,
            json!({"sid": polling.sid, "upgrades": ["websocket"], "pingInterval": 300,
                   "pingTimeout": 200, "maxPayload": 1000000}),
            "{path}"
        );
        let mut ws = connect(&server, &format!("{path}?EIO=4&transport=websocket")).await;
        let Some(Message::Text(open)) = next_frame(&mut ws).await else {
            panic!("no open packet");
        };
        let fields = open_fields(open.as_str());
        assert_eq!(fields["upgrades"], json!([]), "{path}");
        assert_eq!(fields["maxPayload"], 1000000);
    }
}

#[tokio::test]
async fn bad_requests_get_400_with_nodes_bodies() {
    let server = Server::echo_server();
    let http = reqwest::Client::new();
    let body = |code: u32, message: &str| json!({ "code": code, "message": message });
    for path in [ENGINE, "/socket.io/"] {
        let url = |query: &str| format!("{}{path}?{query}", server.url);
        let cases = [
            (
                http.get(url("transport=polling")),
                body(5, "Unsupported protocol version"),
            ),
            (
                http.get(url("EIO=abc&transport=polling")),
                body(5, "Unsupported protocol version"),
            ),
            (
                http.get(url("EIO=3&transport=polling")),
                body(5, "Unsupported protocol version"),
            ),
            (http.get(url("EIO=4")), body(0, "Transport unknown")),
            (
                http.get(url("EIO=4&transport=abc")),
                body(0, "Transport unknown"),
            ),
            (
                http.post(url("EIO=4&transport=polling")),
                body(2, "Bad handshake method"),
            ),
            (
                http.put(url("EIO=4&transport=polling")),
                body(2, "Bad handshake method"),
            ),
            (
                http.get(url("EIO=4&transport=polling&sid=nope")),
                body(1, "Session ID unknown"),
            ),
            (
                http.post(url("EIO=4&transport=polling&sid=nope")),
                body(1, "Session ID unknown"),
            ),
            // A WebSocket handshake for an unknown sid, and a plain GET asking for a WebSocket.
            (
                http.get(url("EIO=4&transport=websocket&sid=nope")),
                body(1, "Session ID unknown"),
            ),
            (
                http.get(url("EIO=4&transport=websocket")),
                body(3, "Bad request"),
            ),
        ];
        for (request_builder, expected) in cases {
            let (status, text) = request(request_builder).await;
            assert_eq!(status, 400, "{path}: {text}");
            assert_eq!(
                serde_json::from_str::<Value>(&text).unwrap(),
                expected,
                "{path}"
            );
        }
        // A WebSocket client sees the handshake refused.
        for query in [
            "transport=websocket",
            "EIO=abc&transport=websocket",
            "EIO=4&transport=abc",
        ] {
            let refused =
                tokio_tungstenite::connect_async(server.ws_url(&format!("{path}?{query}")));
            assert!(refused.await.is_err(), "{path}?{query}");
        }
    }
}

#[tokio::test]
async fn polling_posts_are_answered_ok_and_messages_come_back_in_payloads() {
    let server = Server::echo_server();
    let (polling, _) = Polling::open(&server, ENGINE).await;
    assert_eq!(polling.post("4hello").await, (200, "ok".to_owned()));
    assert_eq!(polling.get().await, (200, "4hello".to_owned()));
    assert_eq!(polling.post("4test1\x1e4test2\x1e4test3").await.1, "ok");
    assert_eq!(polling.get().await.1, "4test1\x1e4test2\x1e4test3");
    // Binary as b<base64>, both ways.
    assert_eq!(polling.post("4hello\x1ebAQIDBA==").await.1, "ok");
    assert_eq!(polling.get().await.1, "4hello\x1ebAQIDBA==");
}

#[tokio::test]
async fn a_malformed_polling_payload_closes_the_session() {
    let server = Server::echo_server();
    let (polling, _) = Polling::open(&server, ENGINE).await;
    assert_eq!(polling.post("abc").await.0, 400);
    assert_eq!(polling.get().await.0, 400);
}

#[tokio::test]
async fn a_second_pending_get_closes_the_session() {
    let server = Server::echo_server();
    let (polling, _) = Polling::open(&server, ENGINE).await;
    let first = polling.get();
    let second = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        polling.get().await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first, (200, "1".to_owned()));
    assert_eq!(second.0, 400);
    assert_eq!(polling.get().await.0, 400);
}

#[tokio::test]
async fn an_abandoned_get_closes_the_session() {
    let server = Server::echo_server();
    let (polling, _) = Polling::open(&server, ENGINE).await;
    let abandoned = polling.http.get(&polling.url).send();
    // Dropped unanswered: the connection goes with it.
    assert!(
        tokio::time::timeout(Duration::from_millis(100), abandoned)
            .await
            .is_err()
    );
    // The server notices the closed connection at once; poll a bounded while for it.
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, _) = request(reqwest::Client::new().get(&polling.url)).await;
        if status == 400 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the session outlived its abandoned GET"
        );
    }
}

#[tokio::test]
async fn websocket_messages_are_echoed_and_garbage_closes() {
    let server = Server::echo_server();
    let mut ws = connect(&server, "/engine.io/?EIO=4&transport=websocket").await;
    next_frame(&mut ws).await.expect("open packet");
    send(&mut ws, "4hello").await;
    assert_eq!(next_non_ping(&mut ws).await, Some(Message::text("4hello")));
    ws.send(Message::binary(vec![1, 2, 3, 4])).await.unwrap();
    assert_eq!(
        next_non_ping(&mut ws).await,
        Some(Message::binary(vec![1, 2, 3, 4]))
    );
    send(&mut ws, "abc").await;
    until_closed(&mut ws).await;
}

#[tokio::test]
async fn polling_heartbeat_pings_and_drops_a_silent_session() {
    let server = Server::echo_server();
    let (polling, _) = Polling::open(&server, ENGINE).await;
    for _ in 0..3 {
        assert_eq!(polling.get().await, (200, "2".to_owned()));
        assert_eq!(polling.post("3").await, (200, "ok".to_owned()));
    }
    // No pong: gone at ping + pingTimeout.
    let (silent, _) = Polling::open(&server, ENGINE).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(silent.get().await.0, 400);
}

#[tokio::test]
async fn websocket_heartbeat_pings_and_drops_a_silent_session() {
    let server = Server::echo_server();
    let mut ws = connect(&server, "/engine.io/?EIO=4&transport=websocket").await;
    next_frame(&mut ws).await.expect("open packet");
    let opened = Instant::now();
    for _ in 0..3 {
        assert_eq!(next_frame(&mut ws).await, Some(Message::text("2")));
        send(&mut ws, "3").await;
    }
    assert!(opened.elapsed() >= Duration::from_millis(800));
    let mut silent = connect(&server, "/engine.io/?EIO=4&transport=websocket").await;
    let opened = Instant::now();
    until_closed(&mut silent).await;
    let closed = opened.elapsed();
    assert!(
        closed >= Duration::from_millis(450) && closed < Duration::from_secs(3),
        "{closed:?}"
    );
}

#[tokio::test]
async fn a_close_packet_ends_the_session_on_both_transports() {
    let server = Server::echo_server();
    let (polling, _) = Polling::open(&server, ENGINE).await;
    let pending = polling.get();
    let close = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        polling.post("1").await
    };
    let (pending, closed) = tokio::join!(pending, close);
    assert_eq!(pending, (200, "6".to_owned()));
    assert_eq!(closed.0, 200);
    assert_eq!(polling.get().await.0, 400);

    let mut ws = connect(&server, "/engine.io/?EIO=4&transport=websocket").await;
    next_frame(&mut ws).await.expect("open packet");
    send(&mut ws, "1").await;
    until_closed(&mut ws).await;
}

#[tokio::test]
async fn a_get_that_comes_just_after_the_close_still_gets_the_noop() {
    // The official Engine.IO suite sends its GET and the closing POST at once: either may reach
    // the session first, and the GET is answered with the noop both ways, the next one with 400.
    let server = Server::echo_server();
    let (polling, _) = Polling::open(&server, ENGINE).await;
    assert_eq!(polling.post("1").await.0, 200);
    assert_eq!(polling.get().await, (200, "6".to_owned()));
    assert_eq!(polling.get().await.0, 400);
}

#[tokio::test]
async fn polling_upgrades_to_websocket_and_the_sid_takes_nothing_else_after() {
    let server = Server::echo_server();
    let (polling, _) = Polling::open(&server, ENGINE).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(polling.upgrade_url(&server))
        .await
        .unwrap();
    send(&mut ws, "2probe").await;
    assert_eq!(next_frame(&mut ws).await, Some(Message::text("3probe")));
    // The GET of a session being upgraded ends at once with a noop.
    assert_eq!(polling.get().await, (200, "6".to_owned()));
    send(&mut ws, "5").await;
    send(&mut ws, "4hello").await;
    assert_eq!(next_non_ping(&mut ws).await, Some(Message::text("4hello")));
    // Polling on the upgraded sid is refused, a second WebSocket for it closed.
    assert_eq!(polling.get().await.0, 400);
    assert_eq!(polling.post("4x").await.0, 400);
    let (mut second, _) = tokio_tungstenite::connect_async(polling.upgrade_url(&server))
        .await
        .unwrap();
    until_closed(&mut second).await;
    // The upgraded session goes on.
    send(&mut ws, "4again").await;
    assert_eq!(next_non_ping(&mut ws).await, Some(Message::text("4again")));
    assert_eq!(get(&format!("{}/health", server.url)).await.0, 200);
}

#[tokio::test]
async fn max_payload_bounds_post_bodies_and_websocket_messages() {
    let server = Server::start(&["--echo-server", "--max-payload", "100"]);
    let (polling, _) = Polling::open(&server, ENGINE).await;
    assert_eq!(polling.post(format!("4{}", "x".repeat(200))).await.0, 413);
    assert_eq!(polling.get().await.0, 400, "the session ended");
    let mut ws = connect(&server, "/engine.io/?EIO=4&transport=websocket").await;
    next_frame(&mut ws).await.expect("open packet");
    send(&mut ws, &format!("4{}", "x".repeat(200))).await;
    until_closed(&mut ws).await;
}

#[tokio::test]
async fn a_polling_client_that_never_fetches_its_packets_is_dropped() {
    // Echoed bodies pile up unread; past four bodies' worth (at least 1 MiB) the session ends.
    let server = Server::start(&["--echo-server", "--max-payload", "100000"]);
    let (polling, _) = Polling::open(&server, ENGINE).await;
    let body = format!("4{}", "x".repeat(99_000));
    let mut accepted = 0;
    while polling.post(body.clone()).await.0 == 200 {
        accepted += 1;
        assert!(accepted <= 20, "the queue is unbounded");
    }
    assert!(accepted >= 10, "dropped after {accepted} bodies");
    assert_eq!(polling.get().await.0, 400);
}
