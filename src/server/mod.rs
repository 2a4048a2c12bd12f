//! `sockai serve`: one axum server carrying Socket.IO (on sockai's own engine), the raw-WebSocket
//! bridge and HTTP routes.

mod args;
mod assistant;
mod bridge;
mod dispatch;
mod echo_server;
mod engine;
mod gate;
mod guard;
mod host;
mod http;
mod metrics;
mod origin;
mod page;
mod proxy;
mod replies;
mod response;
mod session;
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

use crate::providers::{ConfigError, Provider};
use crate::wire::exit::{self, Failure};
use assistant::{AnswerLimits, Assistant};
use dispatch::Dispatch;
use gate::Gate;
use guard::Guard;
use host::HostPolicy;
pub use host::{HostError, normalize as normalize_allowed_host};
use origin::OriginPolicy;
pub use origin::{OriginError, normalize as normalize_origin};
pub use proxy::{Cidr, CidrError, TrustedProxies};

/// `--trusted-proxy`'s value parser.
pub fn parse_trusted_proxy(text: &str) -> Result<Cidr, String> {
    Cidr::parse(text).map_err(|e| e.to_string())
}
pub use page::prefers_html;

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
    /// Allow loopback origins while listening on loopback (off with `--no-loopback-origins`).
    pub loopback_origins: bool,
    /// `--allowed-host`: names served besides loopback ones (see `host`).
    pub allowed_hosts: Vec<String>,
    /// `--trusted-proxy`: whose `X-Forwarded-For` / `Forwarded` is believed (see `proxy`).
    pub trusted_proxies: Vec<Cidr>,
    pub auth_token: Option<String>,
    pub max_connections: usize,
    /// Events per second per socket; 0 = unlimited.
    pub rate_limit: u32,
}

/// Why `sockai serve` stopped. Each message quotes its cause: the reporter prints the line as
/// it is, without walking `source()`.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Provider(#[from] ConfigError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid --cors-origin {origin:?}: {source}")]
    CorsOrigin { origin: String, source: OriginError },
    #[error("invalid --allowed-host {host:?}: {source}")]
    AllowedHost { host: String, source: HostError },
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
}

impl Failure for ServeError {
    /// A provider missing its key or given a bad URL, or a bad origin or host, is fixed on the
    /// command line or in the environment, like a bad flag.
    fn exit_code(&self) -> i32 {
        match self {
            Self::Provider(_) | Self::CorsOrigin { .. } | Self::AllowedHost { .. } => exit::USAGE,
            Self::Runtime(_) | Self::Bind { .. } | Self::Io(_) => exit::FAILURE,
        }
    }
}

/// Shared by the HTTP routes and the bridge.
#[derive(Clone)]
struct AppState {
    assistant: Arc<Assistant>,
    dispatch: Arc<Dispatch>,
    shutdown: CancellationToken,
    /// The task of every connection: each bridge socket and each Engine.IO session. Shutdown
    /// waits for them to say goodbye.
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
    let loopback = config.loopback_origins && config.addr.ip().is_loopback();
    let origins = OriginPolicy::new(&config.cors_origins, loopback)
        .map_err(|(origin, source)| ServeError::CorsOrigin { origin, source })?;
    let cors = cors(origins.clone());
    let hosts = HostPolicy::new(&config.allowed_hosts, origins.listed(), config.addr)
        .map_err(|(host, source)| ServeError::AllowedHost { host, source })?;
    let listener = bind(config.addr)?;
    let local = listener.local_addr()?;

