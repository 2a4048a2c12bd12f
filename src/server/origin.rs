//! The `Origin` rule: a web page may use the server only from the server's own origin or from
//! one listed with `--cors-origin`.
//!
//! A browser attaches `Origin` to every WebSocket handshake, to every cross-origin request and to
//! same-origin ones that are not GET or HEAD, and a page cannot forge or remove it. CORS does not
//! cover WebSockets at all, and a "simple" cross-site `POST` (a `text/plain` body, no preflight)
//! reaches the route before the browser looks at any CORS header: without this rule any page
//! the developer visits could talk to a local `sockai serve` and spend its provider's quota.
//! Requests without an `Origin` (CLI tools, server-side Socket.IO clients) are not a page riding
//! on someone's browser; `--auth-token` is what guards against those.
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
    }
}
