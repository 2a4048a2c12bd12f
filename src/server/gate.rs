//! The gate every request passes before anything else sees it (the engine, the direct
//! WebSocket transport, the routes): the `Host` rule (`host`), then the `Origin` rule
//! (`origin`). A refused request gets no session and no provider call, only `403` and the JSON
//! error body saying which flag would allow it.
//!
//! Preflights (`OPTIONS`) never get here: the CORS layer outside answers them by the same
//! `Origin` rule (`OriginPolicy::grants_cors`), granting nothing to an origin this gate would
//! refuse; the request that follows is checked here like any other.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use super::host::HostPolicy;
use super::metrics::{Metrics, Refused};
use super::origin::{self, OriginPolicy};
use super::response::error_response;

/// Longest piece of a refused `Host` or `Origin` quoted back in the error message and the log.
const QUOTE_MAX: usize = 200;

/// Both rules, decided once at start.
#[derive(Debug, Clone)]
pub struct Gate {
    pub hosts: HostPolicy,
    pub origins: OriginPolicy,
    pub metrics: Arc<Metrics>,
}

/// Middleware: refuse a request that names a host the server does not answer for, or whose
/// `Origin` the policy does not admit; pass everything else on.
pub async fn check(State(gate): State<Arc<Gate>>, request: Request, next: Next) -> Response {
    if let Some(host) = gate.hosts.refused(named_hosts(&request)) {
        let host = quote(host);
        tracing::warn!(
            %host,
            peer = %peer(&request),
            path = request.uri().path(),
            "refused a request for a host name that is not allowed"
        );
        return gate.refuse(Refused::Host, gate.hosts.refusal(&host));
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
        hint = origin::hint(&origin),
        "refused a request from a foreign origin"
    );
    gate.refuse(Refused::Origin, origin::refusal(&origin))
}

impl Gate {
    fn refuse(&self, why: Refused, error: crate::wire::ErrorPayload) -> Response {
        self.metrics.refused(why);
        self.metrics.error(error.code);
        error_response(error)
    }
}

/// Every host the request names: its `Host` headers, then its URI's authority (absolute-form
/// targets, HTTP/2).
fn named_hosts(request: &Request) -> impl Iterator<Item = &[u8]> {
    let hosts = request.headers().get_all(header::HOST).iter();
    let authority = request.uri().authority().map(|a| a.as_str().as_bytes());
    hosts.map(|value| value.as_bytes()).chain(authority)
}

/// The client's address, for the log.
fn peer(request: &Request) -> String {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(
            || "unknown".to_owned(),
            // A client address a proxy forwarded without its port.
            |info| match info.0.port() {
                0 => info.0.ip().to_string(),
                _ => info.0.to_string(),
            },
        )
}

/// A header value as text for messages: lossy, and at most `QUOTE_MAX` characters.
fn quote(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    match text.char_indices().nth(QUOTE_MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_host(hosts: &[&str], uri: &str) -> Option<String> {
        let policy = HostPolicy::new(&[], &[], "127.0.0.1:3000".parse().unwrap()).unwrap();
        let mut builder = Request::builder().uri(uri);
        for host in hosts {
            builder = builder.header(header::HOST, *host);
        }
        let request = builder.body(axum::body::Body::empty()).unwrap();
        policy.refused(named_hosts(&request)).map(quote)
    }

    #[test]
    fn every_host_the_request_names_must_pass() {
        assert_eq!(refused_host(&[], "/"), None);
        // "Host:" empty: no authority named.
        assert_eq!(refused_host(&[""], "/"), None);
        let two = refused_host(&["localhost", "evil.example"], "/");
        assert_eq!(two.as_deref(), Some("evil.example"));
        // An absolute-form request target names its host too.
        let absolute = refused_host(&["localhost"], "http://evil.example:3000/health");
        assert_eq!(absolute.as_deref(), Some("evil.example:3000"));
        assert_eq!(refused_host(&[], "http://localhost:3000/health"), None);
    }

    #[test]
    fn what_is_quoted_back_is_text_and_bounded() {
        assert_eq!(quote(b"\xffx"), "\u{fffd}x");
        assert_eq!(
            quote("a".repeat(1000).as_bytes()).chars().count(),
            QUOTE_MAX + 1
        );
    }
}
