//! The `Host` rule: a server on a loopback address answers only requests addressed to a
//! loopback name, one listed with `--allowed-host` or the host of a `--cors-origin`.
//!
//! The `Origin` rule alone leaves DNS rebinding open: a page on `http://evil.example:3000`
//! re-points `evil.example` to 127.0.0.1, and its requests then reach the local server as the
//! page's *own* origin (`Origin` and `Host` both `evil.example:3000`; a same-origin GET carries
//! no `Origin` at all). What the attacker cannot change is the name: the browser sends it in
//! `Host`. A loopback server is only ever reached by name through loopback names, so any other
//! name is a page that is not ours, as Vite (`server.allowedHosts`) and Ollama decide too.
//!
//! Loopback names are `localhost`, `*.localhost` (browsers resolve both themselves), an IPv4
//! address in 127.0.0.0/8 written as four decimal numbers, and `[::1]`: the forms browsers send.
//! Anything else, `127.1`, `localhost.` (a trailing dot makes another name for browsers too) or
//! a Host that is no `host[:port]`, is not one; a name the user trusts can be listed. The port
//! is never checked: the socket already decided it.
//!
//! A server listening beyond loopback (`--host 0.0.0.0`) is reached by whatever names point at
//! the machine, so it checks nothing unless `--allowed-host` is given; `--auth-token` and the
//! start warning are what cover it. A request without `Host` (HTTP/1.0 tools) names no host:
//! browsers always send one, so it is served.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::wire::{ErrorCode, ErrorPayload};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error(
        "a wildcard would let in every name, and with them DNS rebinding: list each name \
         (a leading dot, as in .example.com, allows a domain and all its subdomains)"
    )]
    Wildcard,
    #[error(
        "expected a host name or IP address without scheme or port, e.g. devbox.local, \
         192.168.1.5, [fe80::1] or .example.com"
    )]
    Malformed,
}

/// The form browsers send a host in `Host`: lowercase, punycode, IPv6 in brackets. A leading
/// dot (`.example.com`) stands for the domain and all its subdomains.
pub fn normalize(text: &str) -> Result<String, HostError> {
    let text = text.trim();
    if text.contains('*') {
        return Err(HostError::Wildcard);
    }
    let (suffix, name) = match text.strip_prefix('.') {
        Some(name) => (".", name),
        None => ("", text),
    };
    // `fe80::1` is as clear as `[fe80::1]`; a port (`devbox:3000`) then fails as IPv6.
    let bracketed;
    let name = if suffix.is_empty() && name.contains(':') && !name.starts_with('[') {
        bracketed = format!("[{name}]");
        bracketed.as_str()
    } else {
        name
    };
    match url::Host::parse(name).map_err(|_| HostError::Malformed)? {
        url::Host::Domain(domain) if is_name(&domain) => Ok(format!("{suffix}{domain}")),
        // Only the canonical form: `127.1` would be a second spelling browsers never send.
        url::Host::Ipv4(ip) if suffix.is_empty() && ip.to_string() == name => Ok(ip.to_string()),
        ipv6 @ url::Host::Ipv6(_) if suffix.is_empty() => Ok(ipv6.to_string()),
        _ => Err(HostError::Malformed),
    }
}

/// A DNS name as browsers send it: labels of lowercase letters, digits, `-` and `_`, none
/// empty but for the root after a trailing dot.
fn is_name(name: &str) -> bool {
    let labels = name.strip_suffix('.').unwrap_or(name);
    !labels.is_empty()
        && labels.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_".contains(&b))
        })
}

/// The host named by a `Host` header or URI authority, lowercase and without its port; None
/// when the value is no `host[:port]`.
fn host_of(authority: &str) -> Option<String> {
    let (host, rest) = if authority.starts_with('[') {
        authority.split_at(authority.find(']')? + 1)
    } else {
        authority.split_at(authority.find(':').unwrap_or(authority.len()))
    };
    if let Some(port) = rest.strip_prefix(':') {
        let digits = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        if !digits || port.parse::<u16>().is_err() {
            return None;
        }
    } else if !rest.is_empty() {
        return None;
    }
    let host = host.to_ascii_lowercase();
    let valid = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(ipv6) => ipv6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => is_name(&host),
    };
    valid.then_some(host)
}

/// `localhost`, `*.localhost`, 127.0.0.0/8 in four decimal numbers, `[::1]`.
fn is_loopback_name(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost") && is_name(host)
        // The standard parser takes only four decimal numbers, no leading zeros.
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host == "[::1]"
}

/// Which hosts a request may name, decided once at start.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    /// False on a non-loopback listener without `--allowed-host`: every host is served.
    enforced: bool,
    loopback_listener: bool,
    /// Normalized names; one with a leading dot covers a domain and its subdomains.
    listed: Vec<String>,
}

