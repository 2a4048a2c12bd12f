//! How to reach a server: the one set of connection options `connect`, `emit` and `bench`
//! share, filled from their common flags by `crate::cli`.

use std::time::Duration;

use serde_json::Value;

use crate::protocol::engineio::EngineVersion;

/// How long a connect may take when no flag says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which Engine.IO transport to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Transport {
    /// WebSocket only
    Websocket,
    /// HTTP long-polling only
    Polling,
    /// HTTP long-polling first, then upgraded to WebSocket, as browsers do
    Upgrade,
}

/// Everything needed to open (and re-open) a connection to a URL.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Overrides the namespace the URL's path names (as with the JavaScript client).
    pub namespace: Option<String>,
    /// Engine.IO path on the server, `/socket.io/` by default.
    pub path: String,
    /// The CONNECT packet's `auth` payload (Socket.IO 3+; 2.x servers have none).
    pub auth: Option<Value>,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    /// `None`: WebSocket, falling back to HTTP long-polling when the server refuses it.
    pub transport: Option<Transport>,
    /// The version to insist on; `None`: detect it from the handshake.
    pub eio: Option<EngineVersion>,
    pub connect_timeout: Duration,
    /// Reconnect after the transport fails (never after the server said goodbye).
    pub reconnect: bool,
    /// Accept any TLS certificate (a development server's self-signed one).
    pub insecure: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            namespace: None,
            path: crate::wire::SOCKET_IO_PATH.to_owned(),
            auth: None,
            headers: Vec::new(),
            query: Vec::new(),
            transport: None,
            eio: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            reconnect: false,
            insecure: false,
        }
    }
}
