//! The raw-WebSocket bridge at `ws://host:port/`: the seed's Postman flow, literally.
//!
//! Text frames carry `{"event": "…", "data": …}` envelopes. Answers are computed in tasks owned
//! by the connection, so a slow answer never stops the socket from reading, and closing the
//! socket cancels them.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::args::EventArgs;
use super::dispatch::{self, Conn, Dispatch, Incoming, Reply};
use crate::wire::{AiChunk, Envelope, ErrorCode, ErrorPayload, event};

/// Frames waiting to be written; a client that stops reading blocks only its own answers.
const OUTBOX: usize = 64;

pub async fn serve(
    socket: WebSocket,
    conn: Conn,
    dispatch: Arc<Dispatch>,
    shutdown: CancellationToken,
) {
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
    let reason = loop {
        let frame = tokio::select! {
            frame = stream.next() => frame,
            () = shutdown.cancelled() => break "server shutting down",
        };
        if let Some(Ok(Message::Text(_) | Message::Binary(_))) = &frame {
            // Before decoding: a frame that is no envelope counts too.
            match dispatch.over_rate(&conn, None) {
                None => {}
                Some(Reply::Disconnect) => break "kept exceeding the rate limit",
                Some(reply) => {
                    carry_out(reply, &outbox, &mut answers).await;
                    continue;
                }
            }
        }
        match frame {
            None => break "connection closed",
            Some(Err(_)) => break "transport error",
            Some(Ok(Message::Close(_))) => break "client closed the connection",
            Some(Ok(Message::Text(text))) => {
                let reply = match serde_json::from_str::<Envelope>(text.as_str()) {
                    Ok(envelope) => dispatch.handle_admitted(
                        &conn,
                        Incoming {
                            name: &envelope.event,
                            args: EventArgs::Values(vec![envelope.data]),
                            binary: false,
                        },
                    ),
                    Err(e) => refuse(
                        &dispatch,
                        ErrorPayload::new(
                            ErrorCode::InvalidPayload,
                            format!("expected {{\"event\": \"…\", \"data\": …}}: {e}"),
                        ),
                    ),
                };
                if matches!(reply, Reply::Disconnect) {
                    break "kept exceeding the rate limit";
                }
                carry_out(reply, &outbox, &mut answers).await;
            }
            Some(Ok(Message::Binary(_))) => {
                let error = ErrorPayload::new(
                    ErrorCode::BinaryNotSupported,
                    "binary frames are not supported; send JSON text frames",
                );
                carry_out(refuse(&dispatch, error), &outbox, &mut answers).await;
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
    conn.close(reason);
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
}

/// A frame the bridge cannot take, answered on `error` (and counted).
fn refuse(dispatch: &Dispatch, error: ErrorPayload) -> Reply {
    dispatch.metrics.error(error.code);
    Reply::Emit {
        event: event::ERROR,
        data: dispatch::Payload::Error(error),
        ack: false,
    }
}

/// Send a reply as envelopes. The bridge has no acknowledgements: acks alone send nothing.
async fn carry_out(reply: Reply, outbox: &mpsc::Sender<Envelope>, answers: &mut JoinSet<()>) {
    match reply {
        Reply::Nothing | Reply::Ack(_) | Reply::Disconnect => {}
        Reply::Emit { event, data, .. } => {
            outbox.send(Envelope::new(event, data)).await.ok();
        }
        Reply::Answer(answer) => {
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
                    answer.run(&mut on_chunk).await
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
                if let Reply::Emit { event, data, .. } = dispatch::answered(outcome) {
                    outbox.send(Envelope::new(event, data)).await.ok();
                }
            });
        }
    }
}
