//! The peers `scripts/bench.sh` measures `sockai serve` against, besides the official Node
//! server. Not part of sockai: they answer only what `sockai bench` sends.
//!
//!   cargo run --release --example bench_peer -- socketioxide [PORT]
//!   cargo run --release --example bench_peer -- floor [PORT]
//!
//! Each prints `listening on http://127.0.0.1:PORT` on stdout, runs on one event loop (as
//! `sockai serve` and Node do), and answers `ai-message` {"prompt": "…"} with
//! `ai-message-response`.
//!
//! - `socketioxide`: the best Rust Socket.IO server we know, as small as a handler gets
//!   (socketioxide 0.18; the answer is `{"response": "echo: …"}`, as Node's bench server).
//! - `floor`: no Socket.IO at all, a WebSocket that sends the open and CONNECT packets a
//!   client expects and then one fixed `ai-message-response` frame per event frame it reads
//!   (it parses nothing). It shows what this machine's loopback and a tokio event loop allow,
//!   the ceiling any server is under in the same run; no acks, no pings, no polling.

use futures_util::{SinkExt, StreamExt};
use socketioxide::SocketIo;
use socketioxide::extract::{Data, SocketRef};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

const USAGE: &str = "usage: bench_peer socketioxide|floor [PORT]";

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(mode), port) = (args.next(), args.next()) else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let port: u16 = match port.as_deref().map(str::parse).unwrap_or(Ok(0)) {
        Ok(port) => port,
        Err(_) => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let result = runtime.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!("listening on http://{}", listener.local_addr()?);
        match mode.as_str() {
            "socketioxide" => socketioxide(listener).await,
            "floor" => floor(listener).await,
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    });
    if let Err(e) = result {
        eprintln!("bench_peer: {e}");
        std::process::exit(1);
    }
}

async fn socketioxide(listener: TcpListener) -> std::io::Result<()> {
    let (layer, io) = SocketIo::new_layer();
    io.ns("/", async |socket: SocketRef| {
        socket.on(
            "ai-message",
            async |socket: SocketRef, Data(payload): Data<serde_json::Value>| {
                let prompt = payload.get("prompt").and_then(serde_json::Value::as_str);
                let answer =
                    serde_json::json!({ "response": format!("echo: {}", prompt.unwrap_or("")) });
                socket.emit("ai-message-response", &answer).ok();
            },
        );
    });
    let app = axum::Router::new().layer(layer);
    // As sockai and Node's `ws`: every packet written at once.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        tcp.set_nodelay(true).ok();
    });
    axum::serve(listener, app).await
}

const OPEN: &str = r#"0{"sid":"floor","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
const CONNECTED: &str = r#"40{"sid":"floor"}"#;
const RESPONSE: &str = r#"42["ai-message-response",{"response":"echo: floor"}]"#;

async fn floor(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(floor_connection(stream));
    }
}

async fn floor_connection(stream: TcpStream) {
    stream.set_nodelay(true).ok();
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    if ws.send(Message::text(OPEN)).await.is_err() {
        return;
    }
    while let Some(Ok(message)) = ws.next().await {
        let reply = match &message {
            Message::Text(text) if text.starts_with("40") => CONNECTED,
            Message::Text(text) if text.starts_with("42") => RESPONSE,
            Message::Close(_) => break,
            _ => continue,
        };
        if ws.send(Message::text(reply)).await.is_err() {
            break;
        }
    }
}
