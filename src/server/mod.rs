//! `sockai serve`: one axum server carrying Socket.IO (on sockai's own engine), the raw-WebSocket
//! bridge and HTTP routes.

mod args;
mod assistant;
mod bridge;
mod dispatch;
mod echo_server;
mod engine;
mod guard;
mod http;
mod socketio;

use std::future::{Future, IntoFuture};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::{TcpListener, TcpSocket};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::providers::Provider;
use assistant::{AnswerLimits, Assistant};
use dispatch::Dispatch;
use guard::Guard;

/// Listen backlog: the default of 128 drops connections in a burst of handshakes.
const BACKLOG: u32 = 4096;

/// How long connections get to close after every socket was told to.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub addr: SocketAddr,
    pub echo_server: bool,
    /// Accept Engine.IO 3 / Socket.IO 2.x clients (`--allow-eio3`).
    pub allow_eio3: bool,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub max_payload: u64,
    pub max_prompt_bytes: usize,
    /// Send `ai-message-chunk`s while answering (off with `--no-stream`).
    pub stream: bool,
    /// Exchanges remembered per connection; 0 = no memory.
    pub history: usize,
    pub ai_timeout: Duration,
    pub max_concurrent_ai: usize,
    pub shutdown_timeout: Duration,
    pub cors_origins: Vec<String>,
    pub auth_token: Option<String>,
    pub max_connections: usize,
    /// Events per second per socket; 0 = unlimited.
    pub rate_limit: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid --cors-origin {0:?}: expected an origin like http://localhost:5173")]
    CorsOrigin(String),
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Shared by the HTTP routes and the bridge.
#[derive(Clone)]
struct AppState {
    assistant: Arc<Assistant>,
    dispatch: Arc<Dispatch>,
    shutdown: CancellationToken,
    /// Open raw WebSocket connections (the bridge, direct Socket.IO); shutdown waits for them
    /// to say goodbye.
    bridges: TaskTracker,
    max_frame_bytes: usize,
    guard: Arc<Guard>,
}

/// Serve until `signal` resolves, then shut down gracefully.
pub async fn run(
    config: ServerConfig,
    provider: Arc<dyn Provider>,
    signal: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listener = bind(config.addr)?;
    let local = listener.local_addr()?;

    let assistant = Arc::new(Assistant::new(
        Arc::clone(&provider),
        AnswerLimits {
            max_prompt_bytes: config.max_prompt_bytes,
            stream: config.stream,
            history: config.history,
            timeout: config.ai_timeout,
            max_concurrent: config.max_concurrent_ai,
        },
    ));
    let guard = Arc::new(Guard::new(
        config.auth_token.clone(),
        config.max_connections,
        config.rate_limit,
    ));
    let dispatch = Arc::new(Dispatch::new(Arc::clone(&assistant), Arc::clone(&guard)));
    let shutdown = CancellationToken::new();
    let bridges = TaskTracker::new();
    let max_payload = usize::try_from(config.max_payload).unwrap_or(usize::MAX);
    let settings = engine::EngineSettings {
        ping_interval: config.ping_interval,
        ping_timeout: config.ping_timeout,
        max_payload,
        allow_eio3: config.allow_eio3,
        // Sessions that never join count too: a bound of their own, beside --max-connections.
        max_sessions: config.max_connections.saturating_add(1024),
    };
    let limits = crate::protocol::Limits {
        max_payload,
        ..crate::protocol::Limits::default()
    };
    let (socket_io, engine_io): (
        Arc<dyn engine::MakeHandler>,
        Option<Arc<dyn engine::MakeHandler>>,
    ) = if config.echo_server {
        let echo = socketio::MakeSocketIo {
            mode: socketio::Mode::Echo,
            limits,
        };
        (Arc::new(echo), Some(Arc::new(echo_server::MakeRawEcho)))
    } else {
        let ai = socketio::MakeSocketIo {
            mode: socketio::Mode::Ai(Arc::clone(&dispatch)),
            limits,
        };
        (Arc::new(ai), None)
    };
    let engine = Arc::new(engine::Engine::new(
        settings,
        socket_io,
        engine_io,
        shutdown.clone(),
        bridges.clone(),
    ));
    let state = AppState {
        assistant: Arc::clone(&assistant),
        dispatch,
        shutdown: shutdown.clone(),
        bridges: bridges.clone(),
        max_frame_bytes: max_payload,
        guard,
    };
    let app = Router::new()
        .route("/", get(http::root))
        .route("/health", get(http::health))
        .route("/api/ai", post(http::ai))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(engine, engine::route))
        .layer(cors(&config.cors_origins)?);

    announce(local, &config, provider.as_ref());

    let stopping = CancellationToken::new();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stopping.clone().cancelled_owned());
    let mut server = tokio::spawn(server.into_future());
    tokio::select! {
        // The server can only end on its own by failing.
        result = &mut server => return flatten(result),
        () = signal => {}
    }
    // axum has stopped accepting; connections already open carry on until closed below.
    stopping.cancel();
    tracing::info!("shutting down: waiting for answers in flight");
    assistant.drain(config.shutdown_timeout).await;
    shutdown.cancel();
    bridges.close();
    let closed = async {
        bridges.wait().await;
        server.await
    };
    match tokio::time::timeout(CLOSE_GRACE, closed).await {
        Ok(result) => flatten(result)?,
        Err(_) => tracing::warn!("shutdown: connections still open, closing them"),
    }
    tracing::info!("server stopped");
    Ok(())
}

/// Lock a mutex that guards plain data. A panic while it was held leaves that data behind,
/// still usable: carry on with it rather than fail every later caller.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn flatten(result: Result<std::io::Result<()>, tokio::task::JoinError>) -> Result<(), ServeError> {
    result
        .map_err(std::io::Error::other)?
        .map_err(ServeError::Io)
}

fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    let error = |source| ServeError::Bind { addr, source };
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(error)?;
    socket.set_reuseaddr(true).map_err(error)?;
    socket.bind(addr).map_err(error)?;
    socket.listen(BACKLOG).map_err(error)
}

fn cors(origins: &[String]) -> Result<CorsLayer, ServeError> {
    let origins = origins
        .iter()
        .map(|o| o.parse().map_err(|_| ServeError::CorsOrigin(o.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods(tower_http::cors::Any)
        .allow_headers(tower_http::cors::Any))
}

/// The stdout line scripts read, then the log line people read.
fn announce(local: SocketAddr, config: &ServerConfig, provider: &dyn Provider) {
    let mut stdout = std::io::stdout().lock();
    // stdout may be closed by a script that only wanted the address; serving goes on regardless.
    writeln!(stdout, "listening on http://{local}").ok();
    stdout.flush().ok();
    if config.echo_server {
        tracing::info!(address = %local, "Socket.IO protocol echo server started");
    } else {
        tracing::info!(
            address = %local,
            provider = provider.name(),
            model = provider.model(),
            stream = config.stream,
            history = config.history,
            "sockai AI server started"
        );
    }
}
