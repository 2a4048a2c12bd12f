//! The HTTP long-polling transport: one GET always waiting for the server's packets (on its own
//! task, so a session can send while it waits), POSTs for ours, one at a time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::{MAX_MESSAGE, TransportError, excerpt};

/// Bodies read ahead of the session: a bound on memory when it is slow to take them.
const QUEUE: usize = 4;

/// An HTTP client for one server: keep-alive, no Nagle delay, the user's headers on every
/// request, rustls (platform roots, or none checked with `insecure`).
pub fn client(
    base: &url::Url,
    headers: &[(String, String)],
    insecure: bool,
) -> Result<reqwest::Client, TransportError> {
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| TransportError::Io(format!("header {name:?}: {e}")))?;
        let value = reqwest::header::HeaderValue::from_str(value)
            .map_err(|e| TransportError::Io(format!("header {name}: {e}")))?;
        map.append(name, value);
    }
    let builder = reqwest::Client::builder()
        .default_headers(map)
        .http1_only()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(2)
        .no_proxy();
    let builder = if base.scheme() == "https" {
        builder.use_preconfigured_tls((*super::super::tls::config(insecure)).clone())
    } else {
        // Plain HTTP: no need to read the system's certificate store.
        builder.tls_built_in_root_certs(false)
    };
    builder
        .build()
        .map_err(|e| TransportError::from_error(&e, 0))
}

fn port(url: &url::Url) -> u16 {
    url.port_or_known_default().unwrap_or(0)
}

/// One GET: the body of a 200 answer (at most [`MAX_MESSAGE`]), or what the server said instead.
pub async fn get(
    http: &reqwest::Client,
    url: &url::Url,
    timeout: Duration,
) -> Result<Bytes, TransportError> {
    let response = http
        .get(url.clone())
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| TransportError::from_error(&e, port(url)))?;
    read(response, url).await
}

/// One POST of an encoded payload.
pub async fn post(
    http: &reqwest::Client,
    url: &url::Url,
    body: Vec<u8>,
    timeout: Duration,
) -> Result<(), TransportError> {
    let response = http
        .post(url.clone())
        .timeout(timeout)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body)
        .send()
        .await
        .map_err(|e| TransportError::from_error(&e, port(url)))?;
    read(response, url).await.map(drop)
}

async fn read(mut response: reqwest::Response, url: &url::Url) -> Result<Bytes, TransportError> {
    let status = response.status();
    if response
        .content_length()
        .is_some_and(|n| n > MAX_MESSAGE as u64)
    {
        return Err(TransportError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| TransportError::from_error(&e, port(url)))?
    {
        if body.len() + chunk.len() > MAX_MESSAGE {
            return Err(TransportError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    if status == reqwest::StatusCode::BAD_REQUEST
        && url.query().is_some_and(names_a_session)
        && unknown_session(&body)
    {
        return Err(TransportError::UnknownSession);
    }
    if status != reqwest::StatusCode::OK {
        return Err(TransportError::Http {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_owned(),
            content_type: response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: excerpt(&body),
        });
    }
    Ok(Bytes::from(body))
}

/// Whether a polling query carries a session id (every request after the handshake does).
fn names_a_session(query: &str) -> bool {
    url::form_urlencoded::parse(query.as_bytes()).any(|(key, _)| key == "sid")
}

/// Engine.IO's answer to a request for a session it does not hold: `{"code":1,…}` (Node's
/// `Session ID unknown`, and sockai's).
fn unknown_session(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|error| error.get("code").and_then(serde_json::Value::as_u64) == Some(1))
}

/// A polling session: the reader task's bodies in, POSTs out.
pub struct Polling {
    http: reqwest::Client,
    url: url::Url,
    timeout: Duration,
    bodies: mpsc::Receiver<Result<Bytes, TransportError>>,
    paused: Arc<AtomicBool>,
    reader: tokio::task::JoinHandle<()>,
}

impl Polling {
    /// Start polling `url` (which carries the session id). `timeout` bounds each request: the
    /// server answers a waiting GET at least every ping interval.
    pub fn start(http: reqwest::Client, url: url::Url, timeout: Duration) -> Self {
        let (tx, bodies) = mpsc::channel(QUEUE);
        let paused = Arc::new(AtomicBool::new(false));
        let reader = tokio::spawn(read_loop(
            http.clone(),
            url.clone(),
            timeout,
            tx,
            paused.clone(),
        ));
        Self {
            http,
            url,
            timeout,
            bodies,
            paused,
            reader,
        }
    }

    /// The next body the server sent. Cancel-safe.
    pub async fn recv(&mut self) -> Result<Bytes, TransportError> {
        match self.bodies.recv().await {
            Some(body) => body,
            None => Err(TransportError::Closed),
        }
    }

    /// POST one encoded payload; returns once the server accepted it.
    pub async fn send(&self, body: Vec<u8>) -> Result<(), TransportError> {
        post(&self.http, &self.url, body, self.timeout).await
    }

    /// Stop polling once the GET in flight has returned (the server answers it when a
    /// WebSocket upgrade begins), and return every body still unread, in order.
    pub async fn pause(&mut self) -> Result<Vec<Bytes>, TransportError> {
        self.paused.store(true, Ordering::SeqCst);
        let mut left = Vec::new();
        while let Some(body) = self.bodies.recv().await {
            left.push(body?);
        }
        Ok(left)
    }
}

impl Drop for Polling {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

async fn read_loop(
    http: reqwest::Client,
    url: url::Url,
    timeout: Duration,
    tx: mpsc::Sender<Result<Bytes, TransportError>>,
    paused: Arc<AtomicBool>,
) {
    while !paused.load(Ordering::SeqCst) {
        let body = get(&http, &url, timeout).await;
        let failed = body.is_err();
        if tx.send(body).await.is_err() || failed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_engineios_unknown_sid_answer_means_the_session_is_gone() {
        assert!(unknown_session(
            br#"{"code":1,"message":"Session ID unknown"}"#
        ));
        assert!(!unknown_session(br#"{"code":3,"message":"Bad request"}"#));
        assert!(!unknown_session(b"Session ID unknown"));
        assert!(names_a_session("EIO=4&transport=polling&sid=abc"));
        assert!(!names_a_session("EIO=4&transport=polling"));
        let message = TransportError::UnknownSession.to_string();
        assert!(message.contains("sticky sessions (or use --transport websocket)"));
    }
}
