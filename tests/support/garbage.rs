//! Servers that are not what the client hopes for: a WebSocket server that sends scripted
//! frames, and an HTTP server that answers every request the same way.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

/// Accepts WebSockets at any path; sends `frames` to each, then reads until the client leaves.
/// With [`ScriptedWs::start_after_event`], the second part waits for the client's first event.
pub struct ScriptedWs {
    pub url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl ScriptedWs {
    /// Send `frames` to every client, then read until it leaves.
    pub fn start(frames: Vec<Message>) -> Self {
        Self::start_after_event(frames, Vec::new())
    }

    /// `before` at once, `after` once the client has emitted an event (`42…`).
    pub fn start_after_event(before: Vec<Message>, after: Vec<Message>) -> Self {
        let (url, stop) = super::spawn_server("http", |listener| async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (before, after) = (before.clone(), after.clone());
                tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                        return;
                    };
                    for frame in before {
                        if ws.send(frame).await.is_err() {
                            return;
                        }
                    }
                    if !after.is_empty() {
                        loop {
                            match ws.next().await {
                                Some(Ok(Message::Text(t))) if t.starts_with("42") => break,
                                Some(Ok(_)) => {}
                                _ => return,
                            }
                        }
                    }
                    for frame in after {
                        if ws.send(frame).await.is_err() {
                            return;
                        }
                    }
                    while let Some(Ok(_)) = ws.next().await {}
                });
            }
        });
        Self { url, _stop: stop }
    }
}

/// Answers every HTTP request with `status` (e.g. "404 Not Found"), `content_type` and `body`,
/// then closes the connection. Lives as long as the test process.
pub fn http_responder(status: &str, content_type: &str, body: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let response = response.clone();
            thread::spawn(move || {
                // Read the request head (bounded), then answer.
                let mut buf = [0u8; 8192];
                let mut head = Vec::new();
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                stream.write_all(response.as_bytes()).ok();
            });
        }
    });
    url
}
