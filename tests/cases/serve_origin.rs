//! The `Origin` rule: a web page on another origin cannot use the server by any way in (Socket.IO
//! over WebSocket and polling, the bridge, `/api/ai`), while clients that send no `Origin`, pages
//! on a listed origin and pages on the server's own origin are served; and `/api/ai` reads only
//! JSON bodies. (The start warning and `--cors-origin` refusals are in serve_cli.rs.)

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::fake_upstream::{FakeUpstream, Reply, completion};
use crate::support::ws::{Ws, handshake, next_non_chunk, next_packet, send};
use crate::support::{Server, WAIT, health, node_client};

const EVIL: &str = "http://evil.example";
/// What the test servers get as `--cors-origin`; browsers send it as `LISTED`.
const LISTED_FLAG: &str = "HTTP://LocalHost:5173/";
const LISTED: &str = "http://localhost:5173";
const WS_PATH: &str = "/socket.io/?EIO=4&transport=websocket";
const POLLING_PATH: &str = "/socket.io/?EIO=4&transport=polling";

/// Open a WebSocket at `path`, sending `origin`; a refusal comes back as its status and body.
async fn ws_open(server: &Server, path: &str, origin: Option<&str>) -> Result<Ws, (u16, Value)> {
    let mut request = server.ws_url(path).into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    handshake(request, path).await
}

fn request(
    method: reqwest::Method,
    url: &str,
    origin: Option<&str>,
    content_type: &str,
    body: &str,
) -> reqwest::RequestBuilder {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .timeout(WAIT)
        .header("content-type", content_type)
        .body(body.to_owned());
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request
}

