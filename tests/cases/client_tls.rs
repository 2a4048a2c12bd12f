//! TLS: a development server's self-signed certificate is refused with a line that names the
//! problem and `--insecure`, and accepted with `--insecure` (and its warning), on both transports.

use crate::support::tls::TlsProxy;
use crate::support::{NodeServer, emit};

#[test]
fn client_tls_self_signed_refused_without_insecure_accepted_with_it() {
    let node = NodeServer::start();
    let proxy = TlsProxy::start(node.url.trim_start_matches("http://"));
    let wss = proxy.url.replace("https://", "wss://");
    for (url, transport) in [
        (proxy.url.as_str(), "websocket"),
        (proxy.url.as_str(), "polling"),
        (wss.as_str(), "upgrade"),
    ] {
        let (stdout, stderr, code) = emit(&[
            url,
            "echo",
            "1",
            "--expect",
            "echo",
            "--transport",
            transport,
        ]);
        assert_eq!(code, 3, "{transport}: {stderr}");
        assert_eq!(stdout, "");
        assert_eq!(stderr.lines().count(), 1, "{transport}: {stderr}");
        assert!(
            stderr.contains("TLS: the server's certificate is not signed by a trusted authority")
                && stderr.trim_end().ends_with("--insecure)"),
            "{transport}: {stderr}"
        );

        let (stdout, stderr, code) = emit(&[
            url,
            "echo",
            "1",
            "--expect",
            "echo",
            "--transport",
            transport,
            "--insecure",
        ]);
        assert_eq!(code, 0, "{transport}: {stderr}");
        assert_eq!(stdout.trim(), "1", "{transport}");
        assert!(
            stderr.to_lowercase().contains("insecure"),
            "the warning: {stderr}"
        );
    }
}
