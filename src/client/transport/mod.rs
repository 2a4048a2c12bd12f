//! The two Engine.IO transports' I/O: frames over a WebSocket, bodies over HTTP long-polling.
//! They know nothing of packets; `engine.rs` encodes and decodes with `crate::protocol`.

pub mod polling;
pub mod websocket;

/// Largest WebSocket message or polling body accepted from a server (the protocol layer's
/// limits apply to each packet inside): a bound on memory, well above what events carry.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// What went wrong below Engine.IO, classified so the user can be told what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("connection refused")]
    Refused { port: u16 },
    /// The server answered HTTP, but not the Engine.IO way.
    #[error("HTTP {status}")]
    Http {
        status: u16,
        reason: String,
        content_type: Option<String>,
        /// The start of the body, for Engine.IO's JSON errors (`{"code":5,…}`).
        body: String,
    },
    /// A polling request named a session the server does not know (Engine.IO's HTTP 400,
    /// code 1) after it opened: another node behind a load balancer answered.
    #[error(
        "the server no longer knows this session: behind a load balancer, long-polling needs sticky sessions (or use --transport websocket)"
    )]
    UnknownSession,
    #[error("TLS: {0}")]
    Tls(String),
    #[error("the server sent more than {} MiB at once", MAX_MESSAGE / (1024 * 1024))]
    TooLarge,
    #[error("the connection closed")]
    Closed,
    #[error("{0}")]
    Io(String),
}

impl TransportError {
    /// From any error with a source chain: refused connections and TLS problems recognised.
    pub fn from_error(error: &(dyn std::error::Error + 'static), port: u16) -> Self {
        if let Some(problem) = super::tls::problem(error) {
            return Self::Tls(problem);
        }
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(e) = current {
            if let Some(io) = e.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::ConnectionRefused
            {
                return Self::Refused { port };
            }
            current = e.source();
        }
        Self::Io(chain(error))
    }
}

/// An error and its causes, each said once.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p == &text || p.ends_with(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// The first bytes of a body, as text, for an error message.
pub fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 120;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX * 4)]);
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().count() > MAX {
        out.push('…');
    }
    out
}