    let metrics = Arc::new(metrics::Metrics::new(provider.name(), provider.model()));
    let assistant = Arc::new(Assistant::new(
        Arc::clone(&provider),
        AnswerLimits {
            max_prompt_bytes: config.max_prompt_bytes,
            stream: config.stream,
            history: config.history,
            timeout: config.ai_timeout,
            max_concurrent: config.max_concurrent_ai,
        },
        Arc::clone(&metrics),
    ));
    let guard = Arc::new(Guard::new(
        config.auth_token.clone(),
        config.max_connections,
        config.rate_limit,
    ));
    let dispatch = Arc::new(Dispatch::new(
        Arc::clone(&assistant),
        Arc::clone(&guard),
        Arc::clone(&metrics),
    ));
    let bridges = TaskTracker::new();
    let max_payload = usize::try_from(config.max_payload).unwrap_or(usize::MAX);
    let settings = engine::EngineSettings {
        ping_interval: config.ping_interval,
        ping_timeout: config.ping_timeout,
        max_payload,
        allow_eio3: config.allow_eio3,
        // Sessions that never join count too: a bound of their own, beside --max-connections.
        max_sessions: config.max_connections.saturating_add(1024),
        counters: metrics.engine_counters(),
    };
    let limits = crate::protocol::Limits {
        max_payload,
        ..crate::protocol::Limits::default()
    };
    let socket_io = |mode| engine::Mount {
        path: crate::wire::SOCKET_IO_PATH,
        make: Arc::new(socketio::MakeSocketIo {
            mode,
            limits,
            metrics: Arc::clone(&metrics),
        }),
    };
    let mounts = if config.echo_server {
        let raw = engine::Mount {
            path: echo_server::ENGINE_IO_PATH,
            make: Arc::new(echo_server::MakeRawEcho),
        };
        vec![socket_io(socketio::Mode::Echo), raw]
    } else {
        vec![socket_io(socketio::Mode::Ai(Arc::clone(&dispatch)))]
    };
    let engine = Arc::new(engine::Engine::new(settings, mounts, bridges.clone()));
    let state = AppState {
        assistant: Arc::clone(&assistant),
        dispatch,
        shutdown: engine.shutdown_signal(),
        bridges: bridges.clone(),
        max_frame_bytes: max_payload,
        guard: Arc::clone(&guard),
    };
    let scrape = Router::new()
        .route("/metrics", get(metrics::scrape))
        .with_state(Arc::new(metrics::Scrape {
            metrics: Arc::clone(&metrics),
            guard,
        }));
    let app = Router::new()
        .route("/", get(http::root))
        .route("/health", get(http::health))
        .route("/api/ai", post(http::ai))
        .merge(page::routes())
        .with_state(state)
        .merge(scrape)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&engine),
            engine::route,
        ))
        // Before any of the above: a foreign page (or host name) gets no session and no answer.
        // Inside the CORS layer, which answers preflights on its own.
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(Gate {
                hosts,
                origins,
                metrics,
            }),
            gate::check,
        ))
        .layer(cors);
    // Outermost: from a trusted proxy, everything below sees the client's address. Without
    // --trusted-proxy, not even a layer.
    let trusted = proxy::TrustedProxies::new(config.trusted_proxies.clone());
    let app = if trusted.is_empty() {
        app
    } else {
        app.layer(axum::middleware::from_fn_with_state(
            Arc::new(trusted),
            proxy::rewrite,
        ))
    };

    announce(local, &config, provider.as_ref());

    let stopping = CancellationToken::new();
    // Every packet is written when it is ready and a client waits for it: no Nagle delay (a
    // streamed chunk followed by its response would otherwise wait for the client's ACK). Node's
    // `ws` does the same.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        tcp.set_nodelay(true).ok();
    });
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
    engine.shut_down();
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

/// CORS headers for the origins the gate admits beyond the server's own (listed ones, and
/// loopback ones when allowed): the same rule, so a preflight never promises what the gate
/// then refuses, nor refuses what it would serve.
fn cors(origins: OriginPolicy) -> CorsLayer {
    let allow = AllowOrigin::predicate(move |origin, _| {
        origin.to_str().is_ok_and(|o| origins.grants_cors(o))
    });
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods(tower_http::cors::Any)
        .allow_headers(tower_http::cors::Any)
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
        // Before the start line, so that whoever has read that line has seen this one too.
        if let Some(warning) = exposure_warning(local, config, provider) {
            tracing::warn!(address = %local, "{warning}");
        }
        tracing::info!(
            address = %local,
            provider = provider.name(),
            model = provider.model(),
            stream = config.stream,
            history = config.history,
            "sockai AI server started"
        );
        tracing::info!(url = %page::url(local), "playground: open it in a browser");
    }
}

