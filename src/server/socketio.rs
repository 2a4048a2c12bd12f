//! socketioxide's sessions (long-polling, upgrades from it) on the main namespace: packets in,
//! packets out; what the events mean is `dispatch.rs`'s.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Event, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::socket::DisconnectReason;

use super::args::Args;
use super::dispatch::{self, Conn, Dispatch, Flavor, Identity, Incoming, Reply};
use super::guard::Refusal;
use crate::wire::{AiChunk, event};

pub fn register(io: &SocketIo) {
    io.ns("/", on_connect.with(admit));
}

/// Runs before the socket joins the namespace: a refusal reaches the client as `connect_error`
/// with the reason as its message.
async fn admit(
    socket: SocketRef,
    TryData(auth): TryData<Value>,
    State(dispatch): State<Arc<Dispatch>>,
) -> Result<(), Refusal> {
    let auth = auth.unwrap_or(Value::Null);
    let who = Identity {
        sid: Some(socket.id.to_string()),
        peer: peer(&socket),
        transport: match socket.transport_type() {
            socketioxide::TransportType::Polling => "Polling",
            socketioxide::TransportType::Websocket => "Websocket",
        },
    };
    let conn = dispatch.connect(dispatch::auth_token(&auth), who, Flavor::SocketIo)?;
    socket.extensions.insert(Arc::new(conn));
    listen(&socket);
    Ok(())
}

/// Everything happens in `admit`, before socketioxide sends the CONNECT reply.
async fn on_connect() {}

/// Register the socket's handlers. This runs in the connect middleware, not the connect handler:
/// socketioxide sends CONNECT to the client before it runs the (async) handler, so events a
/// client sends right after connecting would find no handler and be dropped.
fn listen(socket: &SocketRef) {
    // Every event, known or not, goes to the dispatch: it alone knows what they mean.
    socket.on_fallback(on_event);
    socket.on_disconnect(async |socket: SocketRef, reason: DisconnectReason| {
        if let Some(conn) = socket.extensions.get::<Arc<Conn>>() {
            conn.close(&reason.to_string());
        }
        // Gives the connection place back.
        socket.extensions.clear();
    });
}

/// Hand one event to the dispatch and carry out its reply.
async fn on_event(
    socket: SocketRef,
    Event(name): Event,
    TryData(args): TryData<Args<Value>>,
    ack: AckSender,
    State(dispatch): State<Arc<Dispatch>>,
) {
    until_connected(&socket).await;
    // Every socket gets its state in `admit`, before any of its events can arrive.
    let Some(conn) = socket.extensions.get::<Arc<Conn>>() else {
        return;
    };
    let incoming = match args {
        Ok(Args(args)) => Incoming {
            name,
            args,
            binary: false,
        },
        // Any JSON deserializes into a Value: only binary attachments fail.
        Err(_) => Incoming {
            name,
            args: Vec::new(),
            binary: true,
        },
    };
    let mut reply = dispatch.handle(&conn, incoming);
    if let Reply::Answer(answer) = reply {
        let mut chunks = ChunkEmitter::new(&socket);
        let outcome = answer.run(&mut |chunk| chunks.emit(chunk)).await;
        chunks.flush();
        reply = dispatch::answered(outcome);
    }
    // A failed emit means the socket is gone; nobody is left to tell.
    match reply {
        Reply::Nothing | Reply::Answer(_) => {}
        Reply::Emit {
            event,
            data,
            ack: acked,
        } => {
            socket.emit(event, &data).ok();
            if acked {
                ack.send(&data).ok();
            }
        }
        Reply::Ack(data) => {
            ack.send(&data).ok();
        }
        Reply::Disconnect => {
            socket.disconnect().ok();
        }
    }
}

/// socketioxide sends CONNECT to the client a moment before it marks the socket connected, and
/// refuses emits until then. On a multi-thread runtime a client's first event can be handled in
/// that moment; wait it out (a few scheduler turns, bounded) so the answer is not lost.
async fn until_connected(socket: &SocketRef) {
    for _ in 0..1000 {
        if socket.connected() {
            return;
        }
        tokio::task::yield_now().await;
    }
}

fn peer(socket: &SocketRef) -> Option<SocketAddr> {
    socket
        .req_parts()
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
}

/// Emits `ai-message-chunk`s. socketioxide's emit does not wait: when the socket's buffer is
/// full it fails at once. Rather than lose text, a piece that could not be sent is kept and
/// sent with the next one, so the client's concatenated deltas always match the response.
struct ChunkEmitter<'a> {
    socket: &'a SocketRef,
    pending: Option<AiChunk>,
}

impl<'a> ChunkEmitter<'a> {
    fn new(socket: &'a SocketRef) -> Self {
        Self {
            socket,
            pending: None,
        }
    }

    fn emit(&mut self, chunk: AiChunk) {
        let chunk = match self.pending.take() {
            Some(mut pending) => {
                pending.delta.push_str(&chunk.delta);
                pending
            }
            None => chunk,
        };
        if self.socket.emit(event::AI_MESSAGE_CHUNK, &chunk).is_err() {
            self.pending = Some(chunk);
        }
    }

    /// Last try for a held-back piece, before the response.
    fn flush(&mut self) {
        if let Some(chunk) = self.pending.take() {
            self.socket.emit(event::AI_MESSAGE_CHUNK, &chunk).ok();
        }
    }
}
