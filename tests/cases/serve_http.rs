//! The plain HTTP routes that share the server with Socket.IO.

use serde_json::{Value, json};

use crate::support::{Server, api};

#[tokio::test]
async fn health_answers_ok() {
    let server = Server::start(&[]);
    let response = reqwest::get(format!("{}/health", server.url))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let health = response.json::<Value>().await.unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["connections"], 0);
    assert!(health["heap_bytes"].as_u64().unwrap() > 0, "{health}");
}

#[tokio::test]
async fn root_describes_the_server() {
    let server = Server::start(&[]);
    let info: Value = reqwest::get(&server.url)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["name"], "sockai");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["provider"], "echo");
    assert_eq!(info["socket_io_path"], "/socket.io/");
    assert_eq!(
        info["events"]["client_to_server"],
        json!(["message", "ai-message", "ai-reset", "ai-cancel"])
    );
    assert_eq!(
        info["events"]["server_to_client"],
        json!([
            "ai-message-chunk",
            "ai-message-response",
            "ai-message-error",
            "server-error"
        ])
    );
}

#[tokio::test]
async fn api_ai_answers_a_prompt() {
    let server = Server::start(&[]);
    let (status, body) = api::post(&server, r#"{"prompt": "Hello AI"}"#).await;
    assert_eq!(status, 200);
    assert_eq!(body["response"], "echo: Hello AI");
}

#[tokio::test]
async fn api_ai_maps_bad_input_to_statuses_and_codes() {
    let server = Server::start(&["--max-prompt-bytes", "10"]);
    for (body, status, code) in [
        ("not json", 400, "invalid_payload"),
        ("[1, 2]", 400, "invalid_payload"),
        ("{}", 400, "missing_prompt"),
        (r#"{"prompt": 42}"#, 400, "invalid_prompt"),
        (r#"{"prompt": "   "}"#, 400, "empty_prompt"),
        (r#"{"prompt": "eleven bytes"}"#, 413, "prompt_too_large"),
    ] {
        let (got_status, got) = api::post(&server, body).await;
        assert_eq!(
            (got_status, got["code"].as_str()),
            (status, Some(code)),
            "body {body}"
        );
        assert!(
            got["message"].as_str().is_some_and(|m| !m.is_empty()),
            "message for {body}"
        );
    }
    // The server is still fine afterwards.
    assert_eq!(api::post(&server, r#"{"prompt": "ok"}"#).await.0, 200);
}

#[tokio::test]
async fn cors_allows_only_the_listed_origins() {
    let server = Server::start(&["--cors-origin", "http://localhost:5173"]);
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, format!("{}/api/ai", server.url))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("http://localhost:5173").await.unwrap();
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://localhost:5173")
    );
    let other = preflight("http://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    // Socket.IO long-polling gets the same headers.
    let polling = client
        .get(format!("{}/socket.io/?EIO=4&transport=polling", server.url))
        .header("origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    assert_eq!(
        polling
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://localhost:5173")
    );
}

#[tokio::test]
async fn without_cors_origins_other_origins_get_no_cors_headers() {
    // Loopback origins get them by default (serve_origin_loopback.rs).
    let server = Server::start(&["--no-loopback-origins"]);
    let response = reqwest::Client::new()
        .get(format!("{}/health", server.url))
        .header("origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
