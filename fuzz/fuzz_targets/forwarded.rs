//! `--trusted-proxy` values and the `X-Forwarded-For` / `Forwarded` headers a trusted proxy
//! (or anyone pretending to be one) sends: never a panic, and the client found is the peer or
//! an address from the headers.
#![no_main]

use std::net::SocketAddr;

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use sockai::server::{Cidr, TrustedProxies};

fuzz_target!(|input: (&str, &[u8], &[u8], bool)| {
    let (cidr, forwarded, x_forwarded_for, all) = input;
    let mut proxies: Vec<Cidr> = Cidr::parse(cidr).into_iter().collect();
    let peer: SocketAddr = "127.0.0.1:9000".parse().unwrap();
    proxies.push(Cidr::parse(if all { "0.0.0.0/0" } else { "127.0.0.1" }).unwrap());
    let mut headers = HeaderMap::new();
    for (name, value) in [("forwarded", forwarded), ("x-forwarded-for", x_forwarded_for)] {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(name, value);
        }
    }
    let client = TrustedProxies::new(proxies).client(peer, &headers);
    let _ = client.to_string();
});
