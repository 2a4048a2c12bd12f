//! Connection flags of `sockai connect` and `sockai emit`: the URL rule, --transport, --eio,
//! --insecure.

use serde_json::json;

use crate::support::{NodeServer, received, refused_url, run_sockai as run, sockai};

#[test]
fn client_flags_every_transport_and_a_url_without_scheme_reach_the_server() {
    let node = NodeServer::start();
    let bare = node.url.trim_start_matches("http://").to_owned();
    for transport in ["websocket", "polling", "upgrade"] {
        // A trailing slash names no namespace.
        let url = format!("{}/", node.url);
        let (records, stderr, code) = run(
            &[
                "emit",
                &url,
                "echo",
                "{\"a\":1}",
                "--json",
                "--expect",
                "echo",
                "--transport",
                transport,
            ],
            "",
        );
        assert_eq!(code, 0, "{transport}: {stderr}");
        assert_eq!(received(&records, "echo")[0]["args"], json!([{"a": 1}]));
        assert_eq!(received(&records, "echo")[0]["namespace"], "/");
    }
    // `sockai emit` needs a scheme to tell a URL from an event name; `connect` takes the URL
    // as its own argument, so `host:port` is enough there.
    let (records, stderr, code) = run(&["connect", &bare], "emit echo 5\nwait echo\n");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(received(&records, "echo")[0]["args"], json!([5]));
}

#[test]
fn client_flags_bad_urls_and_versions_are_usage_errors() {
    for args in [
        vec!["connect", "ftp://h"],
        vec!["connect", "http://[::1"],
        vec!["connect", "http://h/?EIO=3"],
        vec!["emit", "http://[::1", "x"],
        vec!["emit", "x", "--eio", "5"],
        vec!["connect", "--transport", "carrier-pigeon"],
    ] {
        let (_, stderr, code) = run(&args, "");
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
    let (_, stderr, _) = run(&["connect", "ftp://h"], "");
    assert_eq!(
        stderr,
        "sockai: error: invalid URL \"ftp://h\": unsupported scheme ftp: use http, https, ws or wss\n"
    );
}

#[test]
fn client_flags_insecure_says_so_loudly_once() {
    let url = refused_url();
    for command in [vec!["emit", &url, "x"], vec!["connect", &url]] {
        let mut args = command.clone();
        args.push("--insecure");
        let (_, stderr, code) = run(&args, "");
        assert_eq!(code, 3, "{args:?}: {stderr}");
        let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("warning")).collect();
        assert_eq!(
            warnings,
            [
                "sockai: warning: --insecure: TLS certificates are NOT checked; anyone between \
              you and the server can read and change this session"
            ],
            "{stderr}"
        );
        // Without the flag: no warning.
        let (_, stderr, _) = run(&command, "");
        assert!(!stderr.contains("warning"), "{stderr}");
    }
}

#[test]
fn client_flags_help_documents_transport_eio_and_insecure() {
    for command in ["connect", "emit"] {
        let output = sockai().args([command, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&output.stdout);
        for needle in [
            "upgrade",
            "--eio <3|4>",
            "Socket.IO 2.x",
            "--insecure",
            "self-signed",
        ] {
            assert!(
                help.contains(needle),
                "{command} --help lacks {needle:?}:\n{help}"
            );
        }
    }
    let output = sockai().args(["bench", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("--insecure"));
}
