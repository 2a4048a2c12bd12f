//! `--trusted-proxy`: the client address a proxy forwards is believed only from the listed
//! proxies, and then used in the logs and for `/api/ai`'s per-address rate limit. (Behind a
//! real nginx: `serve_proxy.rs`.)

use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::ws::{handshake, next_packet, send};
use crate::support::{Server, api};

const CLIENT: &str = "203.0.113.9";

/// `POST /api/ai` as a proxy forwarding for `client` (with `X-Forwarded-For`): the status.
async fn ask_for(server: &Server, header: &str, client: &str) -> u16 {
    let request = api::request(server, r#"{"prompt": "hi"}"#).header(header, client);
    api::send(request).await.status().as_u16()
}

/// A Socket.IO client over WebSocket that a proxy forwards for `client`: joins, then leaves.
async fn join_for(server: &Server, client: &str) {
    let url = server.ws_url("/socket.io/?EIO=4&transport=websocket");
    let mut request = url.into_client_request().unwrap();
    let forwarded = format!("for={client};proto=http");
    request
        .headers_mut()
        .insert("forwarded", forwarded.parse().unwrap());
    let mut ws = handshake(request, "/socket.io/").await.unwrap();
    assert!(next_packet(&mut ws).await.unwrap().starts_with("0{"));
    send(&mut ws, "40").await;
    assert!(next_packet(&mut ws).await.unwrap().starts_with("40{"));
    send(&mut ws, "1").await;
}

fn peer(logged: &Value) -> &str {
    logged["peer"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_trusted_proxys_client_is_the_peer_in_logs_and_rate_limits() {
    let server = Server::start(&["--trusted-proxy", "127.0.0.0/8", "--rate-limit", "1"]);
    assert_eq!(ask_for(&server, "x-forwarded-for", CLIENT).await, 200);
    // Same client through the proxy: over its rate.
    assert_eq!(ask_for(&server, "x-forwarded-for", CLIENT).await, 429);
    let refused = server.wait_for_log("refused an HTTP AI request over the rate limit");
    assert_eq!(peer(&refused), CLIENT, "{refused}");
    // Another client behind the same proxy has its own budget; a spoofed first hop is not
    // believed (the proxy appended the real one).
    let spoofed = format!("{CLIENT}, 198.51.100.7");
    assert_eq!(ask_for(&server, "x-forwarded-for", &spoofed).await, 200);
    assert_eq!(
        ask_for(&server, "x-forwarded-for", "198.51.100.7").await,
        429
    );

    join_for(&server, "[2001:db8::5]:4711").await;
    let connected = server.wait_for_log("A user connected");
    assert_eq!(peer(&connected), "[2001:db8::5]:4711", "{connected}");
}

#[tokio::test]
async fn forwarding_headers_from_anyone_else_are_ignored() {
    // 127.0.0.1 is not the trusted proxy here: its headers are the client's own words.
    let server = Server::start(&["--trusted-proxy", "10.0.0.0/8", "--rate-limit", "1"]);
    assert_eq!(ask_for(&server, "x-forwarded-for", CLIENT).await, 200);
    // Another "client" by its header, the same peer: the same budget.
    assert_eq!(
        ask_for(&server, "x-forwarded-for", "198.51.100.7").await,
        429
    );
    let refused = server.wait_for_log("refused an HTTP AI request over the rate limit");
    assert!(peer(&refused).starts_with("127.0.0.1:"), "{refused}");

    join_for(&server, CLIENT).await;
    let connected = server.wait_for_log("A user connected");
    assert!(peer(&connected).starts_with("127.0.0.1:"), "{connected}");
}

#[test]
fn a_bad_trusted_proxy_is_a_usage_error() {
    let (_, stderr, code) = crate::support::run_sockai_text(
        &["serve", "--port", "0", "--trusted-proxy", "10.0.0.0/33"],
        "",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("the prefix length must be a number from 0 to 32"),
        "{stderr}"
    );
}