async fn send_http(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// `POST /api/ai`, as JSON unless told otherwise.
async fn post_ai(server: &Server, origin: Option<&str>, content_type: &str) -> (u16, Value) {
    let url = format!("{}/api/ai", server.url);
    let post = request(
        reqwest::Method::POST,
        &url,
        origin,
        content_type,
        r#"{"prompt": "hi"}"#,
    );
    let (status, body) = send_http(post).await;
    (status, serde_json::from_str(&body).unwrap())
}

/// An Engine.IO polling request (GET without a body, POST with packets, as socket.io-client
/// sends them).
async fn poll(server: &Server, path: &str, origin: Option<&str>, packets: &str) -> (u16, String) {
    let url = format!("{}{path}", server.url);
    let method = if packets.is_empty() {
        reqwest::Method::GET
    } else {
        reqwest::Method::POST
    };
    send_http(request(
        method,
        &url,
        origin,
        "text/plain;charset=UTF-8",
        packets,
    ))
    .await
}

/// Open a polling session; returns the path of its later requests.
async fn polling_session(server: &Server, origin: Option<&str>) -> String {
    let (status, open) = poll(server, POLLING_PATH, origin, "").await;
    assert_eq!(status, 200, "{open}");
    let fields: Value = serde_json::from_str(open.trim_start_matches('0')).unwrap();
    format!("{POLLING_PATH}&sid={}", fields["sid"].as_str().unwrap())
}

fn assert_refused(what: &str, status: u16, body: &Value) {
    assert_eq!(status, 403, "{what}: {body}");
    assert_eq!(body["code"], "origin_not_allowed", "{what}: {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("--cors-origin"), "{what}: {message}");
}

#[tokio::test]
async fn a_foreign_origin_is_refused_on_every_way_in_before_the_provider_is_called() {
    let fake = FakeUpstream::start(vec![Reply::json(200, &completion("from the provider"))]);
    let base = format!("{}/v1", fake.url);
    let server = Server::start_with_env(
        &[
            "--provider",
            "openai",
            "--base-url",
            &base,
            "--no-stream",
            "--cors-origin",
            LISTED_FLAG,
        ],
        &[("OPENAI_API_KEY", "sk-test")],
    );
    let port = server.addr.rsplit(':').next().unwrap();
    // The same server under another name is another origin, as browsers see it.
    let other_name = format!("http://localhost:{port}");
    for origin in [EVIL, "null", other_name.as_str()] {
        // Any WebSocket: direct Socket.IO, the bridge, any other path.
        for path in [WS_PATH, "/", "/elsewhere"] {
            let (status, body) = ws_open(&server, path, Some(origin)).await.err().unwrap();
            assert_refused(&format!("{origin} WebSocket {path}"), status, &body);
        }
        let (status, body) = poll(&server, POLLING_PATH, Some(origin), "").await;
        assert_refused(
            &format!("{origin} polling"),
            status,
            &serde_json::from_str(&body).unwrap(),
        );
        for content_type in ["application/json", "text/plain"] {
            let (status, body) = post_ai(&server, Some(origin), content_type).await;
            assert_refused(&format!("{origin} /api/ai {content_type}"), status, &body);
        }
    }
    // The message says what to allow.
    let (_, body) = post_ai(&server, Some(EVIL), "application/json").await;
    assert_eq!(
        body["message"],
        "origin http://evil.example is not allowed: start the server with \
         --cors-origin http://evil.example to allow it"
    );
    // A session opened without an Origin cannot be carried on from a foreign page either:
    // its polling requests and its upgrade are checked too.
    let session = polling_session(&server, None).await;
    let (status, body) = poll(&server, &session, Some(EVIL), "40").await;
    assert_refused(
        "polling POST",
        status,
        &serde_json::from_str(&body).unwrap(),
    );
    let upgrade = format!("{WS_PATH}&sid={}", &session[POLLING_PATH.len() + 5..]);
    let (status, body) = ws_open(&server, &upgrade, Some(EVIL)).await.err().unwrap();
    assert_refused("upgrade", status, &body);

    let logged = server.wait_for_log("refused a request from a foreign origin");
    assert_eq!(logged["origin"], EVIL, "{logged}");
    assert!(
        logged["peer"]
            .as_str()
            .is_some_and(|p| p.starts_with("127.0.0.1:")),
        "{logged}"
    );
    assert!(fake.requests().is_empty(), "the provider was called");
    assert_eq!(health(&server).await["connections"], 0);
    // The control: the same request without an Origin does reach the provider.
    let (status, body) = post_ai(&server, None, "application/json").await;
    assert_eq!(
        (status, body["response"].as_str()),
        (200, Some("from the provider"))
    );
    assert_eq!(fake.requests().len(), 1);
}

/// Direct Socket.IO over WebSocket: join the main namespace and get an answer.
async fn socketio_ws_answers(server: &Server, origin: Option<&str>) {
    let mut ws = ws_open(server, WS_PATH, origin).await.unwrap();
    assert!(next_packet(&mut ws).await.unwrap().starts_with("0{"));
    send(&mut ws, "40").await;
    assert!(next_packet(&mut ws).await.unwrap().starts_with("40{"));
    send(&mut ws, r#"42["ai-message",{"prompt":"hi"}]"#).await;
    loop {
        let packet = next_packet(&mut ws).await.expect("an answer");
        if packet.starts_with(r#"42["ai-message-response""#) {
            assert!(packet.contains("echo: hi"), "{packet}");
            break;
        }
    }
    futures_util::SinkExt::send(&mut ws, Message::Close(None))
        .await
        .ok();
}

async fn bridge_answers(server: &Server, origin: Option<&str>) {
    let mut ws = ws_open(server, "/", origin).await.unwrap();
    send(
        &mut ws,
        r#"{"event": "ai-message", "data": {"prompt": "hi"}}"#,
    )
    .await;
    let answer = next_non_chunk(&mut ws).await;
    assert_eq!(answer["data"]["response"], "echo: hi", "{answer}");
    futures_util::SinkExt::send(&mut ws, Message::Close(None))
        .await
        .ok();
}

/// GET (a few times at most) until a payload holds a packet starting with `what`; the
/// server's first ping may come before it.
async fn poll_until(server: &Server, session: &str, origin: Option<&str>, what: &str) {
    for _ in 0..5 {
        let (status, payload) = poll(server, session, origin, "").await;
        assert_eq!(status, 200, "{payload}");
        let mut packets = payload.split('\u{1e}');
        if packets.any(|packet| packet.starts_with(what)) {
            return;
        }
        if payload.split('\u{1e}').any(|packet| packet == "2") {
            assert_eq!(poll(server, session, origin, "3").await.0, 200);
        }
    }
    panic!("polling never delivered {what:?}");
}

/// Polling: open, join the namespace, read the CONNECT packet, then upgrade to WebSocket.
/// Returns the CORS header of the handshake.
async fn polling_joins_and_upgrades(server: &Server, origin: Option<&str>) -> Option<String> {
    let url = format!("{}{POLLING_PATH}", server.url);
    let open = request(reqwest::Method::GET, &url, origin, "text/plain", "")
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
    let cors = open
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let fields: Value =
        serde_json::from_str(open.text().await.unwrap().trim_start_matches('0')).unwrap();
    let sid = fields["sid"].as_str().unwrap();
    let session = format!("{POLLING_PATH}&sid={sid}");
    assert_eq!(
        poll(server, &session, origin, "40").await,
        (200, "ok".to_owned())
    );
    poll_until(server, &session, origin, "40{").await;
    let upgrade = format!("{WS_PATH}&sid={sid}");
    let mut ws = ws_open(server, &upgrade, origin).await.unwrap();
    send(&mut ws, "2probe").await;
    assert_eq!(next_packet(&mut ws).await.as_deref(), Some("3probe"));
    futures_util::SinkExt::send(&mut ws, Message::Close(None))
        .await
        .ok();
    cors
}

#[tokio::test]
async fn no_origin_a_listed_origin_and_the_servers_own_are_served_everywhere() {
    let server = Server::start(&["--cors-origin", LISTED_FLAG]);
    let own = server.url.clone();
    for origin in [None, Some(LISTED), Some(own.as_str())] {
        socketio_ws_answers(&server, origin).await;
        bridge_answers(&server, origin).await;
        let cors = polling_joins_and_upgrades(&server, origin).await;
        // The listed origin gets its CORS header, normalized as the browser sent it.
        let expected = (origin == Some(LISTED)).then(|| LISTED.to_owned());
        assert_eq!(cors, expected, "{origin:?}");
        let (status, body) = post_ai(&server, origin, "application/json; charset=utf-8").await;
        assert_eq!(
            (status, body["response"].as_str()),
            (200, Some("echo: hi")),
            "{origin:?}"
        );
    }
    assert_eq!(
        server.count_logs("refused a request from a foreign origin"),
        0
    );
}

#[tokio::test]
async fn api_ai_reads_only_json_bodies() {
    let server = Server::start(&["--cors-origin", LISTED]);
    for origin in [None, Some(LISTED)] {
        for content_type in [
            "text/plain",
            "text/plain;charset=UTF-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            let (status, body) = post_ai(&server, origin, content_type).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (415, Some("unsupported_media_type")),
                "{origin:?} {content_type}: {body}"
            );
        }
    }
    let (status, _) = post_ai(&server, None, "Application/JSON").await;
    assert_eq!(status, 200);
}

/// The official Node client (socket.io-client 4.8.4) sends no `Origin` unless told to: on
/// polling xmlhttprequest-ssl sends only Host, User-Agent, Accept and the body's headers, and on
/// WebSocket engine.io-client hands `ws` no origin. A browser always sends one on a WebSocket.
/// Given one with `extraHeaders` (engine.io-client then lifts the XHR forbidden-header check),
/// the client is refused on either transport as a page would be.
#[test]
fn the_official_client_is_refused_only_with_a_foreign_origin() {
    let server = Server::start(&["--cors-origin", LISTED]);
    let run = |transport: &str, origin: &str| {
        node_client(json!({
            "url": server.url,
            "options": { "transports": [transport], "extraHeaders": { "origin": origin } },
            "steps": [
                { "emit": "ai-message", "args": [{ "prompt": "hi" }] },
                { "wait": "ai-message-response" },
            ],
            "expectConnectError": true,
        }))
    };
    for transport in ["websocket", "polling"] {
        let refused = run(transport, EVIL);
        assert!(refused.success, "{:#?}", refused.records);
        assert_eq!(
            refused.records[0]["type"], "connect_error",
            "{transport}: {:#?}",
            refused.records
        );
    }
    let listed = run("websocket", LISTED);
    assert!(listed.success, "{:#?} {}", listed.records, listed.stderr);
    assert_eq!(listed.events("ai-message-response").len(), 1);
    // Logged after both refusals, and logs are read in order.
    server.wait_for_log("A user connected");
    assert_eq!(
        server.count_logs("refused a request from a foreign origin"),
        2,
        "{}",
        server.all_logs()
    );
}
