//! Hostile long-polling and upgrade clients against the AI server: each gets the right status
//! or a closed session, nothing panics, and a client connected meanwhile keeps being served.
//! (The memory side: `hostile_polling` runs in serve_bad_input's baseline rounds.)

use std::time::Duration;

use futures_util::SinkExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::polling::{Polling, request};
use crate::support::ws::{next_text, send};
use crate::support::{Server, WAIT};

/// Open a polling session and join `/`; the CONNECT reply read.
async fn joined(server: &Server) -> Polling {
    let (polling, _) = Polling::open(server, "/socket.io/").await;
    assert_eq!(polling.post("40").await.1, "ok");
    let (status, body) = polling.get().await;
    assert!(status == 200 && body.starts_with("40{"), "{status} {body}");
    polling
}

/// A polling session that still works: an `ai-reset` round trip.
async fn still_served(polling: &Polling) {
    assert_eq!(
        polling.post(r#"421["ai-reset"]"#).await,
        (200, "ok".to_owned())
    );
    let (status, body) = polling.get().await;
    assert_eq!((status, body.as_str()), (200, r#"431[{"cleared":0}]"#));
}

/// The session is gone: polling requests with its sid get 400.
async fn gone(polling: &Polling) {
    assert_eq!(polling.post("6").await.0, 400);
    assert_eq!(polling.get().await.0, 400);
}

#[tokio::test]
async fn malformed_payloads_close_their_session_only() {
    let server = Server::start(&[]);
    let bystander = joined(&server).await;
    for garbage in ["abc", "\u{1e}\u{1e}", "b!!!", "4hi\u{1e}9", ""] {
        let victim = joined(&server).await;
        let (status, body) = victim.post(garbage).await;
        assert_eq!(status, 400, "{garbage:?}: {body}");
        gone(&victim).await;
    }
    // A bad Socket.IO packet inside a good payload: the answers to what came before it, then the
    // close packet, for the next GET.
    let victim = joined(&server).await;
    assert_eq!(victim.post("421[\"ai-reset\"]\u{1e}42[").await.1, "ok");
    let (_, body) = victim.get().await;
    assert_eq!(body, "431[{\"cleared\":0}]\u{1e}1");
    gone(&victim).await;
    still_served(&bystander).await;
}

#[tokio::test]
async fn oversized_posts_concurrent_gets_and_unknown_sids_are_refused() {
    let server = Server::start(&["--max-payload", "1000"]);
    let bystander = joined(&server).await;

    let big = joined(&server).await;
    assert_eq!(big.post(format!("4{}", "x".repeat(5000))).await.0, 413);
    gone(&big).await;

    let greedy = joined(&server).await;
    let first = greedy.get();
    let second = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        greedy.get().await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!((first.0, second.0), (200, 400));
    assert_eq!(first.1, "1");
    gone(&greedy).await;

    // Made-up sids, and one reused after its session ended: nothing to find.
    let http = reqwest::Client::new();
    let base = format!("{}/socket.io/?EIO=4&transport=polling", server.url);
    for sid in ["nope", "", &"A".repeat(10_000), &greedy.sid] {
        let url = format!("{base}&sid={sid}");
        assert_eq!(request(http.get(&url)).await.0, 400, "{sid:.20}");
        assert_eq!(
            request(http.post(&url).body("40")).await.0,
            400,
            "{sid:.20}"
        );
    }
    // A WebSocket session's sid is no polling session.
    let mut ws =
        crate::support::ws::connect(&server, "/socket.io/?EIO=4&transport=websocket").await;
    let open = next_text(&mut ws).await.unwrap();
    let fields: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    let url = format!("{base}&sid={}", fields["sid"].as_str().unwrap());
    assert_eq!(request(http.get(&url)).await.0, 400);
    still_served(&bystander).await;
}

#[tokio::test]
async fn a_post_that_never_finishes_is_given_up() {
    let server = Server::start(&["--ping-interval", "300ms", "--ping-timeout", "200ms"]);
    let (victim, _) = Polling::open(&server, "/socket.io/").await;
    let path = victim.url.trim_start_matches(&server.url).to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 100\r\n\r\n4only-a-part",
        server.addr
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    // Answered (400) once the server gives up on the rest, within a heartbeat's time.
    let mut answer = vec![0; 1024];
    let read = tokio::time::timeout(WAIT, tcp.read(&mut answer))
        .await
        .expect("no answer");
    let answer = String::from_utf8_lossy(&answer[..read.unwrap()]).to_string();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    gone(&victim).await;
    let bystander = joined(&server).await;
    still_served(&bystander).await;
}

#[tokio::test]
async fn garbage_after_an_upgrade_ends_that_session_only() {
    let server = Server::start(&[]);
    let bystander = joined(&server).await;
    for garbage in [
        Message::text("abc"),
        Message::text("42{}"),
        Message::binary(vec![1, 2, 3]),
        Message::text("2probe"),
    ] {
        let victim = joined(&server).await;
        let (mut ws, _) = tokio_tungstenite::connect_async(victim.upgrade_url(&server))
            .await
            .unwrap();
        send(&mut ws, "2probe").await;
        assert_eq!(next_text(&mut ws).await.as_deref(), Some("3probe"));
        send(&mut ws, "5").await;
        let ends = !matches!(&garbage, Message::Text(t) if t.as_str() == "2probe");
        ws.send(garbage).await.unwrap();
        if ends {
            // Read to the end (a close packet may come first).
            while next_text(&mut ws).await.is_some() {}
        } else {
            // A stray probe on an upgraded session is ignored: the session still answers.
            send(&mut ws, r#"421["ai-reset"]"#).await;
            assert_eq!(
                next_text(&mut ws).await.as_deref(),
                Some(r#"431[{"cleared":0}]"#)
            );
        }
        assert_eq!(
            victim.get().await.0,
            400,
            "the polling side is over either way"
        );
    }
    // A broken probe leaves the session on polling.
    let prober = joined(&server).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(prober.upgrade_url(&server))
        .await
        .unwrap();
    send(&mut ws, "nonsense").await;
    still_served(&prober).await;
    still_served(&bystander).await;
}

/// Every kind of hostile polling client once, for the memory-baseline rounds: each session ends
/// by the end (the server's `--max-payload` must be below 50,000).
pub async fn hostile_polling(server: &Server) {
    joined(server).await.post("abc").await;
    joined(server)
        .await
        .post(format!("4{}", "x".repeat(50_000)))
        .await;
    let greedy = joined(server).await;
    let _ = tokio::join!(greedy.get(), async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        greedy.get().await
    });
    let http = reqwest::Client::new();
    let unknown = format!("{}/socket.io/?EIO=4&transport=polling&sid=nope", server.url);
    request(http.post(&unknown).body("40")).await;
    // A POST broken off half-way: the client goes, the session with it.
    let broken = joined(server).await;
    let path = broken.url.trim_start_matches(&server.url).to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 100\r\n\r\n4part",
        server.addr
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    drop(tcp);
    // Garbage after an upgrade.
    let upgraded = joined(server).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(upgraded.upgrade_url(server))
        .await
        .unwrap();
    send(&mut ws, "2probe").await;
    assert_eq!(next_text(&mut ws).await.as_deref(), Some("3probe"));
    send(&mut ws, "5").await;
    send(&mut ws, "42{").await;
    while next_text(&mut ws).await.is_some() {}
}
