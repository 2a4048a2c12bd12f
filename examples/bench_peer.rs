//! The peers `scripts/bench.sh` measures `sockai serve` against, besides the official Node
//! server. Not part of sockai: they answer only what `sockai bench` sends.
//!
//!   cargo run --release --example bench_peer -- socketioxide [PORT]
//!   cargo run --release --example bench_peer -- floor [PORT]
//!   cargo run --release --example bench_peer -- json [PORT]
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
//! - `json`: the floor plus what any Socket.IO server must at least do per event: parse the
//!   frame's JSON with serde_json, take the prompt, and serialize an answer. The baseline of
//!   `scripts/instructions.sh`: what sockai spends beyond it is its own machinery.

use futures_util::{SinkExt, StreamExt};
use socketioxide::SocketIo;
use socketioxide::extract::{Data, SocketRef};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

const USAGE: &str = "usage: bench_peer socketioxide|floor|json [PORT]";

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
            "floor" => serve_ws(listener, Answer::Fixed).await,
            "json" => serve_ws(listener, Answer::Parsed).await,
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

/// How a WebSocket peer answers an event frame.
#[derive(Clone, Copy)]
enum Answer {
    /// One fixed frame, nothing parsed (`floor`).
    Fixed,
    /// The event parsed and an answer serialized (`json`).
    Parsed,
}

async fn serve_ws(listener: TcpListener, answer: Answer) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(ws_connection(stream, answer));
    }
}

/// `42["ai-message",{"prompt":"…"}]` → `42["ai-message-response",{"response":"echo: …"}]`.
fn json_answer(frame: &str) -> Option<String> {
    let event: serde_json::Value = serde_json::from_str(frame.get(2..)?).ok()?;
    let prompt = event.get(1)?.get("prompt")?.as_str()?;
    let answer =
        serde_json::json!(["ai-message-response", { "response": format!("echo: {prompt}") }]);
    Some(format!("42{answer}"))
}

async fn ws_connection(stream: TcpStream, answer: Answer) {
    stream.set_nodelay(true).ok();
    // sockai's read buffer (src/server/engine/websocket.rs): tungstenite's default 128 KiB is
    // zeroed as it is filled, which would bill the peers for a memset per read.
    let config = WebSocketConfig::default().read_buffer_size(1024);
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
        return;
    };
    if ws.send(Message::text(OPEN)).await.is_err() {
        return;
    }
    while let Some(Ok(message)) = ws.next().await {
        let reply = match (&message, answer) {
            (Message::Text(text), _) if text.starts_with("40") => CONNECTED.to_owned(),
            (Message::Text(text), Answer::Fixed) if text.starts_with("42") => RESPONSE.to_owned(),
            (Message::Text(text), Answer::Parsed) if text.starts_with("42") => {
                match json_answer(text) {
                    Some(reply) => reply,
                    None => continue,
                }
            }
            (Message::Close(_), _) => break,
            _ => continue,
        };
        if ws.send(Message::text(reply)).await.is_err() {
            break;
        }
    }
}
