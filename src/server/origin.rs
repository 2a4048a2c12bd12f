//! The `Origin` rule: a web page may use the server only from the server's own origin or from
//! one listed with `--cors-origin`.
//!
//! A browser attaches `Origin` to every WebSocket handshake, to every cross-origin request and to
//! same-origin ones that are not GET or HEAD, and a page cannot forge or remove it. CORS does not
//! cover WebSockets at all, and a "simple" cross-site `POST` (a `text/plain` body, no preflight)
//! reaches the route before the browser looks at any CORS header: without this check any page
//! the developer visits could talk to a local `sockai serve` and spend its provider's quota.
//! So every request that carries an `Origin` is checked here, once, before socketioxide, the
//! direct WebSocket transport and the routes see it (no session, no provider call). Requests
//! without one (CLI tools, server-side Socket.IO clients) are not a page riding on someone's
//! browser and pass untouched; `--auth-token` is what guards against those.
//!
//! Preflights (`OPTIONS`) never get here: the CORS layer outside answers them, granting nothing
//! to an origin it does not list; the request that follows is checked here like any other.
//!
//! The same step checks `Host` first (see `host`): a page that rebinds its own name to
//! 127.0.0.1 passes the `Origin` rule as the server's own origin.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use super::host::HostPolicy;
use super::http::error_response;
use crate::wire::{ErrorCode, ErrorPayload};

/// Longest piece of a refused `Origin` quoted back in the error message and the log.
const QUOTE_MAX: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    #[error(
        "a wildcard would let every web page use this server (and its provider's key): \
         list each origin instead, e.g. http://localhost:5173"
    )]
    Wildcard,
    #[error(
        "`null` is the origin of every sandboxed frame and file:// page, so it would let any \
         web page in: serve the page over http and list that origin"
    )]
    Null,
    #[error(
        "expected an origin like http://localhost:5173: a scheme, a host, a port if not the default, no path"
    )]
    Malformed,
}

/// The form browsers give an origin in the `Origin` header: lowercase scheme and host, no
/// default port, no trailing slash (`HTTP://LocalHost:80/` → `http://localhost`).
pub fn normalize(text: &str) -> Result<String, OriginError> {
    let text = text.trim();
    if text.contains('*') {
        return Err(OriginError::Wildcard);
    }
    if text.eq_ignore_ascii_case("null") {
        return Err(OriginError::Null);
    }
    let url = url::Url::parse(text).map_err(|_| OriginError::Malformed)?;
    let bare = url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && matches!(url.path(), "" | "/");
    let host = url
        .host_str()
        .filter(|host| bare && !host.is_empty())
        .ok_or(OriginError::Malformed)?;
    // `port()` is None for a scheme's default port; for http(s) the host is already lowercase
    // and punycoded, as browsers send it; other schemes (`chrome-extension://…`) keep theirs.
    let port = url
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    Ok(format!(
        "{}://{}{port}",
        url.scheme(),
        host.to_ascii_lowercase()
    ))
}

/// The origins allowed besides the server's own, from `--cors-origin`.
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    listed: Vec<String>,
}

