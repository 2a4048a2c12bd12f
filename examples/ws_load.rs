//! The smallest load generator that speaks enough Socket.IO to drive `sockai serve` and the peers
//! of `bench_peer.rs`: tokio-tungstenite clients that connect, join `/`, then send
//! `42["ai-message",{"prompt":"…"}]` and read until `ai-message-response`, again and again.
//! Not part of sockai: the yardstick `sockai bench` is held against (it must drive as much), and
//! the generator of `scripts/instructions.sh`, whose servers must all see the same load.
//!
//!   cargo run --release --example ws_load -- URL CLIENTS SECONDS
//!   e.g. cargo run --release --example ws_load -- http://127.0.0.1:3000 100 5
//!
//! Prints one JSON line: clients, round_trips, seconds, round_trips_per_sec. One event loop,
//! as `sockai bench --threads 1`. The window starts once every client has joined.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

const USAGE: &str = "usage: ws_load URL CLIENTS SECONDS";
/// The prompt of `sockai bench`'s default `--payload-bytes 32`.
const EVENT: &str = r#"42["ai-message",{"prompt":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}]"#;
const RESPONSE: &str = r#"42["ai-message-response""#;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [url, clients, seconds] => clients
            .parse::<usize>()
            .ok()
            .zip(seconds.parse::<f64>().ok())
            .filter(|(c, s)| *c > 0 && *s > 0.0 && s.is_finite())
            .map(|(c, s)| (ws_url(url), c, Duration::from_secs_f64(s))),
        _ => None,
    };
    let Some((url, clients, window)) = parsed else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let local = tokio::task::LocalSet::new();
    match local.block_on(&runtime, run(url, clients, window)) {
        Ok(line) => println!("{line}"),
        Err(e) => {
            eprintln!("ws_load: {e}");
            std::process::exit(1);
        }
    }
}

fn ws_url(url: &str) -> String {
    let base = url
        .trim_end_matches('/')
        .replacen("http://", "ws://", 1)
        .replacen("https://", "wss://", 1);
    format!("{base}/socket.io/?EIO=4&transport=websocket")
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn run(url: String, clients: usize, window: Duration) -> Result<String, String> {
    let mut sockets = Vec::with_capacity(clients);
    for _ in 0..clients {
        sockets.push(join(&url).await?);
    }
    let count = Rc::new(Cell::new(0u64));
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + window;
    let tasks: Vec<_> = sockets
        .into_iter()
        .map(|ws| tokio::task::spawn_local(round_trips(ws, count.clone(), deadline)))
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let round_trips = count.get();
    Ok(format!(
        r#"{{"clients":{clients},"round_trips":{round_trips},"seconds":{seconds:.3},"round_trips_per_sec":{:.0}}}"#,
        round_trips as f64 / seconds
    ))
}

/// Open a WebSocket session and join `/`.
async fn join(url: &str) -> Result<Ws, String> {
    // As every other client here: TCP_NODELAY, each frame on the wire at once.
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
        .await
        .map_err(|e| format!("cannot connect to {url}: {e}"))?;
    next_text(&mut ws, "0").await?;
    ws.send(Message::text("40"))
        .await
        .map_err(|e| e.to_string())?;
    next_text(&mut ws, "40").await?;
    Ok(ws)
}

/// The next text frame that starts with `prefix`, answering pings on the way.
async fn next_text(ws: &mut Ws, prefix: &str) -> Result<(), String> {
    while let Some(message) = ws.next().await {
        match message.map_err(|e| e.to_string())? {
            Message::Text(text) if text.starts_with(prefix) => return Ok(()),
            Message::Text(text) if text.as_str() == "2" => {
                ws.send(Message::text("3"))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    Err(format!("the server closed before sending {prefix}…"))
}

async fn round_trips(
    mut ws: Ws,
    count: Rc<Cell<u64>>,
    deadline: tokio::time::Instant,
) -> Result<(), String> {
    while tokio::time::Instant::now() < deadline {
        ws.send(Message::text(EVENT))
            .await
            .map_err(|e| e.to_string())?;
        next_text(&mut ws, RESPONSE).await?;
        count.set(count.get() + 1);
    }
    ws.close(None).await.ok();
    Ok(())
}
