//! Opening a session: the endpoint, the transport (WebSocket, falling back to polling when the
//! server refuses it), the namespace join, the whole bounded by the connect timeout, and every
//! failure said in one line that tells the user what to try.

use std::time::Duration;

use serde_json::Value;

use super::endpoint::Endpoint;
use super::engine::{self, Engine, OpenError, Start};
use super::options::{ConnectOptions, Transport};
use super::socket::{self, JoinError, Socket, SocketEvent};
use super::transport::TransportError;
use crate::protocol::engineio::EngineVersion;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectError {
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot connect to {url}: connection refused: is a server running on port {port}?")]
    Refused { url: String, port: u16 },
    #[error(
        "cannot connect to {url}: {engine_url} is not a Socket.IO server: it answered {answer}; is --path right?"
    )]
    NotSocketIo {
        url: String,
        engine_url: String,
        /// `404 Not Found (text/html)`, or the start of what came instead of an open packet.
        answer: String,
        status: Option<u16>,
        content_type: Option<String>,
    },
    #[error("cannot connect to {url}: {message}")]
    Version { url: String, message: String },
    #[error(
        "cannot connect to {url}: TLS: {problem} (for a development server with a self-signed certificate: --insecure)"
    )]
    Tls { url: String, problem: String },
    #[error("cannot connect to {url}: namespace {namespace} rejected: {message}{}", data_suffix(.data))]
    Rejected {
        url: String,
        namespace: String,
        message: String,
        /// Boxed: a `Value` would make every `Result` carrying this error large.
        data: Option<Box<Value>>,
    },
    #[error("cannot connect to {url}: no answer within {}", humantime::format_duration(*.after))]
    Timeout { url: String, after: Duration },
    #[error("cannot connect to {url}: {cause}")]
    Failed { url: String, cause: String },
    #[error("cannot connect to {url}: {message}")]
    Lost { url: String, message: String },
}

fn data_suffix(data: &Option<Box<Value>>) -> String {
    match data {
        Some(data) => format!(" (data: {data})"),
        None => String::new(),
    }
}

impl ConnectError {
    /// A bad URL is the user's typo, not a network problem.
    pub fn is_usage(&self) -> bool {
        matches!(self, Self::InvalidUrl { .. })
    }
}

/// A URL and its [`ConnectOptions`], resolved once (the endpoint parsed, the transport
/// settled) for the first connect and every reconnection.
#[derive(Debug, Clone)]
pub struct Plan {
    pub endpoint: Endpoint,
    /// The URL as the user gave it, for messages.
    pub url: String,
    pub auth: Option<Value>,
    pub headers: Vec<(String, String)>,
    pub transport: Option<Transport>,
    pub eio: Option<EngineVersion>,
    pub connect_timeout: Duration,
    pub reconnect: bool,
    pub insecure: bool,
    /// WebSocket read buffer: small for a load generator holding thousands of connections.
    pub read_buffer: usize,
}

/// The WebSocket read buffer of a connection. tungstenite zero-fills the free part of it
/// before every read, so a large one costs on every message: 128 KiB took a quarter of
/// `sockai bench --scenario`'s CPU (perf, scripts/bench-scenario.sh). A larger message still
/// arrives: the buffer grows for it.
const READ_BUFFER: usize = 4 * 1024;

impl Plan {
    pub fn new(url: &str, options: &ConnectOptions) -> Result<Self, ConnectError> {
        let endpoint = Endpoint::parse(
            url,
            options.namespace.as_deref(),
            &options.path,
            &options.query,
        )
        .map_err(|e| ConnectError::InvalidUrl {
            url: e.url,
            reason: e.reason,
        })?;
        Ok(Self {
            endpoint,
            url: url.to_owned(),
            auth: options.auth.clone(),
            headers: options.headers.clone(),
            transport: options.transport,
            eio: options.eio,
            connect_timeout: options.connect_timeout,
            reconnect: options.reconnect,
            insecure: options.insecure,
            read_buffer: READ_BUFFER,
        })
    }
}

/// Open a session and join the namespace, within the connect timeout.
pub async fn establish(plan: &Plan) -> Result<(Socket, Vec<SocketEvent>), ConnectError> {
    match tokio::time::timeout(plan.connect_timeout, attempt(plan)).await {
        Ok(result) => result,
        Err(_) => Err(ConnectError::Timeout {
            url: plan.url.clone(),
            after: plan.connect_timeout,
        }),
    }
}

