//! `sockai connect` after a refused reconnection: it says so and stops trying.

use crate::support::{ScriptedClient, Server};

#[test]
fn client_connect_script_stops_reconnecting_once_refused() {
    let mut server = Server::start(&["--auth-token", "old"]);
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    let mut session = ScriptedClient::start(&[&server.url, "--auth", r#"{"token":"old"}"#]);
    session.wait_record("connect", None);
    assert!(server.terminate().success());
    let gone = session.wait_record("disconnect", None);
    assert_eq!(gone["reason"], "transport closed; reconnecting");

    // The same port, another token: the next attempt is refused, and is the last.
    let _again = Server::spawn(&["--port", &port, "--auth-token", "new"], &[]);
    let refused = session.wait_record("error", None);
    let message = refused["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("reconnection refused: ") && message.contains("auth_required"),
        "{refused}"
    );
    session.send("status");
    let status = session.wait_record("status", None);
    assert_eq!(status["state"], "disconnected", "{status}");
    assert_eq!(status["detail"], message, "{status}");
    assert!(session.finish().success());
}
