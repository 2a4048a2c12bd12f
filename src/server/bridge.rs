//! The raw-WebSocket bridge at `ws://host:port/`: the seed's Postman flow, literally.
//!
//! Text frames carry `{"event": "…", "data": …}` envelopes. Answers are computed in tasks owned
//! by the connection, so a slow answer never stops the socket from reading, and closing the
//! socket cancels them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::assistant::{Assistant, Session};
use super::guard::{RateLimiter, Verdict};
use crate::wire::{AiChunk, Envelope, ErrorCode, ErrorPayload, event};

/// Frames waiting to be written; a client that stops reading blocks only its own answers.
const OUTBOX: usize = 64;

pub async fn serve(
    socket: WebSocket,
    peer: SocketAddr,
    assistant: Arc<Assistant>,
    shutdown: CancellationToken,
    mut limiter: Option<RateLimiter>,
) {
    tracing::info!(%peer, transport = "raw-websocket", "A user connected");
    let (mut sink, mut stream) = socket.split();
    let (outbox, mut outgoing) = mpsc::channel::<Envelope>(OUTBOX);
    let writer = tokio::spawn(async move {
        while let Some(envelope) = outgoing.recv().await {
            let Ok(text) = serde_json::to_string(&envelope) else {
                continue;
            };
            if sink.send(Message::Text(text.into())).await.is_err() {
                return sink;
            }
        }
        sink
    });
    let mut answers = JoinSet::new();
    // This connection's conversation memory and its one answer in flight.
    let session = Arc::new(Session::default());
    let reason = loop {
        let frame = tokio::select! {
            frame = stream.next() => frame,
            () = shutdown.cancelled() => break "server shutting down",
        };
        if let Some(Ok(Message::Text(_) | Message::Binary(_))) = &frame {
            match limiter
                .as_mut()
                .map_or(Verdict::Allow, |l| l.check(Instant::now()))
            {
                Verdict::Allow => {}
                Verdict::Reject => {
                    let error = ErrorPayload::new(
                        ErrorCode::TooManyEvents,
                        "too many events: slow down (see the server's --rate-limit)",
                    );
                    outbox.send(Envelope::new(event::ERROR, error)).await.ok();
                    continue;
                }
                Verdict::Disconnect => break "kept exceeding the rate limit",
            }
        }
        match frame {
            None => break "connection closed",
            Some(Err(_)) => break "transport error",
            Some(Ok(Message::Close(_))) => break "client closed the connection",
            Some(Ok(Message::Text(text))) => {
                on_text(text.as_str(), &assistant, &session, &outbox, &mut answers).await;
            }
            Some(Ok(Message::Binary(_))) => {
                let error = ErrorPayload::new(
                    ErrorCode::BinaryNotSupported,
                    "binary frames are not supported; send JSON text frames",
                );
                outbox.send(Envelope::new(event::ERROR, error)).await.ok();
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
        }
        // Reap finished answers so a long-lived socket does not accumulate them.
        while answers.try_join_next().is_some() {}
    };
    let in_shutdown = shutdown.is_cancelled();
    if in_shutdown {
        // Let answers in flight finish; the server bounds the whole shutdown.
        while answers.join_next().await.is_some() {}
    }
    // Aborting the answers drops their upstream requests.
    session.close();
    answers.abort_all();
    drop(outbox);
    if let Ok(mut sink) = writer.await {
        if in_shutdown {
            let frame = CloseFrame {
                code: close_code::AWAY,
                reason: "server shutting down".into(),
            };
            sink.send(Message::Close(Some(frame))).await.ok();
        }
        sink.close().await.ok();
    }
    tracing::info!(%peer, reason, "A user disconnected");
}

async fn on_text(
    text: &str,
    assistant: &Arc<Assistant>,
    session: &Arc<Session>,
    outbox: &mpsc::Sender<Envelope>,
    answers: &mut JoinSet<()>,
) {
    let envelope = match serde_json::from_str::<Envelope>(text) {
        Ok(envelope) => envelope,
        Err(e) => {
            let error = ErrorPayload::new(
                ErrorCode::InvalidPayload,
                format!("expected {{\"event\": \"…\", \"data\": …}}: {e}"),
            );
            outbox.send(Envelope::new(event::ERROR, error)).await.ok();
            return;
        }
    };
    match envelope.event.as_str() {
        event::MESSAGE => {
            tracing::info!(payload = %envelope.data, transport = "raw-websocket", "message received from client");
        }
        event::AI_MESSAGE => {
            let assistant = Arc::clone(assistant);
            let session = Arc::clone(session);
            let outbox = outbox.clone();
            answers.spawn(async move {
                // The provider hands pieces to a callback that cannot wait, while the outbox
                // applies back-pressure: an unbounded hop in between, bounded in practice by
                // the one answer a connection may have in flight.
                let (chunks, mut pending) = mpsc::unbounded_channel::<AiChunk>();
                let answer = async move {
                    let mut on_chunk = |chunk| {
                        chunks.send(chunk).ok();
                    };
                    assistant
                        .answer(Some(&session), &envelope.data, &mut on_chunk)
                        .await
                };
                let forward = async {
                    while let Some(chunk) = pending.recv().await {
                        outbox
                            .send(Envelope::new(event::AI_MESSAGE_CHUNK, chunk))
                            .await
                            .ok();
                    }
                };
                let (outcome, ()) = tokio::join!(answer, forward);
                let reply = match outcome {
                    Ok(response) => Envelope::new(event::AI_MESSAGE_RESPONSE, response),
                    Err(error) => Envelope::new(event::AI_MESSAGE_ERROR, error),
                };
                outbox.send(reply).await.ok();
            });
        }
        event::AI_RESET => {
            let cleared = session.reset();
            tracing::info!(
                cleared,
                transport = "raw-websocket",
                "AI conversation reset"
            );
        }
        other => {
            let error = ErrorPayload::new(
                ErrorCode::UnknownEvent,
                format!(
                    "unknown event {other:?}; this bridge knows \"{}\", \"{}\" and \"{}\"",
                    event::AI_MESSAGE,
                    event::AI_RESET,
                    event::MESSAGE
                ),
            );
            outbox.send(Envelope::new(event::ERROR, error)).await.ok();
        }
    }
}
