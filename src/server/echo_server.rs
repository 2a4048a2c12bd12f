//! `serve --echo-server`: the reference server of the official Socket.IO v5 protocol test suite
//! (github.com/socketio/socket.io-protocol), for people testing their own clients.

use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef};

use super::args::Args;

/// `rmpv::Value` keeps binary attachments as binary; `serde_json::Value` would turn them into
/// arrays of numbers.
type Payload = Args<rmpv::Value>;

pub fn register(io: &SocketIo) {
    io.ns("/", on_connect);
    io.ns("/custom", on_connect);
}

async fn on_connect(socket: SocketRef, Data(auth): Data<rmpv::Value>) {
    tracing::info!(sid = %socket.id, ns = socket.ns(), "echo-server: connected");
    socket.emit("auth", &auth).ok();
    socket.on(
        "message",
        async |socket: SocketRef, Data(args): Data<Payload>| {
            socket.emit("message-back", &args).ok();
        },
    );
    socket.on(
        "message-with-ack",
        async |Data(args): Data<Payload>, ack: AckSender| {
            ack.send(&args).ok();
        },
    );
}
