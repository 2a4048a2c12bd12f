//! `sockai serve`'s flags.

use std::net::IpAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::parse_duration;
use crate::providers::ProviderKind;

pub(super) const SERVE_AFTER_HELP: &str = "\
Examples:
  sockai serve
  sockai serve --port 0 --echo-delay-ms 300
  GEMINI_API_KEY=… sockai serve --provider gemini
  sockai serve --provider openai --base-url http://localhost:11434/v1 --model llama3.2
  sockai serve --host 0.0.0.0 --port 8080 --log-format json
  sockai serve --host 10.0.0.11 --allowed-host chat.example.com --trusted-proxy 10.0.0.2
  curl -H \"Authorization: Bearer $SOCKAI_AUTH_TOKEN\" http://127.0.0.1:3000/metrics
  RUST_LOG=debug sockai serve
  sockai serve --echo-server --ping-interval 300ms --ping-timeout 200ms --max-payload 1000000

On start the server prints one line on stdout, `listening on http://HOST:PORT`, with the port it
actually bound. Logs go to stderr; filter them with RUST_LOG (default: info).

Provider environment: GEMINI_API_KEY or GOOGLE_API_KEY (preferred when both are set),
GEMINI_MODEL; OPENAI_API_KEY (optional for local servers), OPENAI_BASE_URL, OPENAI_MODEL.
A provider that lacks what it needs (e.g. gemini without a key) is a usage error: exit 2.";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; use 0.0.0.0 to accept connections from other machines (and set
    /// --auth-token: anyone who reaches the server can use its provider)
    #[arg(long, env = "SOCKAI_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to listen on; 0 picks a free port
    #[arg(long, short, env = "SOCKAI_PORT", default_value_t = 3000)]
    pub port: u16,

    /// AI provider that answers `ai-message`
    #[arg(long, env = "SOCKAI_PROVIDER", value_enum, default_value_t = ProviderKind::Echo)]
    pub provider: ProviderKind,

    /// Model to ask [default: gemini: $GEMINI_MODEL or gemini-2.5-flash; openai: $OPENAI_MODEL or gpt-4o-mini]
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,

    /// Provider API base URL [default: gemini: https://generativelanguage.googleapis.com;
    /// openai: $OPENAI_BASE_URL or https://api.openai.com/v1, e.g. http://localhost:11434/v1]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// System prompt: instructions sent before every conversation
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,

    /// Sampling temperature (0 to 2); the provider's default when not given
    #[arg(long, value_name = "T", value_parser = parse_temperature)]
    pub temperature: Option<f32>,

    /// Longest answer, in tokens [default: openai: 1024, always sent; gemini: the model's own]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,

    /// Send only the whole answer, no `ai-message-chunk` events
    #[arg(long)]
    pub no_stream: bool,

    /// Exchanges each connection remembers and sends as context; 0 turns memory off
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub history: usize,

    /// Longest a whole answer may take before `ai-message-error` with code `timeout`
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub ai_timeout: Duration,

    /// Retries of a provider answer with status 429 or 5xx (with backoff, honouring Retry-After)
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub ai_retries: u32,

    /// Answers computed at once over the whole server; more wait for a free slot
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_ai: u32,

    /// Delay before the echo provider answers, to imitate a model's latency
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub echo_delay_ms: u64,

    /// Longest prompt accepted, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 32 * 1024)]
    pub max_prompt_bytes: usize,

    /// Behave as the reference server of the Socket.IO v5 protocol test suite instead of the AI server
    #[arg(long)]
    pub echo_server: bool,

    /// Also accept Socket.IO 2.x clients (Engine.IO 3), as Node's allowEIO3
    #[arg(long)]
    pub allow_eio3: bool,

    /// Engine.IO ping interval (e.g. 25s, 300ms)
    #[arg(long, value_name = "DURATION", default_value = "25s", value_parser = parse_duration)]
    pub ping_interval: Duration,

    /// Engine.IO ping timeout (e.g. 20s, 200ms)
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = parse_duration)]
    pub ping_timeout: Duration,

    /// Largest Engine.IO payload accepted, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 1_000_000)]
    pub max_payload: u64,

    /// How long shutdown waits for answers in flight before closing sockets
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub shutdown_timeout: Duration,

    /// Runtime threads. 1 (default): one event loop, the steadiest latency (see README,
    /// Benchmarks); 0: one per CPU
    #[arg(long, value_name = "N", env = "SOCKAI_THREADS", default_value_t = 1)]
    pub threads: usize,

    /// Allow web pages from this origin to use the server: WebSocket, long-polling and
    /// `/api/ai` (repeatable, e.g. http://localhost:5173; no `*`). Default: the server's own
    /// origin and, on a loopback --host, loopback origins (localhost, 127.0.0.1, [::1], any
    /// port). Requests without an `Origin` header (CLI tools, server-side clients) are not
    /// affected
    #[arg(long, value_name = "ORIGIN", value_parser = crate::server::normalize_origin)]
    pub cors_origin: Vec<String>,

    /// Do not allow pages from loopback origins (http(s)://localhost, 127.0.0.1, [::1]) by
    /// default on a loopback --host: only the server's own origin and --cors-origin ones
    #[arg(long)]
    pub no_loopback_origins: bool,

    /// Also serve requests whose `Host` is this name (repeatable, e.g. devbox.local, a name from
    /// /etc/hosts or a dev proxy; .example.com for a domain and its subdomains; no `*`). Against
    /// DNS rebinding, a server on a loopback address (the default) serves only localhost,
    /// *.localhost, 127.x.x.x, [::1], the hosts of --cors-origin and these; others get 403.
    /// Beyond loopback no name is checked unless this is given (then the --host address is
    /// served too)
    #[arg(long, value_name = "HOST", value_parser = crate::server::normalize_allowed_host)]
    pub allowed_host: Vec<String>,

    /// Believe `X-Forwarded-For` / `Forwarded` from this proxy: an address or a network
    /// (repeatable, e.g. 127.0.0.1, 10.0.0.0/8, fd00::/8). The client's address is then the
    /// rightmost hop that is not a trusted proxy, in logs and for the per-address rate limit of
    /// `/api/ai`. From anyone else these headers are ignored
    #[arg(long, value_name = "ADDR|CIDR", value_parser = crate::server::parse_trusted_proxy)]
    pub trusted_proxy: Vec<crate::server::Cidr>,

    /// Require this token from every client: Socket.IO `auth.token`, or `Authorization: Bearer`
    /// on the raw WebSocket and `/api/ai`. Prefer the environment variable: flags show in `ps`.
    #[arg(
        long,
        env = "SOCKAI_AUTH_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub auth_token: Option<String>,

    /// Most connections held at once (Socket.IO sockets, raw WebSockets and `POST /api/ai`
    /// requests being answered, together)
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_connections: usize,

    /// Events per second one socket may send (bursts up to the same number); 0 turns it off.
    /// Excess events get a `too_many_events` error; a socket that keeps going is disconnected.
    /// `POST /api/ai` gets the same rate per client address (excess: HTTP 429).
    #[arg(long, value_name = "PER_SECOND", default_value_t = 50)]
    pub rate_limit: u32,

    /// Log format on stderr
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines
    Text,
    /// One JSON object per line
    Json,
}

fn parse_temperature(text: &str) -> Result<f32, String> {
    match text.trim().parse::<f32>() {
        Ok(t) if (0.0..=2.0).contains(&t) => Ok(t),
        _ => Err("expected a number from 0 to 2".to_owned()),
    }
}
