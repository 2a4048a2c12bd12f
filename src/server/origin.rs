//! The `Origin` rule: a web page may use the server only from the server's own origin, from
//! one listed with `--cors-origin`, or, while the server listens on a loopback address, from a
//! loopback origin (`http(s)://localhost`, `127.0.0.1`, `[::1]`, any port; off with
//! `--no-loopback-origins`).
//!
//! A browser attaches `Origin` to every WebSocket handshake, to every cross-origin request and to
//! same-origin ones that are not GET or HEAD, and a page cannot forge or remove it. CORS does not
//! cover WebSockets at all, and a "simple" cross-site `POST` (a `text/plain` body, no preflight)
//! reaches the route before the browser looks at any CORS header: without this rule any page
//! the developer visits could talk to a local `sockai serve` and spend its provider's quota.
//! Requests without an `Origin` (CLI tools, server-side Socket.IO clients) are not a page riding
//! on someone's browser; `--auth-token` is what guards against those.
//!
//! Loopback origins are allowed by default for the reason Ollama allows them: a page served
//! from this machine (a dev server such as Vite's `http://localhost:5173`) is the developer's
//! own, and a foreign site cannot serve a page from a loopback origin. A site that rebinds its
//! own name to 127.0.0.1 still has its own name as origin, so it stays refused. Beyond loopback
//! (`--host 0.0.0.0`) `localhost` is whatever machine the browser runs on, not this server's, so
//! the strict rule applies there.
//!
//! The rule only decides; `gate` applies it to every request, after the `Host` rule (`host`):
//! a page that rebinds its own name to 127.0.0.1 passes this one as the server's own origin.

use crate::wire::{ErrorCode, ErrorPayload};

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

/// The origins allowed besides the server's own: those from `--cors-origin`, and loopback ones
/// when `loopback` (a loopback listener without `--no-loopback-origins`).
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    listed: Vec<String>,
    loopback: bool,
}

impl OriginPolicy {
    /// Normalizes every listed origin; the first bad one is returned with its error.
    pub fn new(listed: &[String], loopback: bool) -> Result<Self, (String, OriginError)> {
        let listed = listed
            .iter()
            .map(|origin| normalize(origin).map_err(|e| (origin.clone(), e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { listed, loopback })
    }

    /// Whether the CORS layer grants `origin` (as the browser sent it) its headers: a listed
    /// origin, or a loopback one when those are allowed. The server's own origin needs none.
    pub fn grants_cors(&self, origin: &str) -> bool {
        normalize(origin).is_ok_and(|origin| self.granted(&origin))
    }

    /// `origin` is normalized.
    fn granted(&self, origin: &str) -> bool {
        self.listed.iter().any(|listed| listed == origin)
            || (self.loopback && is_loopback_origin(origin))
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
        self.granted(&origin) || host.and_then(own_origin).is_some_and(|own| own == origin)
    }
}

/// A normalized http(s) origin on `localhost`, `127.0.0.1` or `[::1]`, any port.
fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    // A bracketed IPv6 host contains colons: split the port off after the bracket.
    let host = match rest.strip_prefix("[::1]") {
        Some(port) => return port.is_empty() || port.starts_with(':'),
        None => rest.split_once(':').map_or(rest, |(host, _)| host),
    };
    matches!(host, "localhost" | "127.0.0.1")
}

/// The origin of a page served from the address the client asked for: plain http (the server
/// speaks no TLS) on the request's `Host`. A `Host` that is no bare host and port has none.
fn own_origin(host: &str) -> Option<String> {
    normalize(&format!("http://{host}")).ok()
}

/// What the log line of a refused origin suggests: the flag that would allow it.
pub fn hint(origin: &str) -> String {
    match normalize(origin) {
        Ok(origin) => format!("add --cors-origin {origin} to allow this page"),
        Err(OriginError::Null) => "serve the page over http and add --cors-origin with its \
            origin to allow it"
            .to_owned(),
        Err(_) => "not an origin --cors-origin can list".to_owned(),
    }
}

/// The error a refused origin gets (`origin` as quoted for the message): what to pass to
/// `--cors-origin` to allow it, if anything.
pub fn refusal(origin: &str) -> ErrorPayload {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(listed: &[&str]) -> OriginPolicy {
        let listed: Vec<String> = listed.iter().map(|o| (*o).to_owned()).collect();
        OriginPolicy::new(&listed, false).unwrap()
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
            OriginPolicy::new(&listed, true).unwrap_err(),
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
    }

    #[test]
    fn loopback_origins_are_allowed_only_when_the_listener_is_loopback() {
        let host = Some("127.0.0.1:3000");
        let loopback = OriginPolicy::new(&[], true).unwrap();
        let strict = policy(&[]);
        for origin in [
            "http://localhost:5173",
            "https://localhost",
            "http://127.0.0.1:8080",
            "http://[::1]:5173",
            "https://[::1]",
            "HTTP://LOCALHOST:5173/",
        ] {
            assert!(loopback.admits(origin, host), "{origin}");
            assert!(loopback.grants_cors(origin), "{origin}");
            assert!(!strict.admits(origin, host), "{origin}");
            assert!(!strict.grants_cors(origin), "{origin}");
        }
        for origin in [
            "http://evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example:5173",
            "http://[::2]:5173",
            "ws://localhost:5173",
            "chrome-extension://localhost",
            "null",
        ] {
            assert!(!loopback.admits(origin, host), "{origin}");
            assert!(!loopback.grants_cors(origin), "{origin}");
        }
    }

    #[test]
    fn the_hint_names_the_flag() {
        assert_eq!(
            hint("http://X:5173"),
            "add --cors-origin http://x:5173 to allow this page"
        );
        assert!(hint("null").contains("--cors-origin"));
        assert!(hint("garbage").contains("--cors-origin"));
    }
}