impl HostPolicy {
    /// From `--allowed-host` (normalized here; the first bad one is returned with its error),
    /// the `--cors-origin` origins (normalized) and the address the server listens on.
    pub fn new(
        allowed: &[String],
        cors_origins: &[String],
        listen: SocketAddr,
    ) -> Result<Self, (String, HostError)> {
        let mut listed = allowed
            .iter()
            .map(|host| normalize(host).map_err(|e| (host.clone(), e)))
            .collect::<Result<Vec<_>, _>>()?;
        // The user trusts these origins' pages, so their names too, on any port.
        listed.extend(cors_origins.iter().filter_map(|origin| {
            let url = url::Url::parse(origin).ok()?;
            matches!(url.scheme(), "http" | "https").then(|| url.host_str().map(str::to_owned))?
        }));
        let ip = listen.ip().to_canonical();
        let loopback_listener = ip.is_loopback();
        // `--host 192.168.1.5` says the server is reached by that address.
        if !ip.is_unspecified() && !loopback_listener {
            listed.push(match ip {
                IpAddr::V4(ip) => ip.to_string(),
                IpAddr::V6(ip) => url::Host::<String>::Ipv6(ip).to_string(),
            });
        }
        Ok(Self {
            enforced: loopback_listener || !allowed.is_empty(),
            loopback_listener,
            listed,
        })
    }

    fn admits_host(&self, host: &str) -> bool {
        is_loopback_name(host)
            || self
                .listed
                .iter()
                .any(|entry| match entry.strip_prefix('.') {
                    Some(domain) => host == domain || host.ends_with(entry.as_str()),
                    None => host == entry,
                })
    }