/// Open the Engine.IO session only (for a caller that speaks Socket.IO itself).
pub async fn open_engine(plan: &Plan) -> Result<Engine, ConnectError> {
    let start = match plan.transport {
        Some(Transport::Websocket) => Start::Websocket,
        Some(Transport::Polling) => Start::Polling,
        Some(Transport::Upgrade) => Start::Upgrade,
        None => Start::Websocket,
    };
    match Engine::open(&engine_options(plan, start)).await {
        // No transport chosen: a server whose WebSocket handshake fails (a proxy, WebSocket
        // disabled, a version refused in a way tungstenite cannot read) may still poll; a
        // refused port or a certificate problem would fail the same way again.
        Err(
            e @ (OpenError::Transport(
                TransportError::Http { .. }
                | TransportError::Io(_)
                | TransportError::Closed
                | TransportError::TooLarge,
            )
            | OpenError::NotEngineIo(_)),
        ) if plan.transport.is_none() => {
            tracing::debug!("WebSocket failed ({e}); trying long-polling");
            Engine::open(&engine_options(plan, Start::Polling))
                .await
                .map_err(|e| open_error(plan, e))
        }
        other => other.map_err(|e| open_error(plan, e)),
    }
}

async fn attempt(plan: &Plan) -> Result<(Socket, Vec<SocketEvent>), ConnectError> {
    let engine = open_engine(plan).await?;
    let namespace = plan.endpoint.namespace.as_str();
    socket::join(engine, namespace, plan.auth.clone())
        .await
        .map_err(|e| match e {
            JoinError::Rejected { message, data } => ConnectError::Rejected {
                url: plan.url.clone(),
                namespace: namespace.to_owned(),
                message,
                data: data.map(Box::new),
            },
            JoinError::Link(e) => ConnectError::Lost {
                url: plan.url.clone(),
                message: format!("the session ended while joining namespace {namespace}: {e}"),
            },
        })
}

fn engine_options(plan: &Plan, start: Start) -> engine::Options<'_> {
    engine::Options {
        endpoint: &plan.endpoint,
        headers: &plan.headers,
        insecure: plan.insecure,
        eio: plan.eio,
        start,
        read_buffer: plan.read_buffer,
    }
}

fn open_error(plan: &Plan, error: OpenError) -> ConnectError {
    let url = plan.url.clone();
    let engine_url = format!("{}{}", plan.endpoint.server(), plan.endpoint.path);
    match error {
        OpenError::Transport(TransportError::Refused { port }) => ConnectError::Refused {
            url,
            port: plan.endpoint.base.port_or_known_default().unwrap_or(port),
        },
        OpenError::Transport(TransportError::Http {
            status,
            reason,
            content_type,
            ..
        }) => ConnectError::NotSocketIo {
            url,
            engine_url,
            answer: format!(
                "{status} {reason}{}",
                content_type
                    .as_deref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default()
            )
            .trim_end()
            .to_owned(),
            status: Some(status),
            content_type,
        },
        OpenError::Transport(TransportError::Tls(problem)) => ConnectError::Tls { url, problem },
        OpenError::Transport(other) => ConnectError::Failed {
            url,
            cause: other.to_string(),
        },
        OpenError::Version(message) => ConnectError::Version { url, message },
        OpenError::NotEngineIo(answer) => ConnectError::NotSocketIo {
            url,
            engine_url,
            answer,
            status: None,
            content_type: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan(url: &str) -> Result<Plan, ConnectError> {
        Plan::new(url, &ConnectOptions::default())
    }

    #[test]
    fn every_error_is_one_actionable_line() {
        let plan = plan("http://127.0.0.1:4801").unwrap();
        let refused = open_error(
            &plan,
            OpenError::Transport(TransportError::Refused { port: 0 }),
        );
        assert_eq!(
            refused.to_string(),
            "cannot connect to http://127.0.0.1:4801: connection refused: is a server running on port 4801?"
        );
        let http = open_error(
            &plan,
            OpenError::Transport(TransportError::Http {
                status: 404,
                reason: "Not Found".into(),
                content_type: Some("text/html".into()),
                body: "<html>".into(),
            }),
        );
        assert_eq!(
            http.to_string(),
            "cannot connect to http://127.0.0.1:4801: http://127.0.0.1:4801/socket.io/ is not a \
             Socket.IO server: it answered 404 Not Found (text/html); is --path right?"
        );
        let tls = open_error(
            &plan,
            OpenError::Transport(TransportError::Tls("expired".into())),
        );
        assert!(tls.to_string().ends_with("--insecure)"), "{tls}");
        let rejected = ConnectError::Rejected {
            url: "u".into(),
            namespace: "/admin".into(),
            message: "not authorized".into(),
            data: Some(Box::new(json!({"reason": "bad token"}))),
        };
        assert_eq!(
            rejected.to_string(),
            r#"cannot connect to u: namespace /admin rejected: not authorized (data: {"reason":"bad token"})"#
        );
        for error in [refused, http, tls, rejected] {
            assert!(!error.to_string().contains('\n'));
        }
    }

    #[test]
    fn bad_urls_are_usage_errors() {
        assert!(plan("ftp://h").unwrap_err().is_usage());
        let eio = ConnectOptions {
            eio: Some(EngineVersion::V3),
            ..ConnectOptions::default()
        };
        assert_eq!(Plan::new("h:1", &eio).unwrap().eio, Some(EngineVersion::V3));
    }
}
