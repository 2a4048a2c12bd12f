//! The one URL rule of `sockai connect`, `sockai emit` and `sockai bench`: from what the user
//! typed (URL, `--namespace`, `--path`, `--query`) to the server, namespace and Engine.IO URL.
//!
//! The rules follow the JavaScript client where it has one: a URL path other than `/` names
//! the namespace, `--path` is the Engine.IO path on the server. Where it has none, the rule is
//! the forgiving one: a URL without a scheme is `http://` (`localhost:3000`), `ws(s)://` means
//! `http(s)://`, and a trailing slash of the URL's path is not part of the namespace.
//! Pure: no I/O, every rule unit-tested below.

use url::Url;

/// Query parameters that the Engine.IO URL itself carries; the user may not set them.
const RESERVED_QUERY: [&str; 3] = ["EIO", "transport", "sid"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `http(s)://host:port`, the scheme normalised from `ws(s)`; no path, query or fragment.
    pub base: Url,
    /// The Engine.IO path on the server: starts and ends with `/` (`/socket.io/` by default).
    pub path: String,
    /// The Socket.IO namespace, `/` by default.
    pub namespace: String,
    /// The URL's own query, then `--query` pairs, in that order.
    pub query: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid URL {url:?}: {reason}")]
pub struct EndpointError {
    pub url: String,
    pub reason: String,
}

impl Endpoint {
    /// Resolve the user's URL and flags. `namespace` (`--namespace`) wins over the URL's path
    /// and is taken as given (a leading `/` added), so `--namespace /admin/` reaches a namespace
    /// whose name ends with a slash.
    pub fn parse(
        url: &str,
        namespace: Option<&str>,
        path: &str,
        query: &[(String, String)],
    ) -> Result<Self, EndpointError> {
        let invalid = |reason: String| EndpointError {
            url: url.to_owned(),
            reason,
        };
        let trimmed = url.trim();
        if trimmed.is_empty() {
            return Err(invalid("empty".to_owned()));
        }
        // `localhost:3000` parses as scheme "localhost": look for "://" instead.
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("http://{}", trimmed.trim_start_matches('/'))
        };
        let mut parsed = Url::parse(&with_scheme).map_err(|e| invalid(e.to_string()))?;
        let scheme = match parsed.scheme() {
            "http" | "ws" => "http",
            "https" | "wss" => "https",
            other => {
                return Err(invalid(format!(
                    "unsupported scheme {other}: use http, https, ws or wss"
                )));
            }
        };
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(invalid("no host".to_owned()));
        }
        // Special schemes always convert among themselves; an error here would be a url bug.
        parsed
            .set_scheme(scheme)
            .map_err(|()| invalid(format!("cannot use the scheme {scheme}")))?;
        let namespace = match namespace {
            Some(ns) => with_leading_slash(ns.trim()),
            None => match parsed.path().trim_end_matches('/') {
                "" => "/".to_owned(),
                ns => ns.to_owned(),
            },
        };
        let mut pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.extend(query.iter().cloned());
        if let Some((key, _)) = pairs
            .iter()
            .find(|(k, _)| RESERVED_QUERY.contains(&k.as_str()))
        {
            let hint = if key == "EIO" {
                " (use --eio 3|4 to choose the Engine.IO version)"
            } else {
                ""
            };
            return Err(invalid(format!(
                "the query parameter {key} is set by sockai itself{hint}"
            )));
        }
        parsed.set_path("/");
        parsed.set_query(None);
        parsed.set_fragment(None);
        Ok(Self {
            base: parsed,
            path: engine_path(path),
            namespace,
            query: pairs,
        })
    }

    /// The Engine.IO URL of one transport request: `transport` is `"polling"` (scheme
    /// `http(s)`) or `"websocket"` (scheme `ws(s)`), `sid` the session once there is one.
    /// The user's query comes first, then `EIO`, `transport` and `sid`, as the JS client orders them.
    pub fn engine_url(&self, transport: &str, eio: u8, sid: Option<&str>) -> Url {
        let mut url = self.base.clone();
        if transport == "websocket" {
            let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
            // http(s) → ws(s) always succeeds for a URL with a host (checked in `parse`).
            url.set_scheme(scheme).ok();
        }
        url.set_path(&self.path);
        {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in &self.query {
                pairs.append_pair(key, value);
            }
            pairs.append_pair("EIO", &eio.to_string());
            pairs.append_pair("transport", transport);
            if let Some(sid) = sid {
                pairs.append_pair("sid", sid);
            }
        }
        url
    }

    /// The server as users write it: `http://host:port` (no trailing slash).
    pub fn server(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_owned()
    }
}

fn with_leading_slash(text: &str) -> String {
    if text.starts_with('/') {
        text.to_owned()
    } else {
        format!("/{text}")
    }
}

