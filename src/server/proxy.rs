//! `--trusted-proxy`: who the client is when a reverse proxy stands in front. `X-Forwarded-For`
//! and `Forwarded` (RFC 7239) are believed only from the listed proxies, by the rightmost-
//! untrusted rule: walk the chain from the nearest hop outwards, skipping trusted proxies; the
//! first address that is not one is the client. Anyone else's headers are ignored, since
//! anybody can write them.
//!
//! The parsing is pure (and fuzzed: `fuzz/fuzz_targets/forwarded.rs`); [`rewrite`] puts the
//! result where every part of the server reads the peer address (logs, the per-address rate
//! limit of `/api/ai`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName};
use axum::middleware::Next;
use axum::response::Response;

/// Hops looked at in a chain: a longer one (a loop, or an attack) stops there.
const MAX_HOPS: usize = 64;

/// One `--trusted-proxy`: an address, or a network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("expected an IP address or a network like 10.0.0.0/8 or fd00::/8")]
    Address,
    #[error("the prefix length must be a number from 0 to {0}")]
    Prefix(u8),
}

impl Cidr {
    /// `ADDR` or `ADDR/LEN` (IPv4 or IPv6; an IPv4-mapped IPv6 address is its IPv4 one).
    pub fn parse(text: &str) -> Result<Self, CidrError> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network = address
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .map_err(|_| CidrError::Address)?
            .to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(prefix) => match prefix.parse::<u8>() {
                Ok(prefix) if prefix <= max => prefix,
                _ => return Err(CidrError::Prefix(max)),
            },
        };
        Ok(Self { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => same_prefix(
                network.to_bits().into(),
                ip.to_bits().into(),
                32,
                self.prefix,
            ),
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                same_prefix(network.to_bits(), ip.to_bits(), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: u128, b: u128, bits: u8, prefix: u8) -> bool {
    let ignored = u32::from(bits - prefix);
    a.checked_shr(ignored).unwrap_or(0) == b.checked_shr(ignored).unwrap_or(0)
}

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    pub fn new(proxies: Vec<Cidr>) -> Self {
        Self(proxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|cidr| cidr.contains(ip))
    }

    /// The client's address for a request from `peer` with these headers: `peer` itself unless
    /// it is a trusted proxy; then the rightmost hop of `Forwarded` (or, without it,
    /// `X-Forwarded-For`) that is not a trusted proxy. A hop that is no address (`unknown`,
    /// an obfuscated name, garbage) stops the walk at the last address known. The port is the
    /// one `Forwarded` gives, else 0 (logged as the address alone).
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
        if !self.trusts(peer.ip()) {
            return peer;
        }
        let forwarded = HeaderName::from_static("forwarded");
        let x_forwarded_for = HeaderName::from_static("x-forwarded-for");
        let (name, parse): (_, fn(&str) -> Option<SocketAddr>) = if headers.contains_key(&forwarded)
        {
            (forwarded, forwarded_for)
        } else {
            (x_forwarded_for, x_forwarded_hop)
        };
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap_or(""))
            .collect();
        self.walk(peer, values.iter().rev().flat_map(|v| v.rsplit(',')), parse)
    }

    /// Walk `hops` (nearest first) from `peer`, a trusted proxy.
    fn walk<'a>(
        &self,
        peer: SocketAddr,
        hops: impl Iterator<Item = &'a str>,
        parse: fn(&str) -> Option<SocketAddr>,
    ) -> SocketAddr {
        let mut client = peer;
        for hop in hops.take(MAX_HOPS) {
            let Some(address) = parse(hop) else {
                return client;
            };
            client = address;
            if !self.trusts(address.ip()) {
                break;
            }
        }
        client
    }
}

/// One hop of `X-Forwarded-For`: an address, maybe with a port (`1.2.3.4:5`, `[::1]:5`), as
/// some proxies write it.
fn x_forwarded_hop(hop: &str) -> Option<SocketAddr> {
    address(hop.trim())
}

/// The `for=` node of one `Forwarded` element (`for=192.0.2.60;proto=http`,
/// `For="[2001:db8::17]:4711"`).
fn forwarded_for(element: &str) -> Option<SocketAddr> {
    let node = element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("for")
            .then_some(value.trim())
    })?;
    let node = node
        .strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .unwrap_or(node);
    address(node)
}

/// `ADDR`, `ADDR:PORT`, `[V6]` or `[V6]:PORT`.
fn address(text: &str) -> Option<SocketAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(SocketAddr::new(ip.to_canonical(), 0));
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(SocketAddr::new(socket.ip().to_canonical(), socket.port()));
    }
    let v6 = text.strip_prefix('[')?.strip_suffix(']')?;
    v6.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip.to_canonical(), 0))
}

