//! `GET /metrics`: what the server is doing, in Prometheus' text format (`prometheus-client`
//! writes the format; the names are listed in README, "Metrics").
//!
//! Cheap on the hot path: every label set is resolved once, when the server starts, into a
//! counter or gauge of its own (an `Arc<AtomicU64>`); recording one is one atomic add, no map
//! lookup and no lock. The histograms are sockai's own, lock-free too (the crate's takes a
//! mutex per observation), and written through the crate's encoder.

mod histogram;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeMetric;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::engine::Counters;
use super::guard::{self, Guard};
use super::response::error_response;
use crate::wire::{ErrorCode, ErrorPayload};
use histogram::Histogram;

/// Label pairs, built once per label set at start.
type Labels = Vec<(&'static str, String)>;

/// How a connection or session reaches the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Polling,
    Websocket,
    /// The raw-WebSocket bridge at `/` (connections only: it has no Engine.IO session).
    RawWebsocket,
}

impl Transport {
    const ALL: [Transport; 3] = [Self::Polling, Self::Websocket, Self::RawWebsocket];

    fn label(self) -> &'static str {
        match self {
            Self::Polling => "polling",
            Self::Websocket => "websocket",
            Self::RawWebsocket => "raw-websocket",
        }
    }

    /// The transport of a connection, from the name its identity logs.
    pub fn of_logged(name: &str) -> Self {
        match name {
            "Polling" => Self::Polling,
            "Websocket" => Self::Websocket,
            _ => Self::RawWebsocket,
        }
    }
}

/// Which way a packet or event went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

/// Why a request or connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Origin,
    Host,
    Rate,
    Full,
    Token,
}

impl Refused {
    const ALL: [Refused; 5] = [
        Self::Origin,
        Self::Host,
        Self::Rate,
        Self::Full,
        Self::Token,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Origin => "origin",
            Self::Host => "host",
            Self::Rate => "rate",
            Self::Full => "full",
            Self::Token => "token",
        }
    }
}

/// How an AI request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answered,
    Cancelled,
    Failed,
}

