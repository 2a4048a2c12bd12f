//! One bench client: connect on the shared client, then round trips (or hold) until told to
//! stop, driving its socket directly: no channel or task in between.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::{BenchError, CLOSE_GRACE, Shared};
use crate::client::connect::{ConnectError, Plan, establish};
use crate::client::socket::{self, Socket, SocketEvent};
use crate::protocol::socketio::Packet;

/// The frame of one event, built by the protocol layer.
pub(super) fn event_frame(
    plan: &Plan,
    event: &str,
    payload: &Value,
    ack_id: Option<u64>,
) -> Result<Utf8Bytes, BenchError> {
    let packet = Packet::event(
        plan.endpoint.namespace.as_str(),
        event,
        vec![payload.clone()],
        ack_id,
    );
    socket::frame(packet).map_err(BenchError::Usage)
}

/// A connect failure without the `cannot connect to URL: ` every one of them starts with.
fn connect_reason(error: &ConnectError, url: &str) -> String {
    let text = error.to_string();
    text.strip_prefix(&format!("cannot connect to {url}: "))
        .map_or_else(|| text.clone(), str::to_owned)
}

/// One client: connect, then round trips (or hold) until told to stop.
pub(super) async fn client(shared: Arc<Shared>, permit: tokio::sync::OwnedSemaphorePermit) {
    let config = &shared.config;
    let connected = tokio::select! {
        result = establish(&shared.plan) => result,
        () = shared.stop.cancelled() => return,
    };
    drop(permit);
    let mut conn = match connected {
        Ok((socket, _early)) => socket,
        Err(e) => {
            shared.failed.fetch_add(1, Ordering::Relaxed);
            shared.note_error(format!("connect: {}", connect_reason(&e, &config.url)));
            return;
        }
    };
    shared.established.fetch_add(1, Ordering::Relaxed);
    shared.up.fetch_add(1, Ordering::Relaxed);
    let ended = if config.hold {
        hold(&shared, &mut conn).await
    } else {
        round_trips(&shared, &mut conn).await
    };
    shared.up.fetch_sub(1, Ordering::Relaxed);
    match ended {
        End::Stopped | End::GaveUp => {
            tokio::time::timeout(CLOSE_GRACE, conn.close()).await.ok();
        }
        End::Lost(why) => {
            shared.dropped.fetch_add(1, Ordering::Relaxed);
            shared.note_error(format!("connection lost: {why}"));
        }
    }
}

enum End {
    /// The run is over.
    Stopped,
    /// The server closed the connection or it broke.
    Lost(String),
    /// A round trip timed out: the answer may still come, so the connection is of no more use.
    GaveUp,
}

async fn hold(shared: &Shared, conn: &mut Socket) -> End {
    loop {
        tokio::select! {
            () = shared.stop.cancelled() => return End::Stopped,
            incoming = conn.recv() => match incoming {
                Ok(SocketEvent::Disconnected) => return End::Lost("disconnected by the server".into()),
                Err(e) => return End::Lost(e.to_string()),
                Ok(_) => {}
            }
        }
    }
}

async fn round_trips(shared: &Shared, conn: &mut Socket) -> End {
    let config = &shared.config;
    let mut ack_id: u64 = 0;
    loop {
        let frame = if config.ack {
            ack_id += 1;
            match event_frame(&shared.plan, &config.event, &shared.payload, Some(ack_id)) {
                Ok(frame) => frame,
                Err(e) => return End::Lost(e.to_string()),
            }
        } else {
            shared.frame.clone()
        };
        let sent = Instant::now();
        let deadline = tokio::time::Instant::from_std(sent + config.timeout);
        tokio::select! {
            () = shared.stop.cancelled() => return End::Stopped,
            result = conn.send_frame(frame) => {
                if let Err(e) = result {
                    return End::Lost(e.to_string());
                }
            }
        }
        // Wait for this round trip's answer; everything else (chunks, other events) is skipped.
        loop {
            let incoming = tokio::select! {
                () = shared.stop.cancelled() => return End::Stopped,
                () = tokio::time::sleep_until(deadline) => {
                    shared.errors.fetch_add(1, Ordering::Relaxed);
                    shared.note_error(format!(
                        "no answer within {}",
                        humantime::format_duration(config.timeout)
                    ));
                    return End::GaveUp;
                }
                incoming = conn.recv() => incoming,
            };
            match incoming {
                Err(e) => return End::Lost(e.to_string()),
                Ok(SocketEvent::Disconnected) => {
                    return End::Lost("disconnected by the server".into());
                }
                Ok(SocketEvent::Ack { id, .. }) if config.ack && id == ack_id => {
                    shared.record(sent.elapsed());
                    break;
                }
                Ok(SocketEvent::Event { name, args, .. }) => {
                    if name == crate::wire::event::AI_MESSAGE_ERROR {
                        shared.errors.fetch_add(1, Ordering::Relaxed);
                        shared.note_error(format!("{}: {}", config.event, error_code(&args)));
                        // In ack mode the ack for this request still comes and ends it.
                        if !config.ack {
                            break;
                        }
                    } else if !config.ack && name == config.reply {
                        shared.record(sent.elapsed());
                        break;
                    }
                }
                Ok(SocketEvent::Ack { .. }) => {}
            }
        }
    }
}

impl Shared {
    fn record(&self, elapsed: Duration) {
        self.completed.fetch_add(1, Ordering::Relaxed);
        if self.measuring.load(Ordering::Relaxed) {
            self.latency.record(elapsed);
        }
    }
}

/// The `code` of an `ai-message-error` payload, for the error tally (messages vary per request).
fn error_code(args: &[Value]) -> String {
    args.first()
        .and_then(|payload| payload.get("code"))
        .and_then(Value::as_str)
        .unwrap_or(crate::wire::event::AI_MESSAGE_ERROR)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_of_an_ai_message_error() {
        let args = vec![serde_json::json!({"code": "busy", "message": "…"})];
        assert_eq!(error_code(&args), "busy");
        assert_eq!(error_code(&[]), "ai-message-error");
    }
}
