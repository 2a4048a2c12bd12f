//! Access control and limits of `sockai serve`: a greedy or unauthorised client is turned away
//! with a reason, and everybody else keeps being served.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::support::ws::{Ws, next_text};
use crate::support::{Server, api, health, node_client};

async fn bridge(server: &Server, token: Option<&str>) -> Result<Ws, tungstenite::Error> {
    let mut request = server.ws_url("/").into_client_request().unwrap();
    if let Some(token) = token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

async fn next_json(ws: &mut Ws) -> Option<Value> {
    let text = next_text(ws).await?;
    Some(serde_json::from_str(&text).unwrap())
}

fn rejected_status(result: Result<Ws, tungstenite::Error>) -> u16 {
    match result {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

fn socketio(server: &Server, auth: Value, steps: Value) -> crate::support::NodeRun {
    node_client(json!({
        "url": server.url,
        "options": { "transports": ["websocket"], "auth": auth },
        "steps": steps,
        "expectConnectError": true,
    }))
}

#[tokio::test]
async fn auth_token_guards_socketio_the_bridge_and_the_api() {
    let token = "s3cret-t0ken";
    let server = Server::start_with_env(&[], &[("SOCKAI_AUTH_TOKEN", token)]);

    // Absent, wrong, and of every wrong type.
    for auth in [
        json!({}),
        json!({ "token": "wrong" }),
        json!({ "token": 5 }),
        json!({ "token": [token] }),
        json!({ "token": { "value": token } }),
    ] {
        let refused = socketio(&server, auth, json!([]));
        let message = refused.first("connect_error")["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.starts_with("auth_required:"), "{message}");
    }
    let admitted = socketio(
        &server,
        json!({ "token": token }),
        json!([
            { "emit": "ai-message", "args": [{ "prompt": "let me in" }] },
            { "wait": "ai-message-response" },
        ]),
    );
    assert_eq!(
        admitted.events("ai-message-response")[0][0]["response"],
        "echo: let me in"
    );

    assert_eq!(rejected_status(bridge(&server, None).await), 401);
    assert_eq!(rejected_status(bridge(&server, Some("wrong")).await), 401);
    let mut ws = bridge(&server, Some(token)).await.unwrap();
    ws.send(Message::text(
        r#"{"event":"ai-message","data":{"prompt":"hi"}}"#,
    ))
    .await
    .unwrap();
    let mut answer = next_json(&mut ws).await.unwrap();
    while answer["event"] == "ai-message-chunk" {
        answer = next_json(&mut ws).await.unwrap();
    }
    assert_eq!(answer["data"]["response"], "echo: hi");

    let denied = api::send(api::request(&server, r#"{"prompt":"x"}"#)).await;
    assert_eq!(denied.status(), 401);
    assert_eq!(
        denied.json::<Value>().await.unwrap()["code"],
        "auth_required"
    );
    let allowed = api::send(api::request(&server, r#"{"prompt":"x"}"#).bearer_auth(token)).await;
    assert_eq!(allowed.status(), 200);
    // Health checks stay open for load balancers.
    assert_eq!(
        reqwest::get(format!("{}/health", server.url))
            .await
            .unwrap()
            .status(),
        200
    );

    assert!(
        !server.all_logs().contains(token),
        "the token leaked into the logs"
    );
    let help = crate::support::sockai()
        .args(["serve", "--help"])
        .env("SOCKAI_AUTH_TOKEN", token)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&help.stdout).contains(token),
        "--help shows the token"
    );
}

#[tokio::test]
async fn max_connections_turns_the_next_client_away_until_a_place_frees() {
    let server = Server::start(&["--max-connections", "1"]);
    let holder = bridge(&server, None).await.unwrap();
    server.wait_for_log("A user connected");

    let refused = socketio(&server, json!({}), json!([]));
    let message = refused.first("connect_error")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.starts_with("server_full:"), "{message}");
    assert_eq!(rejected_status(bridge(&server, None).await), 503);

    drop(holder);
    server.wait_for_log("A user disconnected");
    let admitted = socketio(
        &server,
        json!({}),
        json!([
            { "emit": "ai-message", "args": [{ "prompt": "my turn" }] },
            { "wait": "ai-message-response" },
        ]),
    );
    assert_eq!(
        admitted.events("ai-message-response")[0][0]["response"],
        "echo: my turn"
    );
}

#[tokio::test]
async fn a_flooding_client_is_told_then_cut_off_while_another_is_served() {
    let server = Server::start(&["--rate-limit", "3"]);
    let mut flood = bridge(&server, None).await.unwrap();
    for _ in 0..20 {
        // Sends fail once the server has hung up; that is the point.
        if flood
            .send(Message::text(r#"{"event":"message","data":"spam"}"#))
            .await
            .is_err()
        {
            break;
        }
    }
    let mut codes = Vec::new();
    while let Some(frame) = next_json(&mut flood).await {
        codes.push(frame["data"]["code"].clone());
    }
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "too_many_events"),
        "{codes:?}"
    );
    server.logs.wait_for("the flooder's disconnect", |l| {
        l.contains("A user disconnected") && l.contains("rate limit")
    });

    // The Socket.IO side: a burst over the limit gets `server-error` events, not silence.
    let run = socketio(
        &server,
        json!({}),
        json!([
            { "emit": "message", "args": [1] },
            { "emit": "message", "args": [2] },
            { "emit": "message", "args": [3] },
            { "emit": "message", "args": [4] },
            { "wait": "server-error" },
        ]),
    );
    assert!(run.success, "{:#?}", run.records);
    assert_eq!(run.events("server-error")[0][0]["code"], "too_many_events");
    let calm = socketio(
        &server,
        json!({}),
        json!([
            { "emit": "ai-message", "args": [{ "prompt": "calm" }] },
            { "wait": "ai-message-response" },
        ]),
    );
    assert_eq!(
        calm.events("ai-message-response")[0][0]["response"],
        "echo: calm"
    );
}

#[test]
fn unknown_socketio_events_get_a_server_error_event() {
    let server = Server::start(&[]);
    let run = node_client(json!({
        "url": server.url,
        "options": { "transports": ["websocket"] },
        "steps": [
            { "emit": "dance", "args": [{ "move": "twist" }] },
            { "wait": "server-error" },
            { "emit": "ai-message", "args": [{ "prompt": "still here" }] },
            { "wait": "ai-message-response" },
        ],
    }));
    assert!(run.success, "{:#?}", run.records);
    let error = &run.events("server-error")[0][0];
    assert_eq!(error["code"], "unknown_event");
    assert!(
        error["message"].as_str().unwrap().contains("dance"),
        "{error}"
    );
}

async fn open_connections(server: &Server) -> u64 {
    health(server).await["connections"].as_u64().unwrap()
}

#[tokio::test]
async fn http_ai_requests_are_rate_limited_per_address() {
    let server = Server::start(&["--rate-limit", "2"]);
    let mut statuses = Vec::new();
    for n in 0..6 {
        let (status, body) = api::ask(&server, &format!("q{n}")).await;
        if status != 200 {
            assert_eq!(
                (status, body["code"].as_str()),
                (429, Some("too_many_events"))
            );
        }
        statuses.push(status);
    }
    // Two tokens, refilled at 2/s: the burst of six cannot all pass.
    assert_eq!(statuses[..2], [200, 200], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn an_http_ai_request_holds_a_connection_place_while_answered() {
    let server = Server::start(&["--max-connections", "1", "--echo-delay-ms", "2000"]);
    let slow = tokio::spawn({
        let request = api::request(&server, &json!({ "prompt": "slow" }).to_string());
        async move { api::send(request).await.status().as_u16() }
    });
    // Bounded wait for the slow request to be admitted.
    for _ in 0..100 {
        if open_connections(&server).await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (status, body) = api::ask(&server, "second").await;
    assert_eq!((status, body["code"].as_str()), (503, Some("server_full")));
    assert_eq!(slow.await.unwrap(), 200);
    assert_eq!(open_connections(&server).await, 0);
}
