//! The playground at `/` for browsers (content negotiation: `Accept: text/html`; API clients
//! keep the JSON description) and its assets under `/_sockai/`. HTML, CSS and JavaScript written
//! for sockai and embedded in the binary: the page works offline, loads nothing from elsewhere,
//! and talks to this server only, over its own small Socket.IO client (`socket.js`).
//!
//! Script and style are separate files so that the Content-Security-Policy can forbid every
//! inline script and style: a prompt or an event argument shown on the page can never run.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

/// Where the page's assets live; the prefix keeps clear of any path an application might use.
pub const SCRIPT_PATH: &str = "/_sockai/app.js";
/// The page's Socket.IO client, a module `app.js` imports.
pub const SOCKET_PATH: &str = "/_sockai/socket.js";
pub const STYLE_PATH: &str = "/_sockai/app.css";
pub const ICON_PATH: &str = "/_sockai/icon.svg";

/// Same-origin everything, nothing inline, no frames, no forms posted anywhere. `connect-src
/// 'self'` covers the page's WebSocket to this server (CSP 3 matches `ws:` to `http:`).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct Asset {
    body: &'static str,
    content_type: &'static str,
    etag: &'static str,
}

macro_rules! asset {
    ($file:literal, $type:literal) => {{
        const BODY: &str = include_str!($file);
        const ETAG: [u8; 18] = etag(BODY.as_bytes());
        Asset {
            body: BODY,
            content_type: $type,
            // Hex digits and quotes only: valid UTF-8 by construction.
            etag: match std::str::from_utf8(&ETAG) {
                Ok(etag) => etag,
                Err(_) => panic!("an ETag is ASCII"),
            },
        }
    }};
}

const INDEX: Asset = asset!("index.html", "text/html; charset=utf-8");
const SCRIPT: Asset = asset!("app.js", "text/javascript; charset=utf-8");
const SOCKET: Asset = asset!("socket.js", "text/javascript; charset=utf-8");
const STYLE: Asset = asset!("app.css", "text/css; charset=utf-8");
const ICON: Asset = asset!("icon.svg", "image/svg+xml");

/// The routes of the assets (the page itself is `GET /`, shared with the bridge and the JSON
/// description: see `http::root`).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(SCRIPT_PATH, route(&SCRIPT))
        .route(SOCKET_PATH, route(&SOCKET))
        .route(STYLE_PATH, route(&STYLE))
        .route(ICON_PATH, route(&ICON))
}

fn route<S: Clone + Send + Sync + 'static>(asset: &'static Asset) -> MethodRouter<S> {
    get(move |headers: HeaderMap| async move { serve(asset, &headers) })
}

/// Where a browser on this machine finds the page: the server's address, or loopback for an
/// unspecified one (`--host 0.0.0.0` is no address to browse to).
pub fn url(local: SocketAddr) -> String {
    let ip = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => Ipv4Addr::LOCALHOST.into(),
        IpAddr::V6(ip) if ip.is_unspecified() => Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    format!("http://{}/", SocketAddr::new(ip, local.port()))
}

/// The page, for a request that prefers HTML.
pub fn index(headers: &HeaderMap) -> Response {
    serve(&INDEX, headers)
}

/// Whether the request's `Accept` prefers HTML to JSON (see `prefers_html`).
pub fn wants_html(headers: &HeaderMap) -> bool {
    let accept = headers.get_all(header::ACCEPT).iter();
    prefers_html(accept.filter_map(|value| value.to_str().ok()))
}

/// Whether these `Accept` values prefer HTML to JSON: `text/html` (or XHTML) named with a
/// non-zero quality at least that of `application/json`. `*/*` alone (curl) or no `Accept`
/// (most HTTP libraries) keeps the JSON description. Total: any text gives an answer.
pub fn prefers_html<'a>(accept: impl IntoIterator<Item = &'a str>) -> bool {
    let (mut html, mut json) = (0.0_f32, 0.0_f32);
    for range in accept.into_iter().flat_map(|value| value.split(',')) {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|param| param.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, q)| q.trim().parse::<f32>().unwrap_or(0.0));
        match media.as_str() {
            "text/html" | "application/xhtml+xml" => html = html.max(quality),
            "application/json" => json = json.max(quality),
            _ => {}
        }
    }
    html > 0.0 && html >= json
}