/// Middleware: a request from a trusted proxy carries its client's address from here on, where
/// the connection's address was (`ConnectInfo`). Outermost, so the gate's logs see it too.
pub async fn rewrite(
    State(trusted): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    if let Some(peer) = peer {
        let client = trusted.client(peer, request.headers());
        if client != peer {
            request.extensions_mut().insert(ConnectInfo(client));
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(list.iter().map(|c| Cidr::parse(c).unwrap()).collect())
    }

    fn client(list: &[&str], peer: &str, headers: &[(&'static str, &str)]) -> String {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, value.parse().unwrap());
        }
        trusted(list)
            .client(peer.parse().unwrap(), &map)
            .to_string()
    }

    #[test]
    fn addresses_and_networks_parse_and_match() {
        let net = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(
            net.contains("::ffff:10.1.0.9".parse().unwrap()),
            "IPv4-mapped"
        );
        let one = Cidr::parse("127.0.0.1").unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        assert!(
            !all.contains("::1".parse().unwrap()),
            "v4 networks hold no v6 address"
        );
        let v6 = Cidr::parse("fd00::/8").unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(
            Cidr::parse("[::1]")
                .unwrap()
                .contains("::1".parse().unwrap())
        );
        assert_eq!(
            Cidr::parse(" ::1/128 ").unwrap(),
            Cidr::parse("::1").unwrap()
        );
        assert_eq!(Cidr::parse("::/0").unwrap().prefix, 0);
        for bad in [
            "",
            "nginx",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "1.2.3",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Cidr::parse("10.0.0.0/40").unwrap_err().to_string(),
            "the prefix length must be a number from 0 to 32"
        );
    }

    #[test]
    fn headers_from_anyone_but_a_trusted_proxy_are_ignored() {
        let xff = [("x-forwarded-for", "203.0.113.9")];
        assert_eq!(client(&[], "10.0.0.1:5000", &xff), "10.0.0.1:5000");
        assert_eq!(
            client(&["10.0.0.2"], "10.0.0.1:5000", &xff),
            "10.0.0.1:5000"
        );
        assert_eq!(
            client(&["10.0.0.1"], "10.0.0.1:5000", &xff),
            "203.0.113.9:0"
        );
        // A trusted proxy that forwarded nothing: the proxy is the client.
        assert_eq!(client(&["10.0.0.1"], "10.0.0.1:5000", &[]), "10.0.0.1:5000");
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let proxies = ["10.0.0.0/8"];
        // The client wrote a fake first hop; the proxies appended the truth.
        let chain = [("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.0.0.5")];
        assert_eq!(client(&proxies, "10.0.0.1:1", &chain), "203.0.113.9:0");
        // Split over several header lines, in order.
        let lines = [
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "203.0.113.9,10.0.0.5"),
        ];
        assert_eq!(client(&proxies, "10.0.0.1:1", &lines), "203.0.113.9:0");
        // Every hop trusted: the farthest one.
        let inside = [("x-forwarded-for", "10.9.9.9, 10.0.0.5")];
        assert_eq!(client(&proxies, "10.0.0.1:1", &inside), "10.9.9.9:0");
        // Garbage stops the walk at the last address known.
        let garbage = [("x-forwarded-for", "203.0.113.9, nonsense, 10.0.0.5")];
        assert_eq!(client(&proxies, "10.0.0.1:1", &garbage), "10.0.0.5:0");
        let ports = [("x-forwarded-for", "[2001:db8::1]:443")];
        assert_eq!(client(&proxies, "10.0.0.1:1", &ports), "[2001:db8::1]:443");
    }

    #[test]
    fn forwarded_is_read_before_x_forwarded_for() {
        let proxies = ["127.0.0.1", "::1"];
        let both = [
            ("x-forwarded-for", "198.51.100.1"),
            (
                "forwarded",
                "for=6.6.6.6, For=\"[2001:db8:cafe::17]:4711\";proto=https;by=10.0.0.1",
            ),
        ];
        assert_eq!(
            client(&proxies, "127.0.0.1:9", &both),
            "[2001:db8:cafe::17]:4711"
        );
        let unknown = [("forwarded", "for=203.0.113.9, for=unknown")];
        assert_eq!(client(&proxies, "[::1]:9", &unknown), "[::1]:9");
        let obfuscated = [("forwarded", "for=_hidden;proto=http")];
        assert_eq!(client(&proxies, "127.0.0.1:9", &obfuscated), "127.0.0.1:9");
        let quoted_v4 = [("forwarded", "proto=http;for=\"192.0.2.60:80\"")];
        assert_eq!(client(&proxies, "127.0.0.1:9", &quoted_v4), "192.0.2.60:80");
    }

    #[test]
    fn a_long_chain_is_cut_short() {
        let hops = vec!["10.0.0.7"; 1000].join(",");
        let chain = [("x-forwarded-for", hops.as_str())];
        assert_eq!(client(&["10.0.0.0/8"], "10.0.0.1:1", &chain), "10.0.0.7:0");
    }
}