/// What to tell someone who serves a provider beyond this machine with no token. Not for
/// `--echo-server`: it has no provider to spend and takes no token.
fn exposure_warning(
    local: SocketAddr,
    config: &ServerConfig,
    provider: &dyn Provider,
) -> Option<String> {
    // An empty token requires nothing (see `Guard::new`).
    let token = config.auth_token.as_deref().is_some_and(|t| !t.is_empty());
    if local.ip().to_canonical().is_loopback() || token {
        return None;
    }
    let reach = if local.ip().is_unspecified() {
        format!("this machine on port {}", local.port())
    } else {
        local.to_string()
    };
    Some(format!(
        "no --auth-token: anyone who can reach {reach} can use the {} provider (and any API key \
         it was given) through this server; require a token with --auth-token or SOCKAI_AUTH_TOKEN",
        provider.name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::Echo;

    fn config(addr: &str, token: Option<&str>) -> ServerConfig {
        ServerConfig {
            addr: addr.parse().unwrap(),
            echo_server: false,
            allow_eio3: false,
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            max_payload: 1_000_000,
            max_prompt_bytes: 1024,
            stream: true,
            history: 0,
            ai_timeout: Duration::from_secs(60),
            max_concurrent_ai: 1,
            shutdown_timeout: Duration::from_secs(1),
            cors_origins: Vec::new(),
            loopback_origins: true,
            allowed_hosts: Vec::new(),
            trusted_proxies: Vec::new(),
            auth_token: token.map(str::to_owned),
            max_connections: 1,
            rate_limit: 0,
        }
    }

    fn warning(addr: &str, token: Option<&str>) -> Option<String> {
        let config = config(addr, token);
        exposure_warning(config.addr, &config, &Echo::new(Duration::ZERO))
    }

    #[test]
    fn what_the_command_line_can_fix_is_a_usage_error() {
        let usage = [
            ServeError::Provider(ConfigError::MissingGeminiKey),
            ServeError::CorsOrigin {
                origin: "*".into(),
                source: OriginError::Wildcard,
            },
            ServeError::AllowedHost {
                host: "*".into(),
                source: HostError::Wildcard,
            },
        ];
        for error in usage {
            assert_eq!(error.exit_code(), exit::USAGE, "{error}");
        }
        let busy = std::io::Error::from(std::io::ErrorKind::AddrInUse);
        let bind = ServeError::Bind {
            addr: "127.0.0.1:3000".parse().unwrap(),
            source: busy,
        };
        assert_eq!(bind.exit_code(), exit::FAILURE);
        let runtime = ServeError::Runtime(std::io::Error::other("no threads"));
        assert_eq!(
            runtime.to_string(),
            "cannot start the async runtime: no threads"
        );
        assert_eq!(runtime.exit_code(), exit::FAILURE);
    }

    #[test]
    fn only_a_tokenless_server_beyond_loopback_is_warned_about() {
        for quiet in [
            "127.0.0.1:3000",
            "127.0.0.2:3000",
            "[::1]:3000",
            "[::ffff:127.0.0.1]:3000",
        ] {
            assert_eq!(warning(quiet, None), None, "{quiet}");
        }
        assert_eq!(warning("0.0.0.0:3000", Some("s3cret")), None);
        let everywhere = warning("0.0.0.0:3000", None).unwrap();
        assert!(
            everywhere.contains(
                "anyone who can reach this machine on port 3000 can use the echo provider"
            ),
            "{everywhere}"
        );
        assert!(everywhere.contains("SOCKAI_AUTH_TOKEN"), "{everywhere}");
        assert!(warning("[::]:3000", None).is_some());
        // An empty token requires nothing.
        assert!(warning("0.0.0.0:3000", Some("")).is_some());
        let one = warning("192.168.1.5:8080", None).unwrap();
        assert!(
            one.contains("anyone who can reach 192.168.1.5:8080"),
            "{one}"
        );
    }
}
