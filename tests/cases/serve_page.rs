//! The playground at `/`: content negotiation and headers over HTTP, then the page itself and
//! the tutorial's frontend in Debian's Chromium (`tests/node/browser-*.mjs`, playwright-core).

use std::path::Path;
use std::time::Duration;

use reqwest::header;
use serde_json::{Value, json};

use crate::support::fake_upstream::{FakeUpstream, Reply};
use crate::support::{Server, json_lines, node_dir, require_node_modules};

/// The Chromium the browser tests drive (Debian's package; `.ci/run` installs it).
const CHROMIUM: &str = "/usr/bin/chromium";

/// A browser test file launches its browser once and runs every step in it.
const BROWSER_WAIT: Duration = Duration::from_secs(120);

const BROWSER_ACCEPT: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

async fn get(url: &str, accept: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(url);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn browsers_get_the_page_and_api_clients_the_description() {
    let server = Server::start(&[]);
    let page = get(&server.url, Some(BROWSER_ACCEPT)).await;
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    assert_eq!(headers[header::VARY], "Accept");
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>sockai playground</title>"), "{html}");

    // API clients: no Accept, curl's */*, JSON asked for.
    for accept in [None, Some("*/*"), Some("application/json")] {
        let response = get(&server.url, accept).await;
        assert_eq!(response.headers()[header::VARY], "Accept", "{accept:?}");
        let info: Value = response.json().await.unwrap();
        assert_eq!(info["name"], "sockai", "{accept:?}");
        assert_eq!(info["playground"], "GET / with Accept: text/html");
    }

    // The assets, and what the page weighs in all.
    let mut weight = html.len();
    for (path, kind) in [
        ("/_sockai/app.js", "text/javascript; charset=utf-8"),
        ("/_sockai/socket.js", "text/javascript; charset=utf-8"),
        ("/_sockai/app.css", "text/css; charset=utf-8"),
        ("/_sockai/icon.svg", "image/svg+xml"),
    ] {
        assert!(html.contains(path), "{path}");
        let url = format!("{}{path}", server.url);
        let response = get(&url, None).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], kind);
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );
        let etag = response.headers()[header::ETAG].clone();
        weight += response.bytes().await.unwrap().len();
        let again = reqwest::Client::new()
            .get(&url)
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path} revalidates");
    }
    println!("page weight: {weight} bytes (HTML, JS, CSS, icon; uncompressed)");
    assert!(weight <= 100_000, "the page weighs {weight} bytes");
}

#[test]
fn the_page_url_is_logged_after_the_listening_line() {
    let server = Server::start(&[]);
    let logged = server.wait_for_log("playground: open it in a browser");
    assert_eq!(logged["url"], format!("{}/", server.url));
}

#[tokio::test]
async fn a_foreign_page_cannot_load_the_assets() {
    let server = Server::start(&[]);
    let response = reqwest::Client::new()
        .get(format!("{}/_sockai/app.js", server.url))
        .header(header::ORIGIN, "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

/// Whether the browser tests can run: Chromium is there, or this is no CI run (then say why
/// the test is skipped). Under CI a missing Chromium fails.
fn chromium_or_skip(test: &str) -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{CHROMIUM} is missing under CI: .ci/run installs Debian's chromium"
    );
    eprintln!("SKIPPED {test}: {CHROMIUM} is missing (apt-get install chromium); CI never skips");
    false
}

/// Run a browser script of `tests/node` with its JSON argument; its records.
fn browser_script(script: &str, config: &Value) -> Vec<Value> {
    require_node_modules();
    assert!(
        node_dir().join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci --prefix tests/node`"
    );
    let output = assert_cmd::Command::new("node")
        .current_dir(node_dir())
        .arg(script)
        .arg(config.to_string())
        .env("SOCKAI_CHROMIUM", CHROMIUM)
        .timeout(BROWSER_WAIT)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed:\n{stderr}\nrecords:\n{stdout}"
    );
    json_lines(&output.stdout)
}

/// One OpenAI stream of `n` pieces of text, written in a few large writes.
fn many_chunks(n: usize) -> (Vec<String>, String) {
    let piece = |i: usize| format!("w{i} ");
    let event = |delta: Value, finish: Value| {
        let chunk = json!({"object": "chat.completion.chunk",
                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {chunk}\n\n")
    };
    let events: Vec<String> = (0..n)
        .map(|i| event(json!({"content": piece(i)}), Value::Null))
        .chain([
            event(json!({}), json!("stop")),
            "data: [DONE]\n\n".to_owned(),
        ])
        .collect();
    let writes = events.chunks(100).map(|group| group.concat()).collect();
    (writes, (0..n).map(piece).collect())
}

#[test]
fn the_page_chats_stops_resets_and_emits_in_chromium() {
    if !chromium_or_skip("the_page_chats_stops_resets_and_emits_in_chromium") {
        return;
    }
    // The page is the server's own origin: it needs no loopback-origin allowance.
    let fast = Server::start(&["--no-loopback-origins"]);
    let token = Server::start(&["--auth-token", "s3cret"]);
    let slow = Server::start(&["--echo-delay-ms", "60000"]);
    let echo = Server::start(&["--echo-server"]);
    let (writes, text) = many_chunks(2000);
    let writes: Vec<&str> = writes.iter().map(String::as_str).collect();
    let upstream = FakeUpstream::start(vec![Reply::sse(&writes)]);
    let stream = upstream.openai_server("sk-test", &[]);
    let mut config = json!({
        "fast": fast.url, "slow": slow.url, "token": token.url, "echo": echo.url, "stream": stream.url, "streamText": text,
    });
    if let Some(dir) = std::env::var_os("SOCKAI_SCREENSHOTS") {
        config["screenshots"] = json!(dir.to_string_lossy());
    }
    let records = browser_script("browser-page.mjs", &config);
    for record in &records {
        println!("browser-page: {record}");
    }
    assert_eq!(records.last(), Some(&json!({"ok": true})), "{records:#?}");
    // Stopped: the slow server dropped the answer and said so.
    slow.wait_for_log("AI answer cancelled by the client");
}

#[test]
fn the_tutorial_frontend_works_from_loopback_and_is_refused_elsewhere() {
    if !chromium_or_skip("the_tutorial_frontend_works_from_loopback_and_is_refused_elsewhere") {
        return;
    }
    let server = Server::start(&[]);
    let port = server.addr.rsplit(':').next().unwrap();
    let url = format!("http://localhost:{port}");
    let records = browser_script("browser-tutorial.mjs", &json!({ "server": url }));
    let done = records.last().unwrap();
    assert_eq!(done["ok"], true, "{records:#?}");
    let foreign = done["foreign_origin"].as_str().unwrap();
    let refused = server.wait_for_log("refused a request from a foreign origin");
    assert_eq!(refused["origin"], foreign);
    assert_eq!(
        refused["hint"],
        format!("add --cors-origin {foreign} to allow this page")
    );
    // Nothing from the loopback page was refused.
    let page = done["page_origin"].as_str().unwrap();
    assert!(
        !server
            .all_logs()
            .contains(&format!("\"origin\":\"{page}\"")),
        "{}",
        server.all_logs()
    );
}