impl OriginPolicy {
    /// Normalizes every listed origin; the first bad one is returned with its error.
    pub fn new(listed: &[String]) -> Result<Self, (String, OriginError)> {
        let listed = listed
            .iter()
            .map(|origin| normalize(origin).map_err(|e| (origin.clone(), e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { listed })
    }

    /// The listed origins, normalized (for the CORS layer, which compares them byte for byte).
    pub fn listed(&self) -> &[String] {
        &self.listed
    }

    /// Whether a request with this `Origin`, addressed to `host` (its `Host` header), may be
    /// served. An origin that does not parse (`null` among them) is never allowed.
    pub fn admits(&self, origin: &str, host: Option<&str>) -> bool {
        let Ok(origin) = normalize(origin) else {
            return false;
        };
        self.listed.contains(&origin) || host.and_then(own_origin).is_some_and(|own| own == origin)
    }
}

/// The origin of a page served from the address the client asked for: plain http (the server
/// speaks no TLS) on the request's `Host`. A `Host` that is no bare host and port has none.
fn own_origin(host: &str) -> Option<String> {
    normalize(&format!("http://{host}")).ok()
}

/// What every request must pass before anything else sees it.
#[derive(Debug, Clone)]
pub struct Gate {
    pub hosts: HostPolicy,
    pub origins: OriginPolicy,
}

/// Middleware: refuse a request that names a host the server does not answer for, or whose
/// `Origin` the policy does not admit, with `403` and the JSON error body; pass everything
/// else on.
pub async fn check(State(gate): State<Arc<Gate>>, request: Request, next: Next) -> Response {
    if let Some(host) = gate.hosts.refused(&request) {
        tracing::warn!(
            %host,
            peer = %peer(&request),
            path = request.uri().path(),
            "refused a request for a host name that is not allowed"
        );
        return error_response(gate.hosts.refusal(&host));
    }
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        // HTTP/2 carries the address in the URI instead.
        .or_else(|| {
            request
                .uri()
                .authority()
                .map(|authority| authority.as_str())
        });
    let refused = headers
        .get_all(header::ORIGIN)
        .iter()
        .find(|origin| !origin.to_str().is_ok_and(|o| gate.origins.admits(o, host)))
        .map(|origin| quote(origin.as_bytes()));
    let Some(origin) = refused else {
        return next.run(request).await;
    };
    tracing::warn!(
        %origin,
        peer = %peer(&request),
        path = request.uri().path(),
        "refused a request from a foreign origin"
    );
    error_response(refusal(&origin))
}

/// The client's address, for the log.
fn peer(request: &Request) -> String {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |info| info.0.to_string())
}

/// The error a refused origin gets: what to pass to `--cors-origin` to allow it, if anything.
fn refusal(origin: &str) -> ErrorPayload {
    let message = match normalize(origin) {
        Ok(origin) => format!(
            "origin {origin} is not allowed: start the server with --cors-origin {origin} to allow it"
        ),
        Err(OriginError::Null) => "origin null is not allowed: sandboxed frames and file:// \
            pages cannot use this server; serve the page over http and start the server with \
            --cors-origin set to that page's origin"
            .to_owned(),
        Err(_) => format!(
            "origin {origin} is not allowed: it is not an origin like http://localhost:5173 \
             (see --cors-origin)"
        ),
    };
    ErrorPayload::new(ErrorCode::OriginNotAllowed, message)
}

/// A header value as text for messages: lossy, and at most `QUOTE_MAX` characters.
pub(super) fn quote(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    match text.char_indices().nth(QUOTE_MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(listed: &[&str]) -> OriginPolicy {
        let listed: Vec<String> = listed.iter().map(|o| (*o).to_owned()).collect();
        OriginPolicy::new(&listed).unwrap()
    }

    #[test]
    fn normalizes_as_browsers_serialize() {
        for (given, expected) in [
            ("http://localhost:5173", "http://localhost:5173"),
            ("http://localhost:5173/", "http://localhost:5173"),
            ("HTTP://LocalHost:5173", "http://localhost:5173"),
            ("http://example.com:80", "http://example.com"),
            ("https://example.com:443/", "https://example.com"),
            ("https://example.com:80", "https://example.com:80"),
            ("http://[::1]:3000", "http://[::1]:3000"),
            ("http://bücher.example", "http://xn--bcher-kva.example"),
            (
                "chrome-extension://abcdefghijklmnop",
                "chrome-extension://abcdefghijklmnop",
            ),
        ] {
            assert_eq!(normalize(given).as_deref(), Ok(expected), "{given}");
        }
    }

    #[test]
    fn refuses_what_is_no_single_origin() {
        for wild in ["*", "http://*.example.com", "https://*"] {
            assert_eq!(normalize(wild), Err(OriginError::Wildcard), "{wild}");
        }
        assert_eq!(normalize("null"), Err(OriginError::Null));
        for bad in [
            "",
            "localhost:5173",
            "localhost",
            "http://",
            "http://localhost:5173/app",
            "http://localhost:5173?x=1",
            "http://localhost:5173#top",
            "http://user@localhost:5173",
            "http://localhost:99999",
            "file:///home/me/index.html",
        ] {
            assert_eq!(normalize(bad), Err(OriginError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn the_servers_own_origin_is_the_host_it_was_addressed_by() {
        let none = policy(&[]);
        assert!(none.admits("http://127.0.0.1:3000", Some("127.0.0.1:3000")));
        assert!(none.admits("http://localhost:3000", Some("LOCALHOST:3000")));
        assert!(none.admits("http://[::1]:3000", Some("[::1]:3000")));
        // No port in Host: the default one.
        assert!(none.admits("http://sockai.test", Some("sockai.test")));
        assert!(none.admits("http://sockai.test:80", Some("sockai.test")));
        // Another name of the same address is another origin, as browsers see it.
        assert!(!none.admits("http://localhost:3000", Some("127.0.0.1:3000")));
        assert!(!none.admits("http://127.0.0.1:3001", Some("127.0.0.1:3000")));
        // The server speaks plain http: a page over https is not served by it.
        assert!(!none.admits("https://127.0.0.1:3000", Some("127.0.0.1:3000")));
        assert!(!none.admits("http://127.0.0.1:3000", None));
    }

    #[test]
    fn foreign_and_opaque_origins_are_refused_unless_listed() {
        let none = policy(&[]);
        let host = Some("127.0.0.1:3000");
        for origin in [
            "http://evil.example",
            "null",
            "",
            "*",
            "http://127.0.0.1:3000/x",
        ] {
            assert!(!none.admits(origin, host), "{origin:?}");
        }
        // A Host that is more than a host and port never makes anything same-origin.
        assert!(!none.admits("http://evil.example", Some("evil.example/x")));
        assert!(!none.admits("http://127.0.0.1", Some("evil@127.0.0.1")));

        let listed = policy(&["HTTP://Localhost:5173/", "https://app.example:443"]);
        assert_eq!(
            listed.listed(),
            ["http://localhost:5173", "https://app.example"]
        );
        assert!(listed.admits("http://localhost:5173", host));
        assert!(listed.admits("https://app.example", host));
        assert!(listed.admits("https://app.example:443", host));
        assert!(!listed.admits("http://app.example", host));
        assert!(!listed.admits("http://localhost:5174", host));
        assert!(!listed.admits("http://evil.example", host));
    }

    #[test]
    fn a_bad_listed_origin_is_named() {
        let listed = vec!["http://ok.example".to_owned(), "*".to_owned()];
        assert_eq!(
            OriginPolicy::new(&listed).unwrap_err(),
            ("*".to_owned(), OriginError::Wildcard)
        );
    }

    #[test]
    fn the_refusal_says_how_to_allow_the_origin() {
        let payload = refusal("HTTP://Evil.example");
        assert_eq!(payload.code, ErrorCode::OriginNotAllowed);
        assert_eq!(
            payload.message,
            "origin http://evil.example is not allowed: start the server with \
             --cors-origin http://evil.example to allow it"
        );
        assert!(refusal("null").message.contains("file://"));
        assert!(refusal("garbage").message.contains("--cors-origin"));
        assert_eq!(
            quote("a".repeat(1000).as_bytes()).chars().count(),
            QUOTE_MAX + 1
        );
    }
}
