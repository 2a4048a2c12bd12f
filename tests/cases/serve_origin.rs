//! The `Origin` rule: a web page on another origin cannot use the server by any way in (Socket.IO
//! over WebSocket and polling, the bridge, `/api/ai`), while clients that send no `Origin`, pages
//! on a listed origin and pages on the server's own origin are served; and `/api/ai` reads only
//! JSON bodies. (The start warning and `--cors-origin` refusals are in serve_cli.rs.)

use serde_json::json;

use crate::support::fake_upstream::{FakeUpstream, Reply, completion};
use crate::support::gate::{
    ORIGIN, POLLING_PATH, Page, WS_PATH, assert_loopback_peer, bridge_answers, poll, post_ai,
    request, session_path, socketio_answers, upgrade_path, upgrade_probed, ws_open,
};
use crate::support::{Server, health, node_client};

const EVIL: &str = "http://evil.example";
/// What the test servers get as `--cors-origin`; browsers send it as `LISTED`.
const LISTED_FLAG: &str = "HTTP://LocalHost:5173/";
const LISTED: &str = "http://localhost:5173";

#[tokio::test]
async fn a_foreign_origin_is_refused_on_every_way_in_before_the_provider_is_called() {
    let fake = FakeUpstream::start(vec![Reply::json(200, &completion("from the provider"))]);
    // Strict: loopback origins are allowed by default (serve_origin_loopback.rs).
    let server = fake.openai_server(
        "sk-test",
        &[
            "--no-stream",
            "--no-loopback-origins",
            "--cors-origin",
            LISTED_FLAG,
        ],
    );
    let port = server.addr.rsplit(':').next().unwrap();
    // The same server under another name is another origin, as browsers see it.
    let other_name = format!("http://localhost:{port}");
    for origin in [EVIL, "null", other_name.as_str()] {
        // Any WebSocket: direct Socket.IO, the bridge, any other path.
        for path in [WS_PATH, "/", "/elsewhere"] {
            let (status, body) = ws_open(&server.addr, path, Page::origin(Some(origin)))
                .await
                .err()
                .unwrap();
            ORIGIN.assert_refused(&format!("{origin} WebSocket {path}"), status, &body);
        }
        let (status, body) = poll(&server.addr, POLLING_PATH, Page::origin(Some(origin)), "").await;
        ORIGIN.assert_refused(
            &format!("{origin} polling"),
            status,
            &serde_json::from_str(&body).unwrap(),
        );
        for content_type in ["application/json", "text/plain"] {
            let (status, body) =
                post_ai(&server.addr, Page::origin(Some(origin)), content_type).await;
            ORIGIN.assert_refused(&format!("{origin} /api/ai {content_type}"), status, &body);
        }
    }
    // The message says what to allow.
    let (_, body) = post_ai(&server.addr, Page::origin(Some(EVIL)), "application/json").await;
    assert_eq!(
        body["message"],
        "origin http://evil.example is not allowed: start the server with \
         --cors-origin http://evil.example to allow it"
    );
    // A session opened without an Origin cannot be carried on from a foreign page either:
    // its polling requests and its upgrade are checked too.
    let session = session_path(poll(&server.addr, POLLING_PATH, Page::origin(None), "").await);
    let (status, body) = poll(&server.addr, &session, Page::origin(Some(EVIL)), "40").await;
    ORIGIN.assert_refused(
        "polling POST",
        status,
        &serde_json::from_str(&body).unwrap(),
    );
    let upgrade = upgrade_path(&session);
    let (status, body) = ws_open(&server.addr, &upgrade, Page::origin(Some(EVIL)))
        .await
        .err()
        .unwrap();
    ORIGIN.assert_refused("upgrade", status, &body);

    let logged = server.wait_for_log("refused a request from a foreign origin");
    assert_eq!(logged["origin"], EVIL, "{logged}");
    assert_eq!(
        logged["hint"], "add --cors-origin http://evil.example to allow this page",
        "{logged}"
    );
    assert_loopback_peer(&logged);
    assert!(fake.requests().is_empty(), "the provider was called");
    assert_eq!(health(&server).await["connections"], 0);
    // The control: the same request without an Origin does reach the provider.
    let (status, body) = post_ai(&server.addr, Page::origin(None), "application/json").await;
    assert_eq!(
        (status, body["response"].as_str()),
        (200, Some("from the provider"))
    );
    assert_eq!(fake.requests().len(), 1);
}

/// GET (a few times at most) until a payload holds a packet starting with `what`; the
/// server's first ping may come before it.
async fn poll_until(addr: &str, session: &str, page: Page<'_>, what: &str) {
    for _ in 0..5 {
        let (status, payload) = poll(addr, session, page, "").await;
        assert_eq!(status, 200, "{payload}");
        let mut packets = payload.split('\u{1e}');
        if packets.any(|packet| packet.starts_with(what)) {
            return;
        }
        if payload.split('\u{1e}').any(|packet| packet == "2") {
            assert_eq!(poll(addr, session, page, "3").await.0, 200);
        }
    }
    panic!("polling never delivered {what:?}");
}

/// Polling: open, join the namespace, read the CONNECT packet, then upgrade to WebSocket.
/// Returns the CORS header of the handshake.
async fn polling_joins_and_upgrades(addr: &str, page: Page<'_>) -> Option<String> {
    let open = request(
        reqwest::Method::GET,
        addr,
        POLLING_PATH,
        page,
        Some(("text/plain", "")),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(open.status(), 200);
    let cors = open
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let session = session_path((200, open.text().await.unwrap()));
    assert_eq!(
        poll(addr, &session, page, "40").await,
        (200, "ok".to_owned())
    );
    poll_until(addr, &session, page, "40{").await;
    upgrade_probed(addr, &upgrade_path(&session), page).await;
    cors
}

#[tokio::test]
async fn no_origin_a_listed_origin_and_the_servers_own_are_served_everywhere() {
    let server = Server::start(&["--no-loopback-origins", "--cors-origin", LISTED_FLAG]);
    let own = server.url.clone();
    for origin in [None, Some(LISTED), Some(own.as_str())] {
        socketio_answers(&server.addr, Page::origin(origin)).await;
        bridge_answers(&server.addr, Page::origin(origin)).await;
        let cors = polling_joins_and_upgrades(&server.addr, Page::origin(origin)).await;
        // The listed origin gets its CORS header, normalized as the browser sent it.
        let expected = (origin == Some(LISTED)).then(|| LISTED.to_owned());
        assert_eq!(cors, expected, "{origin:?}");
        let (status, body) = post_ai(
            &server.addr,
            Page::origin(origin),
            "application/json; charset=utf-8",
        )
        .await;
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
            let (status, body) = post_ai(&server.addr, Page::origin(origin), content_type).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (415, Some("unsupported_media_type")),
                "{origin:?} {content_type}: {body}"
            );
        }
    }
    let (status, _) = post_ai(&server.addr, Page::origin(None), "Application/JSON").await;
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
