//! The `Host` rule against DNS rebinding: a page on `http://evil.example:PORT` whose name now
//! points at 127.0.0.1 sends `Host: evil.example:PORT` and its own origin, which the `Origin`
//! rule accepts. A server on loopback refuses it on every way in, before the provider is
//! called, and serves loopback names, `--allowed-host` names and `--cors-origin` hosts; beyond
//! loopback it checks no name unless `--allowed-host` is given.
//!
//! Every request goes to 127.0.0.1; only the `Host` (and `Origin`) headers say what a browser
//! would have addressed.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::support::fake_upstream::{FakeUpstream, Reply, completion};
use crate::support::gate::{
    HOST, POLLING_PATH, Page, WS_PATH, assert_loopback_peer, bridge_answers, http, json_body,
    post_ai, session_path, socketio_answers, upgrade_path, upgrade_probed, ws_open,
};
use crate::support::{Server, WAIT, sockai};

const REFUSED_LOG: &str = "refused a request for a host name that is not allowed";

/// The address to connect to: the server's port on 127.0.0.1, whatever it listens on.
fn loopback(server: &Server) -> String {
    format!("127.0.0.1:{}", port(server))
}

fn port(server: &Server) -> &str {
    server.addr.rsplit(':').next().unwrap()
}

/// Open a polling session as a plain HTTP tool would; returns the path of its later requests.
async fn polling_session(addr: &str, page: Page<'_>) -> String {
    session_path(http(addr, POLLING_PATH, page, None).await)
}

/// Every way in refuses `page` with `host_not_allowed`; returns the message of `/api/ai`.
async fn refused_everywhere(server: &Server, page: Page<'_>) -> String {
    let addr = loopback(server);
    for path in [WS_PATH, "/", "/elsewhere"] {
        let (status, body) = ws_open(&addr, path, page).await.err().unwrap();
        HOST.assert_refused(&format!("{page:?} WebSocket {path}"), status, &body);
    }
    for path in [POLLING_PATH, "/health", "/"] {
        let (status, body) = http(&addr, path, page, None).await;
        HOST.assert_refused(&format!("{page:?} GET {path}"), status, &json_body(&body));
    }
    // A session opened by loopback name cannot be carried on under another.
    let session = polling_session(&addr, Page::host(&addr)).await;
    let (status, body) = http(&addr, &session, page, Some(("text/plain", "40"))).await;
    HOST.assert_refused(&format!("{page:?} polling POST"), status, &json_body(&body));
    let (status, body) = ws_open(&addr, &upgrade_path(&session), page)
        .await
        .err()
        .unwrap();
    HOST.assert_refused(&format!("{page:?} upgrade"), status, &body);
    let (status, body) = post_ai(&addr, page, "application/json").await;
    HOST.assert_refused(&format!("{page:?} /api/ai"), status, &body);
    body["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_rebinding_page_is_refused_on_every_way_in_before_the_provider_is_called() {
    let fake = FakeUpstream::start(vec![Reply::json(200, &completion("from the provider"))]);
    let server = fake.openai_server(
        "sk-test",
        &["--no-stream", "--cors-origin", "http://localhost:5173"],
    );
    let host = format!("evil.example:{}", port(&server));
    let origin = format!("http://{host}");
    // The page's own origin on WebSockets and POSTs; none on its same-origin GETs.
    for page in [
        Page::host(&host).with_origin(&origin),
        Page::host(&host),
        // Case and a missing port change nothing.
        Page::host("EVIL.Example"),
    ] {
        refused_everywhere(&server, page).await;
    }
    for other in ["localhost.", "127.1", "0.0.0.0", "[::ffff:127.0.0.1]"] {
        let other = format!("{other}:{}", port(&server));
        let page = Page::host(&other);
        let (status, body) = post_ai(&loopback(&server), page, "application/json").await;
        HOST.assert_refused(&other, status, &body);
    }
    let page = Page::host(&host).with_origin(&origin);
    let (_, body) = post_ai(&loopback(&server), page, "application/json").await;
    assert_eq!(
        body["message"],
        "host evil.example is not allowed: this server listens on a loopback address; \
         start it with --allowed-host evil.example to allow that name"
    );

    let logged = server.wait_for_log(REFUSED_LOG);
    assert_eq!(logged["level"], "WARN", "{logged}");
    assert_eq!(logged["host"], host, "{logged}");
    assert_loopback_peer(&logged);
    assert!(fake.requests().is_empty(), "the provider was called");
    let addr = loopback(&server);
    let local = Page::host(&addr);
    let health = json_body(&http(&addr, "/health", local, None).await.1);
    assert_eq!(health["connections"], 0, "{health}");
    // The control: the same request by a loopback name reaches the provider.
    let (status, body) = post_ai(&addr, local, "application/json").await;
    assert_eq!(
        (status, body["response"].as_str()),
        (200, Some("from the provider"))
    );
    assert_eq!(fake.requests().len(), 1);
}

/// Socket.IO over WebSocket, the bridge, polling (join, then upgrade) and `/api/ai` all answer.
async fn served_everywhere(addr: &str, page: Page<'_>) {
    socketio_answers(addr, page).await;
    bridge_answers(addr, page).await;

    let session = polling_session(addr, page).await;
    let posted = http(addr, &session, page, Some(("text/plain", "40"))).await;
    assert_eq!(posted, (200, "ok".to_owned()), "{page:?}");
    upgrade_probed(addr, &upgrade_path(&session), page).await;

    let (status, body) = post_ai(addr, page, "application/json").await;
    assert_eq!(
        (status, body["response"].as_str()),
        (200, Some("echo: hi")),
        "{page:?}: {body}"
    );
}

/// A page on `http://HOST` using the server as its own origin.
async fn own_origin_served(server: &Server, host: &str) {
    let origin = format!("http://{host}");
    let page = Page::host(host).with_origin(&origin);
    served_everywhere(&loopback(server), page).await;
}

#[tokio::test]
async fn loopback_names_are_served() {
    let server = Server::start(&[]);
    let port = port(&server).to_owned();
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("127.0.0.2:{port}"),
        format!("[::1]:{port}"),
        format!("app.localhost:{port}"),
        format!("LocalHost:{port}"),
    ] {
        own_origin_served(&server, &host).await;
    }
    // No port in Host, no Origin (as from a proxy on port 80).
    for host in ["localhost", "[::1]"] {
        let page = Page::host(host);
        served_everywhere(&loopback(&server), page).await;
    }
    assert_eq!(server.count_logs(REFUSED_LOG), 0, "{}", server.all_logs());
}

