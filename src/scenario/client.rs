//! One client of a scenario: its connection, the events it received and has not yet waited
//! for, what it remembers for reports and captures, and the waits (`expect …`) on it.

use std::borrow::Cow;
use std::collections::VecDeque;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::matcher::{self, short};
use crate::client::args::payload_of;
use crate::client::connection::{ClientEvent, Connection};
use crate::client::options::{ConnectOptions, Transport};
use crate::protocol::engineio::EngineVersion;

/// Events remembered per client for "what arrived instead".
pub const RECENT: usize = 20;
/// Server acknowledgement requests remembered per client for `reply EVENT`.
const MAX_ASKS: usize = 1024;
/// Events kept per client until a step waits for them.
const MAX_PENDING: usize = 10_000;

pub(super) struct Client {
    pub(super) url: String,
    pub(super) options: ConnectOptions,
    pub(super) connection: Option<Connection>,
    pub(super) events: mpsc::UnboundedReceiver<ClientEvent>,
    pub(super) recent: VecDeque<String>,
    /// The payload of the last event waited for or ack received (`capture`).
    pub(super) last: Option<Value>,
    pub(super) last_ack: Option<Value>,
    pub(super) asks: VecDeque<(String, u64)>,
    /// Events received and not yet waited for (at most [`MAX_PENDING`]: a flood loses its
    /// oldest).
    pub(super) pending: VecDeque<ClientEvent>,
}

/// A step's failure before its place is added.
pub(super) struct Fail {
    pub(super) message: String,
    pub(super) connect: bool,
}

impl<T: Into<String>> From<T> for Fail {
    fn from(message: T) -> Self {
        Fail {
            message: message.into(),
            connect: false,
        }
    }
}

pub(super) fn apply_flag(
    options: &mut ConnectOptions,
    flag: &str,
    value: &str,
) -> Result<(), Fail> {
    match flag {
        "--namespace" => options.namespace = Some(value.to_owned()),
        "--path" => options.path = value.to_owned(),
        "--auth" => match serde_json::from_str::<Value>(value) {
            Ok(auth @ Value::Object(_)) => options.auth = Some(auth),
            _ => return Err(format!("--auth {value}: not a JSON object").into()),
        },
        "--header" => {
            let (name, v) = value.split_once(':').ok_or("-H takes 'Name: value'")?;
            let (name, v) = (name.trim(), v.trim());
            let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
            if name.is_empty()
                || !name.chars().all(token)
                || v.chars().any(|c| c.is_control() && c != '\t')
            {
                return Err(format!("-H {value:?}: not a valid header").into());
            }
            options.headers.push((name.to_owned(), v.to_owned()));
        }
        "--query" => {
            let (k, v) = value.split_once('=').ok_or("--query takes key=value")?;
            options.query.push((k.to_owned(), v.to_owned()));
        }
        "--transport" => {
            options.transport = Some(match value {
                "websocket" => Transport::Websocket,
                "polling" => Transport::Polling,
                "upgrade" => Transport::Upgrade,
                _ => return Err("--transport is websocket, polling or upgrade".into()),
            });
        }
        "--eio" => {
            options.eio = Some(match value {
                "3" => EngineVersion::V3,
                "4" => EngineVersion::V4,
                _ => return Err("--eio is 3 or 4".into()),
            });
        }
        "--connect-timeout" => options.connect_timeout = crate::duration::parse_duration(value)?,
        "--insecure" => options.insecure = true,
        other => return Err(format!("unknown connect flag {other}").into()),
    }
    Ok(())
}

impl Client {
    pub(super) fn connected(&self) -> Result<&Connection, Fail> {
        self.connection
            .as_ref()
            .ok_or_else(|| "not connected".into())
    }

    pub(super) fn trim(&mut self) {
        while self.recent.len() > RECENT {
            self.recent.pop_front();
        }
    }

    /// Move what has arrived into `pending`, noting it in `recent` (so an ack noted next comes
    /// after the events that came before it).
    pub(super) fn drain(&mut self) {
        while let Ok(event) = self.events.try_recv() {
            self.note(&event);
            if self.pending.len() >= MAX_PENDING {
                self.pending.pop_front();
            }
            self.pending.push_back(event);
        }
    }

