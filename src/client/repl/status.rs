//! `status`: the connection and the session as they are now.

use serde_json::{Value, json};

use super::session::{Session, State};

impl Session<'_> {
    pub(super) fn status(&self) {
        let (state, detail) = match &self.state {
            State::Connected if self.connection.is_some() => ("connected", None),
            State::Connected => ("disconnected", None),
            State::Disconnected(why) => ("disconnected", Some(why.clone())),
        };
        // The session's details exist only while there is one.
        let info = match (&self.connection, &self.state) {
            (Some(connection), State::Connected) => Some(connection.info()),
            _ => None,
        };
        let server_acks: Vec<Value> = self
            .server_acks
            .entries()
            .iter()
            .map(|(id, event)| json!({ "ack_id": id, "event": event }))
            .collect();
        if self.json {
            self.printer.record(
                "status",
                json!({
                    "state": state,
                    "detail": detail,
                    "url": self.settings.url,
                    "namespace": self.namespace,
                    "sid": info.as_ref().map(|i| i.sid.clone()),
                    "transport": info.as_ref().map(|i| i.transport),
                    "eio": info.as_ref().map(|i| i.eio),
                    "ping_interval_ms": info.as_ref().map(|i| whole_millis(i.ping_interval)),
                    "ping_timeout_ms": info.as_ref().map(|i| whole_millis(i.ping_timeout)),
                    "pending_acks": self.acks.len(),
                    "server_acks": server_acks,
                    "filter": self.filter.describe(),
                }),
            );
            return;
        }
        let mut lines = vec![
            format!(
                "state:        {state}{}",
                detail.map(|d| format!(" ({d})")).unwrap_or_default()
            ),
            format!("url:          {}", self.settings.url),
            format!("namespace:    {}", self.namespace),
        ];
        if let Some(info) = &info {
            lines.push(format!("sid:          {}", info.sid));
            lines.push(format!(
                "transport:    {} (Engine.IO {})",
                info.transport, info.eio
            ));
            lines.push(format!(
                "ping:         every {} (timeout {})",
                humantime::format_duration(info.ping_interval),
                humantime::format_duration(info.ping_timeout)
            ));
        }
        lines.push(format!("filter:       {}", self.filter.human()));
        lines.push(format!("pending acks: {}", self.acks.len()));
        let waiting: Vec<String> = self
            .server_acks
            .entries()
            .iter()
            .map(|(id, event)| format!("{id} ({event})"))
            .collect();
        lines.push(if waiting.is_empty() {
            "server acks:  none waiting".to_owned()
        } else {
            format!(
                "server acks:  {} (answer with reply <id>)",
                waiting.join(", ")
            )
        });
        if let Ok(seen) = self.seen.lock()
            && !seen.is_empty()
        {
            lines.push(format!(
                "events seen:  {}",
                seen.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        self.printer.out(&lines.join("\n"));
    }
}

fn whole_millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