/// Every metric of one server.
pub struct Metrics {
    registry: Registry,
    connections: [Counter; 3],
    connections_open: [Gauge; 3],
    sessions: [Counter; 2],
    sessions_open: [Gauge; 2],
    packets: [Counter; 2],
    events: [Counter; 2],
    refusals: [Counter; 5],
    requests: [Counter; 3],
    errors: Vec<Counter>,
    first_chunk: Histogram,
    answer: Histogram,
    tokens: [Counter; 2],
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// A family and its members for each of `values`, resolved now.
fn family<M, const N: usize>(
    registry: &mut Registry,
    name: &str,
    help: &str,
    label: &'static str,
    values: [&'static str; N],
) -> [M; N]
where
    M: Clone + Default + prometheus_client::metrics::TypedMetric + EncodeMetric + Send + Sync,
    M: std::fmt::Debug + 'static,
{
    let members = Family::<Labels, M>::default();
    registry.register(name, help, members.clone());
    values.map(|value| {
        members
            .get_or_create(&vec![(label, value.to_owned())])
            .clone()
    })
}

const HELP_CONNECTIONS: &str =
    "Connections admitted (Socket.IO sockets and raw-WebSocket bridges), by their first transport";
const HELP_OPEN: &str = "Connections open now, by the transport they opened on";
const HELP_SESSIONS: &str = "Engine.IO sessions opened, by the transport they opened on";
const HELP_SESSIONS_OPEN: &str = "Engine.IO sessions open now, by the transport they are on";
const HELP_PACKETS: &str = "Engine.IO packets received and sent";
const HELP_EVENTS: &str = "Socket.IO events received and sent (acknowledgements not included)";
const HELP_REFUSALS: &str = "Requests and connections turned away, by reason";
const HELP_REQUESTS: &str = "AI requests (ai-message, bridge and POST /api/ai), by how they ended";
const HELP_ERRORS: &str = "Errors sent to clients, by error code";
const HELP_FIRST_CHUNK: &str = "Time from an AI request to its first streamed chunk";
const HELP_ANSWER: &str = "Time from an AI request to its whole answer (answered requests only)";

/// A latency histogram, registered.
fn histogram(registry: &mut Registry, name: &str, help: &str) -> Histogram {
    let histogram = Histogram::default();
    registry.register(name, help, histogram.clone());
    histogram
}

/// The token counters (in, out) of the server's one provider and model.
fn tokens(registry: &mut Registry, provider: &str, model: &str) -> [Counter; 2] {
    let tokens = Family::<Labels, Counter>::default();
    registry.register(
        "ai_tokens",
        "Tokens the provider reported: in (prompt) and out (completion)",
        tokens.clone(),
    );
    ["in", "out"].map(|direction| {
        let labels = vec![
            ("direction", direction.to_owned()),
            ("provider", provider.to_owned()),
            ("model", model.to_owned()),
        ];
        tokens.get_or_create(&labels).clone()
    })
}

impl Metrics {
    /// The metrics of a server answering with `provider`'s `model`: every family registered
    /// and every label set resolved, now.
    pub fn new(provider: &str, model: &str) -> Self {
        let mut r = Registry::with_prefix("sockai");
        let transports = Transport::ALL.map(Transport::label);
        let engine = [Transport::Polling.label(), Transport::Websocket.label()];
        let directions = ["in", "out"];
        let outcomes = ["answered", "cancelled", "failed"];
        Self {
            connections: family(
                &mut r,
                "connections",
                HELP_CONNECTIONS,
                "transport",
                transports,
            ),
            connections_open: family(
                &mut r,
                "connections_open",
                HELP_OPEN,
                "transport",
                transports,
            ),
            sessions: family(
                &mut r,
                "engineio_sessions",
                HELP_SESSIONS,
                "transport",
                engine,
            ),
            sessions_open: family(
                &mut r,
                "engineio_sessions_open",
                HELP_SESSIONS_OPEN,
                "transport",
                engine,
            ),
            packets: family(
                &mut r,
                "engineio_packets",
                HELP_PACKETS,
                "direction",
                directions,
            ),
            events: family(
                &mut r,
                "socketio_events",
                HELP_EVENTS,
                "direction",
                directions,
            ),
            refusals: family(
                &mut r,
                "refusals",
                HELP_REFUSALS,
                "reason",
                Refused::ALL.map(Refused::label),
            ),
            requests: family(&mut r, "ai_requests", HELP_REQUESTS, "outcome", outcomes),
            errors: family(
                &mut r,
                "errors",
                HELP_ERRORS,
                "code",
                ErrorCode::ALL.map(ErrorCode::as_str),
            )
            .to_vec(),
            first_chunk: histogram(&mut r, "ai_first_chunk_seconds", HELP_FIRST_CHUNK),
            answer: histogram(&mut r, "ai_answer_seconds", HELP_ANSWER),
            tokens: tokens(&mut r, provider, model),
            registry: r,
        }
    }

    /// The scrape's body.
    pub fn encode(&self) -> String {
        let mut text = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry).ok();
        text
    }

    /// A connection was admitted: counted, and open until the returned guard is dropped.
    pub fn connection(&self, transport: Transport) -> Open {
        self.connections[transport as usize].inc();
        Open::new(&self.connections_open[transport as usize])
    }

    /// The engine's counters: the same atomics this registry writes.
    pub fn engine_counters(&self) -> Counters {
        Counters {
            packets_in: self.packets[Direction::In as usize].clone(),
            packets_out: self.packets[Direction::Out as usize].clone(),
            opened: self.sessions.clone(),
            open: self.sessions_open.clone(),
            full: self.refusals[Refused::Full as usize].clone(),
        }
    }

    /// Engine.IO sessions opened since start, on any transport (`/health`'s `sessions_served`:
    /// a node's share behind a load balancer).
    pub fn sessions_opened(&self) -> u64 {
        self.sessions.iter().map(Counter::get).sum()
    }

    pub fn event(&self, direction: Direction) {
        self.events[direction as usize].inc();
    }

    pub fn refused(&self, why: Refused) {
        self.refusals[why as usize].inc();
    }

    pub fn error(&self, code: ErrorCode) {
        // `ErrorCode::ALL` lists every code in declaration order (a test in wire checks).
        if let Some(counter) = self.errors.get(code as usize) {
            counter.inc();
        }
    }

    pub fn first_chunk(&self, after: Duration) {
        self.first_chunk.observe(after);
    }

    /// An AI request ended; `took` is recorded for answered ones.
    pub fn ai_request(&self, outcome: Outcome, took: Duration) {
        self.requests[outcome as usize].inc();
        if outcome == Outcome::Answered {
            self.answer.observe(took);
        }
    }

    pub fn tokens(&self, prompt: u64, completion: u64) {
        self.tokens[0].inc_by(prompt);
        self.tokens[1].inc_by(completion);
    }
}

/// Something open (a connection, a session) as long as this lives.
#[derive(Debug)]
pub struct Open(Gauge);

impl Open {
    fn new(gauge: &Gauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// What `GET /metrics` needs: the metrics, and the token rule of `/api/ai`.
pub struct Scrape {
    pub metrics: Arc<Metrics>,
    pub guard: Arc<Guard>,
}

/// `GET /metrics`. With `--auth-token`, only for `Authorization: Bearer <token>` (Prometheus'
/// `authorization` scrape setting sends it), compared in constant time as everywhere else.
pub async fn scrape(State(scrape): State<Arc<Scrape>>, headers: HeaderMap) -> Response {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(guard::bearer_token);
    if let Err(refusal) = scrape.guard.check_token(presented) {
        scrape.metrics.refused(Refused::Token);
        scrape.metrics.error(refusal.code());
        let mut response = error_response(ErrorPayload::new(refusal.code(), refusal.to_string()));
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    let content_type =
        HeaderValue::from_static(prometheus_client::encoding::prometheus_text::CONTENT_TYPE);
    (
        [(header::CONTENT_TYPE, content_type)],
        scrape.metrics.encode(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_sets_are_resolved_once_and_counted_without_lookups() {
        let metrics = Metrics::new("echo", "echo-1");
        let open = metrics.connection(Transport::Websocket);
        metrics.engine_counters().packets_in.inc_by(3);
        metrics.event(Direction::Out);
        metrics.refused(Refused::Origin);
        metrics.error(ErrorCode::UnsupportedMediaType);
        metrics.tokens(4, 7);
        let text = metrics.encode();
        for line in [
            "sockai_connections_total{transport=\"websocket\"} 1",
            "sockai_connections_open{transport=\"websocket\"} 1",
            "sockai_connections_open{transport=\"polling\"} 0",
            "sockai_engineio_packets_total{direction=\"in\"} 3",
            "sockai_socketio_events_total{direction=\"out\"} 1",
            "sockai_refusals_total{reason=\"origin\"} 1",
            "sockai_errors_total{code=\"unsupported_media_type\"} 1",
            "sockai_errors_total{code=\"invalid_payload\"} 0",
            "sockai_ai_tokens_total{direction=\"in\",provider=\"echo\",model=\"echo-1\"} 4",
            "sockai_ai_tokens_total{direction=\"out\",provider=\"echo\",model=\"echo-1\"} 7",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
        drop(open);
        assert!(
            metrics
                .encode()
                .contains("sockai_connections_open{transport=\"websocket\"} 0")
        );
    }

    #[test]
    fn histograms_count_each_value_in_its_le_bucket() {
        let metrics = Metrics::new("echo", "echo");
        metrics.ai_request(Outcome::Answered, Duration::from_millis(5));
        metrics.ai_request(Outcome::Answered, Duration::from_millis(7));
        metrics.ai_request(Outcome::Answered, Duration::from_secs(500));
        metrics.ai_request(Outcome::Failed, Duration::from_secs(1));
        let text = metrics.encode();
        for line in [
            "sockai_ai_answer_seconds_bucket{le=\"0.001\"} 0",
            "sockai_ai_answer_seconds_bucket{le=\"0.005\"} 1",
            "sockai_ai_answer_seconds_bucket{le=\"0.01\"} 2",
            "sockai_ai_answer_seconds_bucket{le=\"120\"} 2",
            "sockai_ai_answer_seconds_bucket{le=\"+Inf\"} 3",
            "sockai_ai_answer_seconds_count 3",
            "sockai_ai_answer_seconds_sum 500.012",
            "sockai_ai_requests_total{outcome=\"answered\"} 3",
            "sockai_ai_requests_total{outcome=\"failed\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
    }
}
