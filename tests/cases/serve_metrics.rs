//! `GET /metrics`: Prometheus' text format, read by the official Python client's parser, with
//! values that move as the server works; the token rule of `/api/ai`; the `Origin` gate.

use crate::support::gate::{self, Page};
use crate::support::metrics::{self, Scraped};
use crate::support::{Server, api};

const EVIL: &str = "http://evil.example";

/// Every family sockai documents, with its type as the parser read it.
const FAMILIES: [(&str, &str); 12] = [
    ("sockai_connections", "counter"),
    ("sockai_connections_open", "gauge"),
    ("sockai_engineio_sessions", "counter"),
    ("sockai_engineio_sessions_open", "gauge"),
    ("sockai_engineio_packets", "counter"),
    ("sockai_socketio_events", "counter"),
    ("sockai_refusals", "counter"),
    ("sockai_ai_requests", "counter"),
    ("sockai_errors", "counter"),
    ("sockai_ai_first_chunk_seconds", "histogram"),
    ("sockai_ai_answer_seconds", "histogram"),
    ("sockai_ai_tokens", "counter"),
];

fn assert_moved(after: &Scraped, before: &Scraped, sample: &str, by: f64) {
    let moved = after.moved(before, sample);
    assert_eq!(moved, by, "{sample} moved by {moved}, not {by}");
}

fn assert_grew(after: &Scraped, before: &Scraped, sample: &str, at_least: f64) {
    let moved = after.moved(before, sample);
    assert!(
        moved >= at_least,
        "{sample} grew by {moved}, not {at_least} or more"
    );
}

#[tokio::test]
async fn metrics_move_as_the_server_works() {
    let server = Server::start(&[]);
    let before = metrics::scrape(&server.addr, None).await;
    for (family, kind) in FAMILIES {
        assert_eq!(
            before.types.get(family).map(String::as_str),
            Some(kind),
            "{family}"
        );
    }
    // Every label set is there from the start, at 0.
    assert_eq!(before.get("sockai_errors_total{code=invalid_payload}"), 0.0);
    assert!(
        before
            .samples
            .contains_key("sockai_errors_total{code=invalid_payload}")
    );
    assert!(
        before
            .samples
            .contains_key("sockai_refusals_total{reason=host}")
    );

    gate::socketio_answers(&server.addr, Page::origin(None)).await;
    let (status, _) = gate::http(&server.addr, "/health", Page::origin(Some(EVIL)), None).await;
    assert_eq!(status, 403);
    let (status, body) = api::ask(&server, "hi").await;
    assert_eq!((status, body["response"].as_str()), (200, Some("echo: hi")));
    let (status, _) = api::post(&server, "not json").await;
    assert_eq!(status, 400);

    let after = metrics::scrape(&server.addr, None).await;
    assert_moved(
        &after,
        &before,
        "sockai_connections_total{transport=websocket}",
        1.0,
    );
    assert_moved(
        &after,
        &before,
        "sockai_engineio_sessions_total{transport=websocket}",
        1.0,
    );
    assert_moved(
        &after,
        &before,
        "sockai_engineio_sessions_total{transport=polling}",
        0.0,
    );
    // Open: 40, 42 (ai-message); out: open, 40, the chunk, the response.
    assert_grew(
        &after,
        &before,
        "sockai_engineio_packets_total{direction=in}",
        2.0,
    );
    assert_grew(
        &after,
        &before,
        "sockai_engineio_packets_total{direction=out}",
        4.0,
    );
    assert_moved(
        &after,
        &before,
        "sockai_socketio_events_total{direction=in}",
        1.0,
    );
    assert_moved(
        &after,
        &before,
        "sockai_socketio_events_total{direction=out}",
        2.0,
    );
    assert_moved(&after, &before, "sockai_refusals_total{reason=origin}", 1.0);
    assert_moved(
        &after,
        &before,
        "sockai_errors_total{code=origin_not_allowed}",
        1.0,
    );
    assert_moved(
        &after,
        &before,
        "sockai_errors_total{code=invalid_payload}",
        1.0,
    );
    // The socket's answer and the HTTP one.
    assert_moved(
        &after,
        &before,
        "sockai_ai_requests_total{outcome=answered}",
        2.0,
    );
    assert_moved(&after, &before, "sockai_ai_answer_seconds_count{}", 2.0);
    assert_moved(
        &after,
        &before,
        "sockai_ai_answer_seconds_bucket{le=+Inf}",
        2.0,
    );
    assert_moved(
        &after,
        &before,
        "sockai_ai_first_chunk_seconds_count{}",
        2.0,
    );
    assert!(after.get("sockai_ai_answer_seconds_sum{}") > 0.0);
    // The echo provider reports no usage.
    let tokens = "sockai_ai_tokens_total{direction=in,model=echo,provider=echo}";
    assert!(
        after.samples.contains_key(tokens),
        "{:?}",
        after.samples.keys()
    );
    assert_moved(&after, &before, tokens, 0.0);
}

