//! What `sockai serve` logs and sends about a Socket.IO socket: the disconnect reasons, the
//! refusal of a missing token, request ids, and the log lines of one socket (bounded waits).

use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Server, WAIT};

/// The refusal message of a missing or wrong token, as the client receives it.
pub const AUTH_REFUSAL: &str = "auth_required: this server needs a valid token (Socket.IO auth.token, or an Authorization: Bearer header)";

/// The disconnect reasons the server logs on `A user disconnected` (socketioxide's words, kept):
/// a packet that could not be parsed,
pub const REASON_PARSE_ERROR: &str = "client sent a bad request / the packet could not be parsed";
/// a DISCONNECT packet from the client,
pub const REASON_NAMESPACE_LEFT: &str =
    "client has manually disconnected the socket from the namespace";
/// an Engine.IO close packet or a WebSocket Close frame,
pub const REASON_CLOSED: &str = "client gracefully closed the connection";
/// a connection that ended without either,
pub const REASON_DROPPED: &str = "The connection was abruptly closed";
/// and a heartbeat left unanswered.
pub const REASON_NO_PONG: &str = "client did not send a PONG packet in time";

/// The log line with this `message` about socket `sid`, parsed (bounded wait).
pub fn log_of(server: &Server, message: &str, sid: &str) -> Value {
    let line = server
        .logs
        .wait_for(&format!("{message:?} for {sid}"), |l| {
            serde_json::from_str::<Value>(l)
                .is_ok_and(|v| v["message"] == message && v["sid"] == sid)
        });
    serde_json::from_str(&line).unwrap()
}

/// Every log line with this `message` about socket `sid`, once there are `count` of them.
/// Handlers of one socket run concurrently, so their lines come in no fixed order: poll.
pub fn logs_of(server: &Server, message: &str, sid: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let lines: Vec<Value> = server
            .logs
            .snapshot()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["message"] == message && v["sid"] == sid)
            .collect();
        if lines.len() >= count {
            return lines;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {count} {message:?} lines for {sid}; logs:\n{}",
            server.all_logs()
        );
        thread::sleep(Duration::from_millis(20)); // bounded polling of the log buffer
    }
}

/// `<8 hex digits>-<n>`, the request id of docs/protocol.md.
pub fn is_request_id(id: &str) -> bool {
    id.split_once('-').is_some_and(|(run, n)| {
        run.len() == 8
            && run.chars().all(|c| c.is_ascii_hexdigit())
            && !n.is_empty()
            && n.chars().all(|c| c.is_ascii_digit())
    })
}
