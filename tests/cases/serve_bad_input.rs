//! Hostile input against the running server: each offender gets an error or a clean disconnect,
//! nothing panics, and a client connected at the same time keeps being served.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;

use crate::support::ws::{Ws, connect, next_json, next_packet, next_text, raw_socketio, send};
use crate::support::{Server, WAIT, health, node_client};

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

/// `GET /health`: open connections and sessions (joined or not, on any transport), and live heap
/// bytes of the server.
async fn footprint(server: &Server) -> (u64, u64) {
    let health = health(server).await;
    (
        health["connections"].as_u64().unwrap() + health["sessions"].as_u64().unwrap(),
        health["heap_bytes"].as_u64().unwrap(),
    )
}

/// Send frames while the server still takes them; a hang-up is an acceptable answer.
async fn send_all(ws: &mut Ws, frames: impl IntoIterator<Item = String>) {
    for frame in frames {
        if ws.send(Message::text(frame)).await.is_err() {
            return;
        }
    }
}

/// Every kind of hostile client once; each leaves (or is thrown out) by the end.
async fn hostile_round(server: &Server) {
    let mut bridge = connect(server, "/").await;
    for frame in [
        format!(r#"{{"event":"ai-message","data":{}}}"#, nested(4_000)),
        r#"{"event":"ai-message","data":42}"#.to_owned(),
        r#"{"event":"ai-message","data":{"prompt":["no"]}}"#.to_owned(),
        r#"{"event":"no-such-event"}"#.to_owned(),
        "not json".to_owned(),
    ] {
        send(&mut bridge, &frame).await;
        let reply = next_json(&mut bridge).await;
        assert!(reply["data"]["code"].is_string(), "{reply}");
    }
    send_all(
        &mut bridge,
        [format!(
            r#"{{"event":"message","data":"{}"}}"#,
            "x".repeat(50_000)
        )],
    )
    .await;
    while next_text(&mut bridge).await.is_some() {}

    let mut sio = raw_socketio(server).await;
    send(&mut sio, r#"42["ai-message",42]"#).await;
    send(&mut sio, r#"42["ai-message",{"prompt":null}]"#).await;
    send(&mut sio, r#"42["no-such-event",1]"#).await;
    for _ in 0..3 {
        let reply = next_packet(&mut sio).await;
        assert!(
            reply.as_deref().is_some_and(|r| r.starts_with("42")),
            "{reply:?}"
        );
    }
    // A flood until the rate limit disconnects the socket from the namespace ("41"); the
    // transport stays up until the client drops it, as with socket.disconnect() in Node.
    send_all(&mut sio, (0..500).map(|n| format!(r#"42["message",{n}]"#))).await;
    while let Some(frame) = next_packet(&mut sio).await {
        if frame == "41" {
            break;
        }
    }

    for garbage in ["42[", "4{", "9", "42[\"message\"", "\u{1}\u{2}"] {
        let mut ws = raw_socketio(server).await;
        send_all(&mut ws, [garbage.to_owned()]).await;
        // Dropped by the client whatever the server made of it.
    }
    // The same on the long-polling path.
    let polling = Polling::open(server).await;
    polling.post(r#"42["ai-message",42]"#).await;
    polling.wait_for("ai-message-error").await;
    let flood: Vec<String> = (0..200).map(|n| format!(r#"42["message",{n}]"#)).collect();
    polling.post(&flood.join("\u{1e}")).await;
    polling.wait_for("too_many_events").await;
    polling.post("1").await;
    Polling::open(server).await.post("42[").await;
    super::serve_bad_polling::hostile_polling(server).await;

    // An answer abandoned mid-flight, and a half-open HTTP request.
    let mut gone = raw_socketio(server).await;
    send(&mut gone, r#"42["ai-message",{"prompt":"never read"}]"#).await;
    drop(gone);
    let mut half = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    half.write_all(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
}

/// An Engine.IO long-polling session driven by hand, joined to the main namespace.
struct Polling {
    http: reqwest::Client,
    url: String,
}

impl Polling {
    async fn open(server: &Server) -> Self {
        let http = reqwest::Client::new();
        let base = format!("{}/socket.io/?EIO=4&transport=polling", server.url);
        let open = http.get(&base).send().await.unwrap().text().await.unwrap();
        let fields: Value = serde_json::from_str(open.trim_start_matches('0')).unwrap();
        let url = format!("{base}&sid={}", fields["sid"].as_str().unwrap());
        let session = Self { http, url };
        session.post("40").await;
        session.wait_for("40{").await;
        session
    }

    /// POST packets; the server may have closed the session already (that is the point).
    async fn post(&self, body: &str) {
        let _ = self.http.post(&self.url).body(body.to_owned()).send().await;
    }

    /// GET (bounded) until a payload contains `what`; pings are answered on the way.
    async fn wait_for(&self, what: &str) {
        for _ in 0..10 {
            let response = tokio::time::timeout(WAIT, self.http.get(&self.url).send())
                .await
                .expect("no polling answer in time")
                .unwrap();
            let body = response.text().await.unwrap();
            if body.contains(what) {
                return;
            }
            if body.split('\u{1e}').any(|packet| packet == "2") {
                self.post("3").await;
            }
        }
        panic!("polling never delivered {what:?}");
    }
}

/// Poll (bounded) until every connection is closed and the heap is back within `slack` of
/// `baseline`; returns the last footprint seen.
async fn settle(server: &Server, baseline: u64, slack: u64) -> (u64, u64) {
    let mut seen = footprint(server).await;
    for _ in 0..100 {
        if seen.0 == 0 && seen.1 <= baseline + slack {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        seen = footprint(server).await;
    }
    seen
}

/// The heap once no connection is open and two readings in a row agree (bounded).
async fn quiet_heap(server: &Server) -> u64 {
    let mut last = settle(server, 0, u64::MAX).await;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let now = footprint(server).await;
        if now == last && now.0 == 0 {
            break;
        }
        last = now;
    }
    assert_eq!(last.0, 0, "hostile connections still open");
    last.1
}

#[tokio::test]
async fn memory_returns_to_baseline_after_hostile_clients() {
    let server = Server::start(&["--max-payload", "10000", "--rate-limit", "20"]);
    // The first round grows what is sized once (runtime slabs, maps, lazy statics).
    hostile_round(&server).await;
    let baseline = quiet_heap(&server).await;
    // Each round opens ten connections of ~10-20 KiB each: a leaked connection per round, or a
    // few hundred bytes leaked per connection, adds up past the slack over three rounds.
    let slack = 24 * 1024;
    for round in 1..=3 {
        hostile_round(&server).await;
        let (connections, heap) = settle(&server, baseline, slack).await;
        eprintln!(
            "round {round}: {connections} connections, heap {heap} B (baseline {baseline} B)"
        );
        assert_eq!(
            connections, 0,
            "round {round}: hostile connections still open"
        );
        assert!(
            heap <= baseline + slack,
            "round {round}: heap {heap} B did not return to {baseline} B (+{slack})"
        );
    }
    bystander_is_served(&server);
}
