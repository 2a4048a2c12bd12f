//! The heartbeat, as Node's engine.io has it: v4 the server pings one pingInterval after the open
//! packet and then after each pong, and ends the session at ping + pingTimeout without a pong;
//! v3 the client pings and a session silent for pingInterval + pingTimeout ends.

use std::time::Duration;

use super::Reason;
use super::packet::Out;
use super::session::Session;
use crate::protocol::engineio::EngineVersion;

/// A session that joins nothing within this is closed (Node's `connectTimeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(45);

impl Session {
    pub(super) fn on_heartbeat(&mut self) -> Result<(), Reason> {
        if self.version == EngineVersion::V3 || self.awaiting_pong {
            return Err(Reason::HeartbeatTimeout);
        }
        if self.handler.idle_too_long() && self.opened.elapsed() >= CONNECT_TIMEOUT {
            return Err(Reason::TransportClose);
        }
        self.out.push(Out::Text("2".to_owned()));
        self.awaiting_pong = true;
        // Counted from when the ping was due, not from when this task got to it: the session
        // ends at ping + pingTimeout, as the client reckons it.
        let deadline = self.heartbeat.deadline() + self.engine.ping_timeout;
        self.heartbeat.as_mut().reset(deadline);
        self.timers_armed = false;
        Ok(())
    }

    pub(super) fn reset_heartbeat(&mut self, after: Duration) {
        let deadline = tokio::time::Instant::now() + after;
        self.heartbeat.as_mut().reset(deadline);
        // A reset timer is polled again before it is relied on to wake the session.
        self.timers_armed = false;
    }
}