#[tokio::test]
async fn allowed_host_and_cors_origin_hosts_are_served() {
    let allowed = Server::start(&["--allowed-host", "Evil.Example", "--allowed-host", ".lan"]);
    for host in ["evil.example", "devbox.lan", "a.b.lan"] {
        own_origin_served(&allowed, &format!("{host}:{}", port(&allowed))).await;
    }
    let page = Page::host("other.example");
    let (status, body) = post_ai(&loopback(&allowed), page, "application/json").await;
    HOST.assert_refused("other.example", status, &body);

    // A frontend on a dev server at evil.example:5173 using the server by the same name: the
    // user trusts that name on any port.
    let listed = Server::start(&["--cors-origin", "http://evil.example:5173"]);
    let host = format!("evil.example:{}", port(&listed));
    let page = Page::host(&host).with_origin("http://evil.example:5173");
    served_everywhere(&loopback(&listed), page).await;
    let page = Page::host(&host);
    assert_eq!(
        post_ai(&loopback(&listed), page, "application/json")
            .await
            .0,
        200
    );
    let sub = format!("sub.evil.example:{}", port(&listed));
    let page = Page::host(&sub);
    let (status, body) = post_ai(&loopback(&listed), page, "application/json").await;
    HOST.assert_refused(&sub, status, &body);
}

#[tokio::test]
async fn beyond_loopback_no_host_is_checked_unless_allowed_host_is_given() {
    let open = Server::start(&["--host", "0.0.0.0"]);
    own_origin_served(&open, &format!("evil.example:{}", port(&open))).await;
    assert_eq!(open.count_logs(REFUSED_LOG), 0, "{}", open.all_logs());

    let listed = Server::start(&["--host", "0.0.0.0", "--allowed-host", "devbox.lan"]);
    let port = port(&listed).to_owned();
    for host in [format!("devbox.lan:{port}"), format!("localhost:{port}")] {
        own_origin_served(&listed, &host).await;
    }
    let evil = format!("evil.example:{port}");
    let origin = format!("http://{evil}");
    let message = refused_everywhere(&listed, Page::host(&evil).with_origin(&origin)).await;
    assert_eq!(
        message,
        "host evil.example is not allowed: it is not one of this server's --allowed-host \
         names; add --allowed-host evil.example to allow that name"
    );
}

/// One raw HTTP/1.x request, as old tools and proxies write them; returns the status line and
/// the body.
fn raw_request(addr: &str, head: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut response = String::new();
    // HTTP/1.0 and `Connection: close`: the server closes after answering.
    stream.read_to_string(&mut response).unwrap();
    let status = response.lines().next().unwrap_or_default().to_owned();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn a_request_naming_no_host_is_served_and_every_named_host_is_checked() {
    for mode in [&[][..], &["--echo-server"][..]] {
        let server = Server::start(mode);
        let addr = loopback(&server);
        let (status, body) = raw_request(&addr, "GET /health HTTP/1.0\r\n\r\n");
        assert!(status.contains(" 200 "), "{mode:?}: {status} {body}");
        let (status, _) = raw_request(
            &addr,
            "GET /health HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n",
        );
        assert!(status.contains(" 200 "), "{mode:?}: empty Host: {status}");
        for head in [
            "GET /health HTTP/1.0\r\nHost: evil.example\r\n\r\n",
            // An absolute-form target names a host too, whatever Host says.
            "GET http://evil.example/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: user@localhost\r\nConnection: close\r\n\r\n",
        ] {
            let (status, body) = raw_request(&addr, head);
            assert!(
                status.contains(" 403 "),
                "{mode:?} {head:?}: {status} {body}"
            );
            HOST.assert_refused(head, 403, &json_body(&body));
        }
    }
}

#[test]
fn allowed_host_refuses_wildcards_and_what_is_no_host_name() {
    for (flag, reason) in [
        ("*", "wildcard"),
        ("*.example.com", "wildcard"),
        ("devbox:3000", "without scheme or port"),
        ("http://devbox", "without scheme or port"),
        ("127.1", "without scheme or port"),
        ("", "without scheme or port"),
    ] {
        let out = sockai()
            .args(["serve", "--port", "0", "--allowed-host", flag])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!(
                "error: invalid value '{flag}' for '--allowed-host"
            )) && first.contains(reason),
            "{flag}: {stderr}"
        );
    }
}
