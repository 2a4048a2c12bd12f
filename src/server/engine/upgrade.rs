//! Polling → WebSocket: the probe (`2probe` → `3probe`), the pending GET ended with a noop, then
//! `5` moves the session, and what was queued for polling, onto the WebSocket.

use axum::extract::ws::Message;

use super::packet::{Out, noop, send};
use super::session::{Session, Transport};
use super::{PollReply, Reason};

impl Session {
    /// A frame on the WebSocket being probed: `2probe`, then `5` completes the upgrade.
    pub(super) async fn on_probe(
        &mut self,
        frame: Option<Result<Message, axum::Error>>,
    ) -> Result<(), Reason> {
        let Transport::Polling {
            poll, probe, queue, ..
        } = &mut self.transport
        else {
            return Ok(());
        };
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Ok(()),
            // The probe failed: the session goes on polling.
            _ => {
                *probe = None;
                return Ok(());
            }
        };
        let Some((ws, probed)) = probe.as_mut() else {
            return Ok(());
        };
        match (text.as_str(), *probed) {
            ("2probe", false) => {
                if send(
                    ws,
                    std::iter::once(Message::Text("3probe".into())),
                    self.engine.ping_interval,
                )
                .await
                .is_err()
                {
                    *probe = None;
                    return Ok(());
                }
                *probed = true;
                // The pending GET ends with a noop so the client can pause polling.
                if let Some(reply) = poll.take() {
                    reply.send(PollReply::Body(noop(self.version))).ok();
                }
                Ok(())
            }
            ("5", true) => {
                let Some((ws, _)) = probe.take() else {
                    return Ok(());
                };
                if let Some(reply) = poll.take() {
                    reply.send(PollReply::Body(noop(self.version))).ok();
                }
                // What was queued for polling goes out on the WebSocket, first.
                let queued: Vec<Out> = queue.drain(..).collect();
                self.out.splice(0..0, queued);
                self.transport = Transport::WebSocket(ws);
                self.open_on = self.engine.counters.moved(super::counters::WEBSOCKET);
                // Later polling requests with this sid get HTTP 400, WebSockets a close.
                self.engine.upgraded(&self.sid);
                Ok(())
            }
            // Anything else on a probe is a broken upgrade: drop the probe, keep polling.
            _ => {
                *probe = None;
                Ok(())
            }
        }
    }
}
