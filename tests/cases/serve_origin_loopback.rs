//! Loopback origins: while the server listens on loopback, a page served from localhost,
//! 127.0.0.1 or [::1] on any port (a dev server such as Vite's) is served on every way in and
//! gets CORS headers, preflights included; `--no-loopback-origins` and a non-loopback `--host`
//! keep the strict rule, and the refusal's log line names the flag that would allow the page.

use crate::support::Server;
use crate::support::gate::{
    ORIGIN, POLLING_PATH, Page, WS_PATH, bridge_answers, poll, post_ai, request, socketio_answers,
    ws_open,
};

const VITE: &str = "http://localhost:5173";
const LOOPBACK: [&str; 3] = [VITE, "http://127.0.0.1:8080", "http://[::1]:5173"];

/// The CORS header a request from `origin` gets on `method path`.
async fn allowed_origin(
    addr: &str,
    method: reqwest::Method,
    path: &str,
    origin: &str,
) -> (u16, Option<String>) {
    let mut builder = request(method.clone(), addr, path, Page::origin(Some(origin)), None);
    if method == reqwest::Method::OPTIONS {
        builder = builder
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type");
    }
    let response = builder.send().await.unwrap();
    let header = response
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (response.status().as_u16(), header)
}

#[tokio::test]
async fn loopback_origins_are_served_everywhere_by_default() {
    let server = Server::start(&[]);
    for origin in LOOPBACK {
        let page = Page::origin(Some(origin));
        socketio_answers(&server.addr, page).await;
        bridge_answers(&server.addr, page).await;
        let (status, body) = post_ai(&server.addr, page, "application/json").await;
        assert_eq!((status, body["response"].as_str()), (200, Some("echo: hi")));
        for (method, path) in [
            (reqwest::Method::OPTIONS, "/api/ai"),
            (reqwest::Method::OPTIONS, POLLING_PATH),
            (reqwest::Method::GET, POLLING_PATH),
        ] {
            let (status, cors) = allowed_origin(&server.addr, method.clone(), path, origin).await;
            assert!(status < 300, "{method} {path} from {origin}: {status}");
            assert_eq!(
                cors.as_deref(),
                Some(origin),
                "{method} {path} from {origin}"
            );
        }
    }
    assert_eq!(
        server.count_logs("refused a request from a foreign origin"),
        0
    );
}

/// Every way in refuses `origin`, and a preflight gets no CORS grant.
async fn refused_everywhere(addr: &str, origin: &str) {
    let page = Page::origin(Some(origin));
    for path in [WS_PATH, "/"] {
        let (status, body) = ws_open(addr, path, page).await.err().unwrap();
        ORIGIN.assert_refused(&format!("{origin} WebSocket {path}"), status, &body);
    }
    let (status, body) = poll(addr, POLLING_PATH, page, "").await;
    ORIGIN.assert_refused(origin, status, &serde_json::from_str(&body).unwrap());
    let (status, body) = post_ai(addr, page, "application/json").await;
    ORIGIN.assert_refused(origin, status, &body);
    let (_, cors) = allowed_origin(addr, reqwest::Method::OPTIONS, "/api/ai", origin).await;
    assert_eq!(cors, None, "preflight from {origin}");
}

#[tokio::test]
async fn no_loopback_origins_keeps_only_listed_ones() {
    let server = Server::start(&["--no-loopback-origins"]);
    for origin in LOOPBACK {
        refused_everywhere(&server.addr, origin).await;
    }
    let logged = server.wait_for_log("refused a request from a foreign origin");
    assert_eq!(logged["origin"], VITE, "{logged}");
    assert_eq!(
        logged["hint"], "add --cors-origin http://localhost:5173 to allow this page",
        "{logged}"
    );
}

#[tokio::test]
async fn beyond_loopback_loopback_origins_are_foreign() {
    // 0.0.0.0 is reached here through 127.0.0.1; beyond loopback no Host is checked.
    let server = Server::start(&["--host", "0.0.0.0"]);
    let port = server.addr.rsplit(':').next().unwrap();
    let addr = format!("127.0.0.1:{port}");
    for origin in LOOPBACK {
        refused_everywhere(&addr, origin).await;
    }
}
