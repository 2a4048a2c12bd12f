//! `sockai serve --allow-eio3`: Socket.IO 2.x clients (Engine.IO 3, Socket.IO protocol 4) on the
//! same port, with the official npm socket.io-client 2.5 (tests/node/sio2-client.mjs).

use serde_json::{Value, json};

use std::time::Duration;

use crate::support::polling::{get, request};
use crate::support::{NodeRun, Server, node_script};

fn run_v2(server: &Server, options: Value, upgrade: bool) -> NodeRun {
    node_script(
        "sio2-client.mjs",
        json!({ "url": server.url, "options": options, "prompt": "hi", "upgrade": upgrade }),
    )
}

/// The records of a run that asked, was answered and reset its conversation.
fn assert_answered(run: &NodeRun) {
    assert!(run.success, "{:#?}\n{}", run.records, run.stderr);
    let ack = &run.records[run.records.len() - 4];
    assert_eq!(ack["event"], "ai-message", "{:#?}", run.records);
    assert_eq!(ack["args"][0]["response"], "echo: hi");
    let event = &run.records[run.records.len() - 3];
    assert_eq!(event["args"][0], ack["args"][0]);
    assert_eq!(run.first("done")["type"], "done");
    let reset = &run.records[run.records.len() - 2];
    assert_eq!(reset["args"][0], json!({ "cleared": 1 }));
}

#[test]
fn socket_io_2_clients_are_served_on_every_transport() {
    let server = Server::start(&[
        "--allow-eio3",
        "--ping-interval",
        "300ms",
        "--ping-timeout",
        "300ms",
    ]);
    // Default transports: polling, then the upgrade.
    let upgraded = run_v2(&server, json!({}), true);
    assert_answered(&upgraded);
    assert_eq!(upgraded.first("connect")["initial_transport"], "polling");
    let ws = run_v2(&server, json!({ "transports": ["websocket"] }), false);
    assert_answered(&ws);
    assert_eq!(ws.first("connect")["initial_transport"], "websocket");
    // Polling only.
    let polling = run_v2(&server, json!({ "transports": ["polling"] }), false);
    assert_answered(&polling);
    assert_eq!(polling.first("connect")["transport"], "polling");
    let connected = server.wait_for_log("A user connected");
    assert!(connected["sid"].is_string());
}

#[test]
fn socket_io_2_clients_present_the_token_in_the_query() {
    let server = Server::start(&["--allow-eio3", "--auth-token", "T"]);
    let refused = run_v2(&server, json!({}), false);
    assert!(
        refused.success,
        "{:#?}\n{}",
        refused.records, refused.stderr
    );
    let error = refused.first("error");
    assert!(
        error["data"]
            .as_str()
            .is_some_and(|d| d.starts_with("auth_required")),
        "{error}"
    );
    let admitted = run_v2(&server, json!({ "query": { "token": "T" } }), false);
    assert_answered(&admitted);
}

#[tokio::test]
async fn engine_io_3_is_refused_without_the_flag() {
    let server = Server::start(&[]);
    let (status, body) = get(&format!(
        "{}/socket.io/?EIO=3&transport=polling",
        server.url
    ))
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"code": 5, "message": "Unsupported protocol version"})
    );
    // With it, a v3 handshake: no maxPayload, length-prefixed payload.
    let server = Server::start(&["--allow-eio3"]);
    let (status, body) = get(&format!(
        "{}/socket.io/?EIO=3&transport=polling",
        server.url
    ))
    .await;
    assert_eq!(status, 200);
    let (length, packet) = body.split_once(':').unwrap();
    assert_eq!(
        length.parse::<usize>().unwrap(),
        packet.chars().count(),
        "{body}"
    );
    assert!(
        packet.starts_with("0{") && !packet.contains("maxPayload"),
        "{body}"
    );
}

/// Engine.IO 3's heartbeat runs the other way: the client pings, the server answers, and a
/// client that stops pinging is dropped after pingInterval + pingTimeout.
#[tokio::test]
async fn engine_io_3_clients_ping_and_silent_ones_are_dropped() {
    let server = Server::start(&[
        "--allow-eio3",
        "--ping-interval",
        "300ms",
        "--ping-timeout",
        "200ms",
    ]);
    let http = reqwest::Client::new();
    let base = format!("{}/socket.io/?EIO=3&transport=polling", server.url);
    let (_, open) = request(http.get(&base)).await;
    let fields: Value = serde_json::from_str(open.split_once(":0").unwrap().1).unwrap();
    let url = format!("{base}&sid={}", fields["sid"].as_str().unwrap());
    // The implicit CONNECT to `/` first, then pongs for pings.
    assert_eq!(request(http.get(&url)).await, (200, "2:40".to_owned()));
    for _ in 0..3 {
        assert_eq!(request(http.post(&url).body("1:2")).await.1, "ok");
        assert_eq!(request(http.get(&url)).await, (200, "1:3".to_owned()));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        request(http.get(&url)).await.0,
        400,
        "a silent client is dropped"
    );
}
