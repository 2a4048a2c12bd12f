//! `sockai serve --echo-server` at `/socket.io/`: the reference behaviour the official Socket.IO
//! v5 test suite checks (namespaces, CONNECT payloads, DISCONNECT, plain and binary events and
//! acks, malformed packets), written here in our own words, by hand over WebSocket and polling.

use futures_util::SinkExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::support::Server;
use crate::support::polling::Polling;
use crate::support::ws::{Ws, connect, next_frame, send, until_closed};

/// The next text frame that is not a ping (pings go unanswered).
async fn next_text(ws: &mut Ws) -> String {
    loop {
        match next_frame(ws).await.expect("closed") {
            Message::Text(text) if text.as_str() == "2" => {}
            Message::Text(text) => return text.to_string(),
            other => panic!("expected text, got {other:?}"),
        }
    }
}

async fn opened(server: &Server) -> Ws {
    let mut ws = connect(server, "/socket.io/?EIO=4&transport=websocket").await;
    assert!(next_text(&mut ws).await.starts_with("0{"));
    ws
}

/// Joined to `/`, its CONNECT reply and `auth` event read.
async fn joined(server: &Server) -> Ws {
    let mut ws = opened(server).await;
    send(&mut ws, "40").await;
    assert!(next_text(&mut ws).await.starts_with("40{"));
    assert_eq!(next_text(&mut ws).await, r#"42["auth",{}]"#);
    ws
}

/// `<prefix>{"sid": "<string>"}` and nothing else.
fn assert_connected(packet: &str, prefix: &str) {
    let json = packet
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{packet}"));
    let fields: Value = serde_json::from_str(json).unwrap();
    let keys: Vec<&String> = fields.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["sid"], "{packet}");
    assert!(fields["sid"].is_string());
}

#[tokio::test]
async fn namespaces_are_joined_with_their_auth_echoed_and_unknown_ones_refused() {
    let server = Server::echo_server();
    let cases = [
        ("40", "40", r#"42["auth",{}]"#),
        (
            r#"40{"token":"123"}"#,
            "40",
            r#"42["auth",{"token":"123"}]"#,
        ),
        ("40/custom,", "40/custom,", r#"42/custom,["auth",{}]"#),
        (
            r#"40/custom,{"token":"abc"}"#,
            "40/custom,",
            r#"42/custom,["auth",{"token":"abc"}]"#,
        ),
    ];
    for (connect_packet, prefix, auth) in cases {
        let mut ws = opened(&server).await;
        send(&mut ws, connect_packet).await;
        assert_connected(&next_text(&mut ws).await, prefix);
        assert_eq!(next_text(&mut ws).await, auth);
    }
    let mut ws = opened(&server).await;
    send(&mut ws, "40/random").await;
    assert_eq!(
        next_text(&mut ws).await,
        r#"44/random,{"message":"Invalid namespace"}"#
    );
}

#[tokio::test]
async fn a_bad_handshake_or_none_at_all_closes_the_connection() {
    let server = Server::echo_server();
    let mut ws = opened(&server).await;
    send(&mut ws, "4abc").await;
    until_closed(&mut ws).await;
    // No CONNECT and no pong: gone with the heartbeat.
    let mut ws = opened(&server).await;
    until_closed(&mut ws).await;
}

#[tokio::test]
async fn leaving_a_namespace_leaves_the_others_joined() {
    let server = Server::echo_server();
    let mut ws = joined(&server).await;
    send(&mut ws, "41").await;
    // Nothing answers a DISCONNECT: the next packet is the heartbeat's.
    assert_eq!(next_frame(&mut ws).await, Some(Message::text("2")));

    let mut ws = joined(&server).await;
    send(&mut ws, "40/custom").await;
    assert_connected(&next_text(&mut ws).await, "40/custom,");
    assert_eq!(next_text(&mut ws).await, r#"42/custom,["auth",{}]"#);
    send(&mut ws, "41/custom").await;
    send(&mut ws, r#"42["message","message to main namespace"]"#).await;
    assert_eq!(
        next_text(&mut ws).await,
        r#"42["message-back","message to main namespace"]"#
    );
}

#[tokio::test]
async fn events_and_acks_come_back_plain_and_binary() {
    let server = Server::echo_server();
    let mut ws = joined(&server).await;
    send(&mut ws, r#"42["message",1,"2",{"3":[true]}]"#).await;
    assert_eq!(
        next_text(&mut ws).await,
        r#"42["message-back",1,"2",{"3":[true]}]"#
    );
    send(&mut ws, r#"42456["message-with-ack",1,"2",{"3":[false]}]"#).await;
    assert_eq!(next_text(&mut ws).await, r#"43456[1,"2",{"3":[false]}]"#);

    let placeholders = r#"{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}"#;
    for (sent, expected) in [
        (
            format!(r#"452-["message",{placeholders}]"#),
            format!(r#"452-["message-back",{placeholders}]"#),
        ),
        (
            format!(r#"452-789["message-with-ack",{placeholders}]"#),
            format!(r#"462-789[{placeholders}]"#),
        ),
    ] {
        send(&mut ws, &sent).await;
        ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
        ws.send(Message::binary(vec![4, 5, 6])).await.unwrap();
        assert_eq!(next_text(&mut ws).await, expected);
        assert_eq!(
            next_frame(&mut ws).await,
            Some(Message::binary(vec![1, 2, 3]))
        );
        assert_eq!(
            next_frame(&mut ws).await,
            Some(Message::binary(vec![4, 5, 6]))
        );
    }
}

#[tokio::test]
async fn malformed_packets_close_the_connection() {
    let server = Server::echo_server();
    for garbage in [
        "4abc",
        "42{}",
        r#"42abc["message-with-ack",1,"2",{"3":[false]}]"#,
    ] {
        let mut ws = joined(&server).await;
        send(&mut ws, garbage).await;
        assert_eq!(
            next_frame(&mut ws).await,
            Some(Message::text("1")),
            "{garbage}"
        );
        until_closed(&mut ws).await;
    }
}

#[tokio::test]
async fn the_echo_works_over_polling_binary_included() {
    // Default heartbeat: no ping between the packets compared.
    let server = Server::start(&["--echo-server"]);
    let (polling, _) = Polling::open(&server, "/socket.io/").await;
    assert_eq!(polling.post("40").await.1, "ok");
    let (status, body) = polling.get().await;
    assert_eq!(status, 200);
    let packets: Vec<&str> = body.split('\u{1e}').collect();
    assert_eq!(packets.len(), 2, "{body}");
    assert_connected(packets[0], "40");
    assert_eq!(packets[1], r#"42["auth",{}]"#);
    let placeholder = r#"{"_placeholder":true,"num":0}"#;
    let sent = format!("451-[\"message\",{placeholder}]\u{1e}bAQID");
    assert_eq!(polling.post(sent).await.1, "ok");
    let (_, body) = polling.get().await;
    assert_eq!(
        body,
        format!("451-[\"message-back\",{placeholder}]\u{1e}bAQID")
    );
}
