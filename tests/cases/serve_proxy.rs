//! `sockai serve` behind a real nginx (Debian's package): two nodes behind `ip_hash`, the
//! official Node client over polling, upgrade and WebSocket; the public name in `Host` and
//! `Origin`; `--trusted-proxy` for the client's address; and polling without sticky sessions.

use serde_json::{Value, json};

use crate::support::gate::{self, HOST, ORIGIN, Page};
use crate::support::nginx::{Balance, Nginx};
use crate::support::{Server, emit, node_script};

const PUBLIC: &str = "chat.example.test";
const PUBLIC_ORIGIN: &str = "https://chat.example.test";

/// Two nodes with `args`, and nginx in front of them.
fn cluster(args: &[&str], balance: Balance) -> (Server, Server, Nginx) {
    let (a, b) = (Server::start(args), Server::start(args));
    let nginx = Nginx::start(&[&a.addr, &b.addr], balance);
    (a, b, nginx)
}

async fn health(server: &Server) -> Value {
    let (status, body) = gate::http(&server.addr, "/health", Page::origin(None), None).await;
    assert_eq!(status, 200, "{body}");
    gate::json_body(&body)
}

#[tokio::test]
async fn two_sticky_nodes_answer_200_official_clients_and_share_them() {
    let (a, b, nginx) = cluster(&["--trusted-proxy", "127.0.0.1"], Balance::IpHash);
    let config = json!({"url": nginx.url(), "clients": 200, "subnets": 20, "timeout_ms": 10000});
    let run = node_script("proxy-clients.mjs", config);
    assert!(run.success, "{}", run.stderr);
    let summary = &run.records[0];
    assert_eq!(summary["answered"], 200, "{summary}\n{}", nginx.error_log());
    let by = &summary["by_transport"];
    assert_eq!(
        (&by["polling"], &by["upgrade"], &by["websocket"]),
        (&json!(67), &json!(67), &json!(66)),
        "{summary}"
    );
    // One Engine.IO session per client, each on one node; both nodes served their share.
    let (served_a, served_b) = (
        health(&a).await["sessions_served"].as_u64().unwrap(),
        health(&b).await["sessions_served"].as_u64().unwrap(),
    );
    assert_eq!(served_a + served_b, 200, "{served_a} + {served_b}");
    assert!(served_a >= 20 && served_b >= 20, "{served_a} / {served_b}");
    // nginx is trusted: the nodes log each client's own (source) address, without a port.
    let connected = a.wait_for_log("A user connected");
    let peer = connected["peer"].as_str().unwrap_or_default();
    assert!(
        peer.starts_with("127.0.") && !peer.contains(':'),
        "{connected}"
    );
}

#[tokio::test]
async fn behind_nginx_the_public_name_passes_the_host_and_origin_rules() {
    let args = [
        "--allowed-host",
        PUBLIC,
        "--cors-origin",
        PUBLIC_ORIGIN,
        "--trusted-proxy",
        "127.0.0.1",
    ];
    let (a, b, nginx) = cluster(&args, Balance::IpHash);
    let page = Page::host(PUBLIC).with_origin(PUBLIC_ORIGIN);
    gate::socketio_answers(&nginx.addr, page).await;
    gate::bridge_answers(&nginx.addr, page).await;
    let open = gate::poll(&nginx.addr, gate::POLLING_PATH, page, "").await;
    gate::upgrade_probed(
        &nginx.addr,
        &gate::upgrade_path(&gate::session_path(open)),
        page,
    )
    .await;
    let (status, body) = gate::post_ai(&nginx.addr, page, "application/json").await;
    assert_eq!(
        (status, &body["response"]),
        (200, &json!("echo: hi")),
        "{body}"
    );

    // A foreign page, and a name the nodes do not serve, are refused through the proxy too.
    let foreign = Page::host(PUBLIC).with_origin("https://evil.example");
    let refused = gate::request(reqwest::Method::GET, &nginx.addr, "/health", foreign, None)
        .header("x-forwarded-for", "203.0.113.9");
    let (status, body) = gate::text(refused).await;
    ORIGIN.assert_refused("foreign origin", status, &gate::json_body(&body));
    let (status, body) = gate::http(&nginx.addr, "/health", Page::host("evil.example"), None).await;
    HOST.assert_refused("foreign host", status, &gate::json_body(&body));
    // The refusal is logged with the client nginx forwarded for (the rightmost untrusted
    // hop of `203.0.113.9, 127.0.0.1`), on whichever node got it.
    let message = "refused a request from a foreign origin";
    let node = if a.count_logs(message) > 0 { &a } else { &b };
    let logged = node.wait_for_log(message);
    assert_eq!(logged["peer"], "203.0.113.9", "{logged}");
}

#[tokio::test]
async fn without_sticky_sessions_polling_breaks_and_the_client_says_why() {
    let (_a, _b, nginx) = cluster(&[], Balance::RoundRobin);
    // The server's answer stays Node's: 400, code 1.
    let open = gate::poll(&nginx.addr, gate::POLLING_PATH, Page::origin(None), "").await;
    let session = gate::session_path(open);
    let (status, body) = gate::poll(&nginx.addr, &session, Page::origin(None), "").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        gate::json_body(&body),
        json!({"code": 1, "message": "Session ID unknown"})
    );

    let prompt = r#"{"prompt": "hi"}"#;
    let url = nginx.url();
    let args = [
        url.as_str(),
        "ai-message",
        prompt,
        "--expect",
        "ai-message-response",
    ];
    let (_, stderr, code) = emit(&[&args[..], &["--transport", "polling"]].concat());
    assert_ne!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "the server no longer knows this session: behind a load balancer, long-polling \
             needs sticky sessions (or use --transport websocket)"
        ),
        "{stderr}"
    );
    // Over WebSocket one connection carries the session: round robin is no problem.
    let (stdout, stderr, code) = emit(&[&args[..], &["--transport", "websocket"]].concat());
    assert_eq!(code, 0, "{stdout}{stderr}");
}