/// `socket.io` → `/socket.io/`; `` → `/`.
fn engine_path(path: &str) -> String {
    let mut path = with_leading_slash(path.trim());
    if !path.ends_with('/') {
        path.push('/');
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Endpoint {
        Endpoint::parse(url, None, "/socket.io/", &[]).unwrap()
    }

    fn error(url: &str) -> String {
        Endpoint::parse(url, None, "/socket.io/", &[])
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_url_without_scheme_is_http() {
        let e = parse("localhost:3000");
        assert_eq!(e.base.as_str(), "http://localhost:3000/");
        assert_eq!(e.namespace, "/");
        assert_eq!(parse("127.0.0.1:4000/admin").namespace, "/admin");
        assert_eq!(parse("example.com").server(), "http://example.com");
        assert_eq!(parse("//h:1").server(), "http://h:1");
    }

    #[test]
    fn websocket_schemes_mean_http() {
        assert_eq!(parse("ws://h:1").server(), "http://h:1");
        assert_eq!(parse("wss://h").server(), "https://h");
        assert_eq!(
            parse("HTTPS://H.example:8443").server(),
            "https://h.example:8443"
        );
        // Default ports disappear, as browsers show them.
        assert_eq!(parse("https://h:443").server(), "https://h");
    }

    #[test]
    fn the_path_names_the_namespace_without_its_trailing_slash() {
        assert_eq!(parse("http://h/").namespace, "/");
        assert_eq!(parse("http://h").namespace, "/");
        assert_eq!(parse("http://h/admin").namespace, "/admin");
        assert_eq!(parse("http://h/admin/").namespace, "/admin");
        assert_eq!(parse("http://h/a/b//").namespace, "/a/b");
        assert_eq!(parse("http://h/admin#frag").namespace, "/admin");
    }

    #[test]
    fn namespace_flag_wins_and_is_taken_as_given() {
        let ns = |flag: &str| {
            Endpoint::parse("http://h/ignored", Some(flag), "/socket.io/", &[])
                .unwrap()
                .namespace
        };
        assert_eq!(ns("chat"), "/chat");
        assert_eq!(ns("/chat"), "/chat");
        assert_eq!(ns("/chat/"), "/chat/");
        assert_eq!(ns("/"), "/");
    }

    #[test]
    fn path_starts_and_ends_with_a_slash() {
        let path = |p: &str| Endpoint::parse("h", None, p, &[]).unwrap().path;
        assert_eq!(path("/socket.io/"), "/socket.io/");
        assert_eq!(path("socket.io"), "/socket.io/");
        assert_eq!(path("/custom"), "/custom/");
        assert_eq!(path(""), "/");
        assert_eq!(path("/"), "/");
    }

    #[test]
    fn queries_merge_url_first() {
        let e = Endpoint::parse(
            "wss://h.example/admin?token=1&room=a%20b",
            None,
            "/io",
            &[("x".into(), "y z".into())],
        )
        .unwrap();
        assert_eq!(
            e.query,
            vec![
                ("token".to_owned(), "1".to_owned()),
                ("room".to_owned(), "a b".to_owned()),
                ("x".to_owned(), "y z".to_owned())
            ]
        );
        assert_eq!(
            e.engine_url("websocket", 4, None).as_str(),
            "wss://h.example/io/?token=1&room=a+b&x=y+z&EIO=4&transport=websocket"
        );
        assert_eq!(
            e.engine_url("polling", 3, Some("abc")).as_str(),
            "https://h.example/io/?token=1&room=a+b&x=y+z&EIO=3&transport=polling&sid=abc"
        );
    }

    #[test]
    fn engine_urls() {
        let e = parse("http://127.0.0.1:3000");
        assert_eq!(
            e.engine_url("polling", 4, None).as_str(),
            "http://127.0.0.1:3000/socket.io/?EIO=4&transport=polling"
        );
        assert_eq!(
            e.engine_url("websocket", 4, Some("s1")).as_str(),
            "ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket&sid=s1"
        );
    }

    #[test]
    fn ipv6_hosts() {
        let e = parse("http://[::1]:3000/admin");
        assert_eq!(e.server(), "http://[::1]:3000");
        assert_eq!(e.namespace, "/admin");
        assert_eq!(
            e.engine_url("websocket", 4, None).as_str(),
            "ws://[::1]:3000/socket.io/?EIO=4&transport=websocket"
        );
        assert_eq!(parse("[::1]:3000").server(), "http://[::1]:3000");
        assert!(error("http://[::1:3000").contains("invalid IPv6"));
    }

    #[test]
    fn bad_urls_get_one_clear_error() {
        assert_eq!(
            error("ftp://h"),
            "invalid URL \"ftp://h\": unsupported scheme ftp: use http, https, ws or wss"
        );
        assert_eq!(error(""), "invalid URL \"\": empty");
        assert!(error("http://").starts_with("invalid URL \"http://\": "));
        assert!(error("http://exa mple.com").starts_with("invalid URL"));
        assert!(error("h:notaport").starts_with("invalid URL \"h:notaport\": invalid port"));
        assert!(error("http://h/?EIO=3").contains("--eio"));
        let reserved = Endpoint::parse("h", None, "/", &[("sid".into(), "x".into())]);
        assert!(
            reserved
                .unwrap_err()
                .to_string()
                .contains("sid is set by sockai")
        );
    }
}