#[tokio::test]
async fn connections_open_now_go_back_down() {
    let server = Server::start(&[]);
    let (mut ws, _) = crate::support::ws::joined(&server, "40").await;
    let open = "sockai_connections_open{transport=websocket}";
    let sessions = "sockai_engineio_sessions_open{transport=websocket}";
    let during = metrics::scrape(&server.addr, None).await;
    assert_eq!((during.get(open), during.get(sessions)), (1.0, 1.0));
    crate::support::ws::send(&mut ws, "1").await;
    crate::support::ws::until_closed(&mut ws).await;
    // The session's task ends after its transport closed: wait for the gauge, bounded.
    let deadline = std::time::Instant::now() + crate::support::WAIT;
    loop {
        let now = metrics::scrape(&server.addr, None).await;
        if (now.get(open), now.get(sessions)) == (0.0, 0.0) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still open: {now:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn with_a_token_metrics_need_it_as_a_bearer_and_refusals_are_counted() {
    let server = Server::start(&["--auth-token", "s3cret", "--rate-limit", "1"]);
    for token in [None, Some("wrong"), Some("s3cre")] {
        let (status, body) = metrics::get(&server.addr, token).await;
        assert_eq!(status, 401, "{token:?}: {body}");
        assert!(body.contains("auth_required"), "{body}");
    }
    let before = metrics::scrape(&server.addr, Some("s3cret")).await;
    let refused = |status| assert_eq!(status, 401);
    refused(api::ask(&server, "hi").await.0);
    let with_token = || api::request(&server, r#"{"prompt": "hi"}"#).bearer_auth("s3cret");
    assert_eq!(api::send(with_token()).await.status(), 200);
    assert_eq!(api::send(with_token()).await.status(), 429);
    let after = metrics::scrape(&server.addr, Some("s3cret")).await;
    // The three refused scrapes came before `before`.
    assert_eq!(before.get("sockai_refusals_total{reason=token}"), 3.0);
    assert_moved(&after, &before, "sockai_refusals_total{reason=token}", 1.0);
    assert_moved(&after, &before, "sockai_refusals_total{reason=rate}", 1.0);
    assert_moved(
        &after,
        &before,
        "sockai_errors_total{code=auth_required}",
        1.0,
    );
    assert_moved(
        &after,
        &before,
        "sockai_errors_total{code=too_many_events}",
        1.0,
    );
    assert_moved(
        &after,
        &before,
        "sockai_ai_requests_total{outcome=answered}",
        1.0,
    );
}

#[tokio::test]
async fn metrics_pass_the_origin_gate_like_every_route() {
    let server = Server::start(&[]);
    let (status, body) = gate::http(&server.addr, "/metrics", Page::origin(Some(EVIL)), None).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("origin_not_allowed"), "{body}");
    let (status, body) = gate::http(
        &server.addr,
        "/metrics",
        Page::host("rebound.example"),
        None,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let scraped = metrics::scrape(&server.addr, None).await;
    assert_eq!(scraped.get("sockai_refusals_total{reason=host}"), 1.0);
}