    /// The first of the hosts a request names (its `Host` headers, then its URI authority)
    /// that is not allowed, as the request gave it. A request naming no host is served.
    pub fn refused<'a>(&self, named: impl IntoIterator<Item = &'a [u8]>) -> Option<&'a [u8]> {
        if !self.enforced {
            return None;
        }
        named
            .into_iter()
            // "Host:" with no value is how HTTP/1.1 says "no authority": nothing named.
            .filter(|value| !value.is_empty())
            .find(|value| {
                !std::str::from_utf8(value)
                    .ok()
                    .and_then(host_of)
                    .is_some_and(|host| self.admits_host(&host))
            })
    }

    /// The error a refused `Host` gets: the `--allowed-host` that would allow it, if any.
    /// `host` is the value `refused` returned, as quoted for the message.
    pub fn refusal(&self, host: &str) -> ErrorPayload {
        // Only a name `--allowed-host` takes as it is can be suggested.
        let listable = host_of(host).filter(|name| normalize(name).as_ref() == Ok(name));
        let message = match listable {
            Some(name) if self.loopback_listener => format!(
                "host {name} is not allowed: this server listens on a loopback address; \
                 start it with --allowed-host {name} to allow that name"
            ),
            Some(name) => format!(
                "host {name} is not allowed: it is not one of this server's --allowed-host \
                 names; add --allowed-host {name} to allow that name"
            ),
            None => format!(
                "host {host:?} is not allowed: it is not a host name or address as browsers \
                 send them; address the server as localhost or 127.0.0.1, or by a name given \
                 with --allowed-host"
            ),
        };
        ErrorPayload::new(ErrorCode::HostNotAllowed, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOPBACK: &str = "127.0.0.1:3000";

    fn policy(allowed: &str, origins: &str, listen: &str) -> HostPolicy {
        let words = |text: &str| {
            text.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        HostPolicy::new(&words(allowed), &words(origins), listen.parse().unwrap()).unwrap()
    }

    /// Whether each of these whitespace-separated hosts is served, in turn.
    fn assert_served(policy: &HostPolicy, hosts: &str, served: bool) {
        for host in hosts.split_whitespace() {
            let refused = policy.refused([host.as_bytes()]);
            assert_eq!(refused.is_none(), served, "{host}");
        }
    }

    #[test]
    fn loopback_names_are_served_with_any_port_and_case() {
        let default = policy("", "", LOOPBACK);
        assert_served(
            &default,
            "localhost localhost:3000 LOCALHOST:3000 app.localhost:5173 a.b.LocalHost \
             127.0.0.1 127.0.0.1:1 127.255.0.9:65535 [::1] [::1]:3000",
            true,
        );
    }

    #[test]
    fn anything_else_is_refused_on_a_loopback_listener() {
        let default = policy("", "", LOOPBACK);
        assert_served(
            &default,
            "evil.example evil.example:3000 localhost. localhost.:3000 .localhost a..localhost \
             localhost.evil.example evillocalhost 0.0.0.0 192.168.1.5:3000 bücher.localhost",
            false,
        );
        // Other spellings of loopback addresses: browsers send the canonical ones.
        assert_served(
            &default,
            "127.1 127.0.1 0x7f.0.0.1 0177.0.0.1 127.000.000.001 2130706433 \
             [0:0:0:0:0:0:0:1] [::ffff:127.0.0.1] [::ffff:7f00:1] [::] ::1",
            false,
        );
        // No `host[:port]`.
        assert_served(
            &default,
            "localhost: localhost:99999 localhost:3000:1 localhost:x [::1 [::1]x \
             user@localhost localhost/x",
            false,
        );
        assert!(default.refused([b"local host".as_slice()]).is_some());
    }

    #[test]
    fn listed_hosts_and_cors_origin_hosts_are_served_on_any_port() {
        let listed = policy(
            "Dev.Example .corp.example 192.168.1.5 fe80::1 localhost.",
            "http://evil.example:5173 https://[fd00::2] chrome-extension://abc",
            LOOPBACK,
        );
        assert_served(
            &listed,
            "dev.example:3000 DEV.EXAMPLE corp.example a.corp.example:1 a.b.corp.example \
             192.168.1.5:3000 [fe80::1]:3000 localhost.:3000 evil.example evil.example:3000 \
             [fd00::2]:443 localhost:3000",
            true,
        );
        assert_served(
            &listed,
            "dev.example. x.dev.example xcorp.example sub.evil.example abc 192.168.1.6",
            false,
        );
    }

    #[test]
    fn beyond_loopback_nothing_is_checked_unless_hosts_are_listed() {
        for listen in ["0.0.0.0:3000", "[::]:3000", "192.168.1.5:3000"] {
            let open = policy("", "http://app.example", listen);
            assert_served(&open, "evil.example:3000 garbage@", true);
        }
        let listed = policy("devbox.lan", "", "0.0.0.0:3000");
        assert_served(&listed, "devbox.lan:3000 localhost:3000", true);
        assert_served(&listed, "evil.example:3000 192.168.1.5:3000", false);
        // The address given to --host is how the server is reached.
        let specific = policy("devbox.lan", "", "192.168.1.5:3000");
        assert_served(&specific, "192.168.1.5:3000", true);
        assert_served(&specific, "192.168.1.6:3000", false);
        let v6 = policy("devbox.lan", "", "[fd00::0:5]:3000");
        assert_served(&v6, "[fd00::5]:3000", true);
        // A loopback listener is loopback in any form.
        let mapped = policy("", "", "[::ffff:127.0.0.1]:3000");
        assert_served(&mapped, "evil.example", false);
    }

    #[test]
    fn every_host_named_must_pass() {
        let default = policy("", "", LOOPBACK);
        assert_eq!(default.refused([]), None);
        // "Host:" empty: no authority named.
        assert_eq!(default.refused([b"".as_slice()]), None);
        let two = [b"localhost".as_slice(), b"evil.example"];
        assert_eq!(default.refused(two), Some(b"evil.example".as_slice()));
        assert_eq!(
            default.refused([b"\xffx".as_slice()]),
            Some(b"\xffx".as_slice())
        );
    }

    #[test]
    fn allowed_hosts_are_normalized_as_browsers_send_them() {
        for (given, expected) in [
            ("devbox.local", "devbox.local"),
            (" Dev.Example ", "dev.example"),
            (".Example.com", ".example.com"),
            ("bücher.example", "xn--bcher-kva.example"),
            ("my_box", "my_box"),
            ("evil.example.", "evil.example."),
            ("192.168.1.5", "192.168.1.5"),
            ("fe80::1", "[fe80::1]"),
            ("[FE80:0::1]", "[fe80::1]"),
        ] {
            assert_eq!(normalize(given).as_deref(), Ok(expected), "{given}");
        }
        for wild in ["*", "*.example.com", ".*"] {
            assert_eq!(normalize(wild), Err(HostError::Wildcard), "{wild}");
        }
        let malformed = ". ..example.com a..b devbox:3000 http://devbox devbox/ user@devbox \
                         127.1 0x7f000001 .192.168.1.5 .[::1] [::1]:3000 a$b 1.2.3.4.5";
        for bad in malformed.split_whitespace().chain(["", "a b"]) {
            assert_eq!(normalize(bad), Err(HostError::Malformed), "{bad:?}");
        }
        let bad = vec!["ok.example".to_owned(), "devbox:3000".to_owned()];
        assert_eq!(
            HostPolicy::new(&bad, &[], LOOPBACK.parse().unwrap()).unwrap_err(),
            ("devbox:3000".to_owned(), HostError::Malformed)
        );
    }

    #[test]
    fn the_refusal_names_the_flag_that_allows_the_host() {
        let default = policy("", "", LOOPBACK);
        let payload = default.refusal("Evil.Example:3000");
        assert_eq!(payload.code, ErrorCode::HostNotAllowed);
        assert_eq!(
            payload.message,
            "host evil.example is not allowed: this server listens on a loopback address; \
             start it with --allowed-host evil.example to allow that name"
        );
        let dotted = default.refusal("localhost.:3000").message;
        assert!(dotted.contains("--allowed-host localhost. "), "{dotted}");
        // What the flag would refuse is not suggested.
        for unlistable in ["127.1:3000", "user@evil.example", "a$b"] {
            let message = default.refusal(unlistable).message;
            assert!(
                message.contains("--allowed-host") && !message.contains("--allowed-host 1"),
                "{message}"
            );
        }
        let beyond = policy("devbox.lan", "", "0.0.0.0:3000");
        let message = beyond.refusal("evil.example").message;
        assert!(
            message.contains("add --allowed-host evil.example"),
            "{message}"
        );
    }
}
