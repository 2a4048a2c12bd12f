//! A scripted fake AI provider: an axum app on 127.0.0.1:0, in its own runtime thread so that
//! sync and async tests can both use it. It serves the replies it was given, in order (the last
//! one again once they run out), byte for byte and spread over time, and records every request
//! and whether each streamed reply was finished or cancelled by the client.

use std::convert::Infallible;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{Server, WAIT};

/// Delay between the pieces of a streamed reply, so they leave in separate TCP writes.
const PIECE_GAP: Duration = Duration::from_millis(30);

/// One scripted answer of the fake provider.
#[derive(Clone)]
pub enum Reply {
    /// A whole body at once.
    Body {
        status: u16,
        content_type: &'static str,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// A 200 `text/event-stream` whose pieces are written one by one, `PIECE_GAP` apart.
    Stream { pieces: Vec<String>, end: End },
    /// Never answers: not even headers.
    Hang,
}

/// How a streamed reply ends.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Close the stream after the last piece.
    Close,
    /// Keep the stream open with an SSE comment every `PIECE_GAP`, until the client goes.
    Trickle,
}

impl Reply {
    /// A whole JSON body with this status.
    pub fn json(status: u16, body: &str) -> Self {
        Self::Body {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    /// A whole `text/plain` body with this status.
    pub fn text(status: u16, body: &str) -> Self {
        Self::Body {
            status,
            content_type: "text/plain",
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    /// This whole-body reply with one more response header.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        if let Self::Body { headers, .. } = &mut self {
            headers.push((name, value.to_owned()));
        }
        self
    }

    /// A stream written in exactly these pieces.
    pub fn sse(pieces: &[&str]) -> Self {
        Self::Stream {
            pieces: pieces.iter().map(|p| (*p).to_owned()).collect(),
            end: End::Close,
        }
    }

    /// These pieces, then an open stream of keep-alive comments until the client goes away.
    pub fn sse_then_trickle(pieces: &[&str]) -> Self {
        Self::Stream {
            pieces: pieces.iter().map(|p| (*p).to_owned()).collect(),
            end: End::Trickle,
        }
    }
}

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Default)]
struct Log {
    requests: Vec<Recorded>,
    /// Streamed replies the client stopped reading before the end.
    cancelled: usize,
    /// Streamed replies written to the end.
    finished: usize,
}

#[derive(Default)]
struct Shared {
    replies: Mutex<Vec<Reply>>,
    served: Mutex<usize>,
    log: Mutex<Log>,
    changed: Condvar,
}

impl Shared {
    fn update(&self, change: impl FnOnce(&mut Log)) {
        change(&mut self.log.lock().unwrap());
        self.changed.notify_all();
    }
}

/// The running fake provider, stopped when dropped.
pub struct FakeUpstream {
    /// `http://127.0.0.1:PORT`, the base URL to give `sockai serve --base-url`.
    pub url: String,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FakeUpstream {
    /// `sockai serve --provider openai --base-url <this fake>/v1 EXTRA…` with `OPENAI_API_KEY=key`.
    pub fn openai_server(&self, key: &str, extra: &[&str]) -> Server {
        let base = format!("{}/v1", self.url);
        let mut args = vec!["--provider", "openai", "--base-url", &base];
        args.extend_from_slice(extra);
        Server::start_with_env(&args, &[("OPENAI_API_KEY", key)])
    }

    /// Serve `replies` in order (the last one again once they run out).
    pub fn start(replies: Vec<Reply>) -> Self {
        assert!(!replies.is_empty(), "a fake upstream needs a reply");
        let shared = Arc::new(Shared {
            replies: Mutex::new(replies),
            ..Shared::default()
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        // Bound here with std: `block_on` is not allowed inside an async test.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new()
            .fallback(serve)
            .with_state(Arc::clone(&shared));
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await
        });
        Self {
            url,
            shared,
            runtime: Some(runtime),
        }
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().unwrap().requests.clone()
    }

    /// Wait until at least `n` requests arrived, and return them.
    pub fn wait_requests(&self, n: usize) -> Vec<Recorded> {
        self.wait(&format!("{n} requests"), |log| log.requests.len() >= n);
        self.requests()
    }

    /// Wait until a streamed reply was abandoned by the client before its end.
    pub fn wait_cancelled(&self) {
        self.wait("a cancelled stream", |log| log.cancelled > 0);
    }

    /// How many streamed replies the client abandoned before their end.
    pub fn cancelled(&self) -> usize {
        self.shared.log.lock().unwrap().cancelled
    }

    fn wait(&self, what: &str, done: impl Fn(&Log) -> bool) {
        let deadline = Instant::now() + WAIT;
        let mut log = self.shared.log.lock().unwrap();
        while !done(&log) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "fake upstream: timed out waiting for {what}"
            );
            log = self.shared.changed.wait_timeout(log, left).unwrap().0;
        }
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        // Tests may drop this inside an async runtime, where a blocking shutdown panics.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn serve(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = {
        let replies = shared.replies.lock().unwrap();
        let mut served = shared.served.lock().unwrap();
        let reply = replies[(*served).min(replies.len() - 1)].clone();
        *served += 1;
        reply
    };
    shared.update(|log| {
        log.requests.push(Recorded {
            method: method.to_string(),
            uri: uri.to_string(),
            headers,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        });
    });
    match reply {
        Reply::Body {
            status,
            content_type,
            headers,
            body,
        } => {
            let mut response = Response::builder()
                .status(StatusCode::from_u16(status).unwrap())
                .header("content-type", content_type);
            for (name, value) in headers {
                response = response.header(name, value);
            }
            response.body(Body::from(body)).unwrap()
        }
        Reply::Stream { pieces, end } => {
            let (tx, rx) = mpsc::channel::<Bytes>(1);
            tokio::spawn(write_pieces(Arc::clone(&shared), tx, pieces, end));
            let body = futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
            });
            Response::builder()
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(body))
                .unwrap()
        }
        Reply::Hang => std::future::pending().await,
    }
}

/// Write the pieces; hyper drops the body (and so the receiver) when the client goes away,
/// which is how the fake sees a cancelled request.
async fn write_pieces(shared: Arc<Shared>, tx: mpsc::Sender<Bytes>, pieces: Vec<String>, end: End) {
    let cancelled = || shared.update(|log| log.cancelled += 1);
    let trickle = std::iter::repeat_n(": keep-alive\n\n".to_owned(), usize::MAX)
        .take_while(|_| end == End::Trickle);
    for (n, piece) in pieces.into_iter().chain(trickle).enumerate() {
        if n > 0 {
            tokio::select! {
                () = tokio::time::sleep(PIECE_GAP) => {}
                () = tx.closed() => return cancelled(),
            }
        }
        if tx.send(Bytes::from(piece)).await.is_err() {
            return cancelled();
        }
    }
    shared.update(|log| log.finished += 1);
}

/// A non-streamed OpenAI chat completion answering `text`, as the API documents it.
pub fn completion(text: &str) -> String {
    json!({
        "id": "chatcmpl-123", "object": "chat.completion", "created": 1677652288, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21},
    })
    .to_string()
}