    /// The next event before `deadline`; `None` at the deadline.
    pub(super) async fn next(&mut self, deadline: Instant) -> Result<Option<ClientEvent>, Fail> {
        if let Some(event) = self.pending.pop_front() {
            return Ok(Some(event));
        }
        let event = match tokio::time::timeout_at(deadline, self.events.recv()).await {
            Err(_) => return Ok(None),
            Ok(None) => return Err("the connection is closed".into()),
            Ok(Some(event)) => event,
        };
        self.note(&event);
        Ok(Some(event))
    }

    pub(super) fn note(&mut self, event: &ClientEvent) {
        let seen = match event {
            ClientEvent::Connected { namespace, .. } => format!("connect {namespace}"),
            ClientEvent::Event {
                name, args, ack_id, ..
            } => {
                if let Some(id) = ack_id {
                    if self.asks.len() >= MAX_ASKS {
                        self.asks.pop_front();
                    }
                    self.asks.push_back((name.clone(), *id));
                }
                // Every event is noted: no copy of a single argument just to show it.
                match args.as_slice() {
                    [one] => format!("{name} {}", short(one)),
                    many => format!("{name} {}", short(&payload_of(many))),
                }
            }
            ClientEvent::Disconnected { reason } => format!("disconnect ({reason})"),
            ClientEvent::Reconnecting { attempt, .. } => {
                format!("reconnecting (attempt {attempt})")
            }
            ClientEvent::Error { message } => format!("error: {message}"),
        };
        self.recent.push_back(seen);
        self.trim();
    }

    /// The payload of the next `event` (`connect`/`disconnect` too), skipping others; an
    /// event's is kept as the client's last payload, and lent from there.
    pub(super) async fn expect(
        &mut self,
        event: &str,
        deadline: Instant,
        said: &str,
    ) -> Result<Cow<'_, Value>, Fail> {
        loop {
            let Some(next) = self.next(deadline).await? else {
                return Err(format!("no `{event}` {said}").into());
            };
            match next {
                ClientEvent::Event { name, mut args, .. } if name == event => {
                    let payload = match args.len() {
                        1 => args.pop().unwrap_or_default(),
                        _ => Value::Array(args),
                    };
                    return Ok(Cow::Borrowed(self.last.insert(payload)));
                }
                ClientEvent::Connected { .. } if event == "connect" => {
                    return Ok(Cow::Owned(Value::Null));
                }
                ClientEvent::Disconnected { reason } if event == "disconnect" => {
                    return Ok(Cow::Owned(Value::String(reason)));
                }
                ClientEvent::Disconnected { reason } => {
                    return Err(
                        format!("disconnected ({reason}) while waiting for `{event}`").into(),
                    );
                }
                ClientEvent::Error { message } => {
                    return Err(
                        format!("connection error while waiting for `{event}`: {message}").into(),
                    );
                }
                _ => {}
            }
        }
    }

    pub(super) async fn expect_none(&mut self, event: &str, deadline: Instant) -> Result<(), Fail> {
        while let Some(next) = self.next(deadline).await? {
            if let ClientEvent::Event { name, args, .. } = next
                && name == event
            {
                return Err(format!("`{event}` arrived: {}", short(&payload_of(&args))).into());
            }
        }
        Ok(())
    }

    pub(super) async fn expect_disconnect(
        &mut self,
        reason: Option<&str>,
        deadline: Instant,
        said: &str,
    ) -> Result<(), Fail> {
        let got = self.expect("disconnect", deadline, said).await?;
        let got = matcher::text_of(&got);
        match reason {
            Some(reason) if !got.contains(reason) => Err(format!(
                "disconnected with reason {got:?}, expected one containing {reason:?}"
            )
            .into()),
            _ => {
                self.connection = None;
                Ok(())
            }
        }
    }

    /// The id of the next `event` that asks for an acknowledgement.
    pub(super) async fn wait_ask(
        &mut self,
        event: &str,
        deadline: Instant,
        said: &str,
    ) -> Result<u64, Fail> {
        loop {
            match self.next(deadline).await? {
                None => {
                    return Err(format!("no `{event}` asking for an acknowledgement {said}").into());
                }
                Some(ClientEvent::Event {
                    name,
                    ack_id: Some(id),
                    ..
                }) if name == event => {
                    self.asks.retain(|(_, known)| *known != id);
                    return Ok(id);
                }
                Some(_) => {}
            }
        }
    }
}
