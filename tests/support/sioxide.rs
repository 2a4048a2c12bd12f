//! A tiny socketioxide server (an independent Rust implementation of the Socket.IO 5 server),
//! on a free port in its own thread. Namespaces `/` and `/admin` (auth.token == "s3cret", else
//! refused with "not authorized"). Events:
//!   echo ...args   → emits `echo` with the same arguments (binary kept binary), acks with them
//!   kick-me        → the server disconnects the socket

use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide::handler::ConnectHandler;

/// Every argument of an event, in order: socketioxide expands tuple-like data into arguments.
/// rmpv's Value keeps binary as binary.
struct Args(Vec<rmpv::Value>);

impl Serialize for Args {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for value in &self.0 {
            tuple.serialize_element(value)?;
        }
        tuple.end()
    }
}

impl<'de> Deserialize<'de> for Args {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct All;
        impl<'de> Visitor<'de> for All {
            type Value = Args;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("event arguments")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Args, A::Error> {
                let mut all = Vec::new();
                while let Some(value) = seq.next_element()? {
                    all.push(value);
                }
                Ok(Args(all))
            }
        }
        deserializer.deserialize_tuple(usize::MAX, All)
    }
}

async fn handlers(socket: SocketRef) {
    socket.on("echo", echo);
    socket.on("kick-me", kick);
}

async fn echo(socket: SocketRef, Data(args): Data<Args>, ack: AckSender) {
    socket.emit("echo", &args).ok();
    ack.send(&args).ok();
}

async fn kick(socket: SocketRef) {
    socket.disconnect().ok();
}

#[derive(Debug)]
struct NotAuthorized;

impl std::fmt::Display for NotAuthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("not authorized")
    }
}

async fn guard(Data(auth): Data<serde_json::Value>) -> Result<(), NotAuthorized> {
    match auth.get("token").and_then(serde_json::Value::as_str) {
        Some("s3cret") => Ok(()),
        _ => Err(NotAuthorized),
    }
}

/// Lives as long as the test process.
pub fn start() -> String {
    let (url, stop) = super::spawn_server("http", |listener| async move {
        // Room for 100 acks and their echoes at once: socketioxide drops what overflows its
        // per-socket buffer (128 packets by default).
        let (layer, io) = SocketIo::builder().max_buffer_size(1024).build_layer();
        io.ns("/", handlers);
        io.ns("/admin", handlers.with(guard));
        let app = axum::Router::new().layer(layer);
        axum::serve(listener, app).await.ok();
    });
    // Shared by every test that asks: never stopped.
    std::mem::forget(stop);
    url
}