fn serve(asset: &Asset, request: &HeaderMap) -> Response {
    let fresh = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| tag.trim().trim_start_matches("W/") == asset.etag);
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        asset.body.into_response()
    };
    let headers = response.headers_mut();
    let fixed = [
        (header::CONTENT_TYPE, asset.content_type),
        (header::ETAG, asset.etag),
        // Revalidated on every load (a 304 costs a round trip on loopback): a new binary's page
        // is never mixed with an old script.
        (header::CACHE_CONTROL, "no-cache"),
        (header::VARY, "Accept"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if fresh {
        headers.remove(header::CONTENT_TYPE);
    }
    response
}

/// `"<16 hex digits>"`: FNV-1a of the content, computed at compile time.
const fn etag(bytes: &[u8]) -> [u8; 18] {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    let digits = b"0123456789abcdef";
    let mut out = [b'"'; 18];
    let mut j = 0;
    while j < 16 {
        out[1 + j] = digits[((hash >> (60 - 4 * j)) & 0xf) as usize];
        j += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes of the page and everything it loads (the budget is 100 KB).
    fn weight() -> usize {
        [&INDEX, &SCRIPT, &SOCKET, &STYLE, &ICON]
            .iter()
            .map(|asset| asset.body.len())
            .sum()
    }

    fn accept(values: &[&str]) -> bool {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::ACCEPT, value.parse().unwrap());
        }
        wants_html(&headers)
    }

    #[test]
    fn browsers_get_the_page_and_api_clients_the_json() {
        let chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,\
                        image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(accept(&[chromium]));
        assert!(accept(&[firefox]));
        assert!(accept(&["TEXT/HTML"]));
        assert!(accept(&["application/json;q=0.5", "text/html"]));
        for api in [
            &[][..],
            &["*/*"],
            &["application/json"],
            &["application/json, text/html;q=0.9"],
            &["text/html;q=0"],
            &["text/html;q=nonsense"],
            &["text/*"],
        ] {
            assert!(!accept(api), "{api:?}");
        }
    }

    #[test]
    fn the_page_url_is_one_a_browser_can_open() {
        let url = |addr: &str| url(addr.parse().unwrap());
        assert_eq!(url("127.0.0.1:3000"), "http://127.0.0.1:3000/");
        assert_eq!(url("0.0.0.0:8080"), "http://127.0.0.1:8080/");
        assert_eq!(url("[::]:8080"), "http://[::1]:8080/");
        assert_eq!(url("192.168.1.5:80"), "http://192.168.1.5:80/");
    }

    #[test]
    fn the_page_is_light_and_revalidated() {
        assert!(weight() <= 100_000, "{} bytes", weight());
        assert_eq!(INDEX.etag.len(), 18);
        assert_ne!(INDEX.etag, SCRIPT.etag);
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, SCRIPT.etag.parse().unwrap());
        let cached = serve(&SCRIPT, &headers);
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
        let fresh = serve(&SCRIPT, &HeaderMap::new());
        assert_eq!(fresh.status(), StatusCode::OK);
        assert_eq!(fresh.headers()[header::CONTENT_SECURITY_POLICY], CSP);
    }

    #[test]
    fn the_page_loads_only_its_own_assets() {
        for path in [SCRIPT_PATH, SOCKET_PATH, STYLE_PATH, ICON_PATH] {
            assert!(INDEX.body.contains(path), "{path}");
        }
        // Nothing from elsewhere, nothing inline (the CSP would block it anyway).
        for file in [INDEX.body, SCRIPT.body, SOCKET.body, STYLE.body] {
            for outside in ["http://", "https://", "@import", "url("] {
                assert!(!file.contains(outside), "{outside:?} in an asset");
            }
        }
        for inline in [
            "<script>",
            "<style",
            "style=",
            "onclick=",
            "onload=",
            "javascript:",
        ] {
            assert!(!INDEX.body.contains(inline), "{inline:?} in index.html");
        }
    }
}
