//! What the engine counts for `/metrics`: handed to it already resolved (one atomic per label
//! set, see `server::metrics`), so counting costs one atomic add and the engine knows nothing
//! of the registry.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;

/// The engine's counters; `Default` counts into nothing anyone reads (tests).
#[derive(Debug, Clone, Default)]
pub struct Counters {
    pub packets_in: Counter,
    pub packets_out: Counter,
    /// Sessions opened: polling, websocket.
    pub opened: [Counter; 2],
    /// Sessions open now: polling, websocket.
    pub open: [Gauge; 2],
    /// Handshakes refused because the server holds its maximum of sessions.
    pub full: Counter,
}

/// Index of the polling transport in `opened` and `open`.
pub const POLLING: usize = 0;
/// Index of the WebSocket transport in `opened` and `open`.
pub const WEBSOCKET: usize = 1;

/// A session counted as open on one transport while this lives.
#[derive(Debug)]
pub struct OpenOn(Gauge);

impl Counters {
    /// A session opened on `transport` (`POLLING` or `WEBSOCKET`).
    pub fn opened(&self, transport: usize) -> OpenOn {
        self.opened[transport].inc();
        self.moved(transport)
    }

    /// A session now on `transport`: replace its previous `OpenOn` with this one.
    pub fn moved(&self, transport: usize) -> OpenOn {
        self.open[transport].inc();
        OpenOn(self.open[transport].clone())
    }
}

impl Drop for OpenOn {
    fn drop(&mut self) {
        self.0.dec();
    }
}
