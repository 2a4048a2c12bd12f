//! The task that owns a connection's session: writes what the `Connection` hands it, forwards
//! what the server sends, and reconnects when the transport is lost.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::{ClientEvent, Command, SessionInfo, Shared};
use crate::client::connect::{ConnectError, Plan, establish};
use crate::client::engine::LinkError;
use crate::client::socket::{Socket, SocketEvent};
use crate::client::transport::TransportError;

pub(super) fn session_info(socket: &Socket, url: &str) -> SessionInfo {
    let engine = socket.engine();
    SessionInfo {
        sid: socket.sid().to_owned(),
        engine_sid: engine.sid().to_owned(),
        transport: engine.transport(),
        eio: match engine.version() {
            crate::protocol::engineio::EngineVersion::V3 => 3,
            crate::protocol::engineio::EngineVersion::V4 => 4,
        },
        ping_interval: engine.ping_interval(),
        ping_timeout: engine.ping_timeout(),
        namespace: socket.namespace().to_owned(),
        url: url.to_owned(),
    }
}

/// How a session ended.
enum End {
    /// We said goodbye (or the `Connection` is gone).
    Client(Option<oneshot::Sender<()>>),
    Server,
    Lost(String),
}

/// The task that owns the session.
pub(super) struct Driver {
    pub(super) plan: Plan,
    pub(super) shared: Arc<Shared>,
    pub(super) commands: mpsc::UnboundedReceiver<Command>,
    pub(super) events: mpsc::UnboundedSender<ClientEvent>,
}

impl Driver {
    pub(super) async fn run(mut self, mut socket: Socket) {
        loop {
            let end = self.session(&mut socket).await;
            self.shared.lost();
            match end {
                End::Client(Some(done)) => {
                    socket.close().await;
                    done.send(()).ok();
                    return;
                }
                // The `Connection` was dropped: the transport just closes. A DISCONNECT now
                // could overtake the event written last, which Node socket.io then drops while
                // its middlewares still run ("ignore packet received after disconnection").
                End::Client(None) => return,
                End::Server => {
                    self.event(ClientEvent::Disconnected {
                        reason: "io server disconnect".into(),
                    });
                    return;
                }
                End::Lost(reason) if !self.plan.reconnect => {
                    self.event(ClientEvent::Disconnected { reason });
                    return;
                }
                End::Lost(reason) => {
                    self.event(ClientEvent::Disconnected {
                        reason: format!("{reason}; reconnecting"),
                    });
                    drop(socket);
                    match self.reconnect().await {
                        Some(again) => socket = again,
                        None => return,
                    }
                }
            }
        }
    }

    fn event(&self, event: ClientEvent) {
        // The receiver gone means nobody listens any more; the session still ends properly.
        self.events.send(event).ok();
    }

    /// Record the new session and announce it, with the events that came before the CONNECT.
    pub(super) fn joined(&self, socket: &Socket, early: Vec<SocketEvent>) {
        self.shared.joined(session_info(socket, &self.plan.url));
        self.event(ClientEvent::Connected {
            namespace: socket.namespace().to_owned(),
            sid: socket.sid().to_owned(),
        });
        for event in early {
            self.on_socket_event(event);
        }
    }

    async fn session(&mut self, socket: &mut Socket) -> End {
        loop {
            tokio::select! {
                command = self.commands.recv() => match command {
                    None => return End::Client(None),
                    Some(Command::Disconnect(done)) => return End::Client(Some(done)),
                    Some(Command::Send { text, binaries, written }) => {
                        if let Err(e) = socket.send(&text, &binaries).await {
                            return End::Lost(e.to_string());
                        }
                        if let Some(written) = written {
                            written.send(()).ok();
                        }
                    }
                },
                received = socket.recv() => match received {
                    Ok(SocketEvent::Disconnected) => return End::Server,
                    Ok(event) => self.on_socket_event(event),
                    Err(LinkError::ServerClosed) => {
                        return End::Lost("transport closed".into());
                    }
                    Err(LinkError::Transport(
                        TransportError::Closed,
                    )) => return End::Lost("transport closed".into()),
                    Err(e) => return End::Lost(e.to_string()),
                },
            }
        }
    }

    fn on_socket_event(&self, event: SocketEvent) {
        match event {
            SocketEvent::Event { name, args, ack_id } => {
                let ack_id = ack_id.filter(|id| self.shared.remember_server_ack(*id));
                self.event(ClientEvent::Event {
                    namespace: self.plan.endpoint.namespace.clone(),
                    name,
                    args,
                    ack_id,
                });
            }
            SocketEvent::Ack { id, args } => self.shared.acknowledged(id, args),
            SocketEvent::Disconnected => {}
        }
    }

    /// New sessions with backoff until one joins, the server refuses us, or the user leaves.
    async fn reconnect(&mut self) -> Option<Socket> {
        let mut backoff = crate::client::reconnect::Backoff::new();
        loop {
            let delay = backoff.next_delay();
            self.event(ClientEvent::Reconnecting {
                attempt: backoff.attempts(),
                delay,
            });
            let wait = tokio::time::sleep(delay);
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    () = &mut wait => break,
                    command = self.commands.recv() => match command {
                        None => return None,
                        Some(Command::Disconnect(done)) => {
                            done.send(()).ok();
                            return None;
                        }
                        // Refused by `Connection::send` while disconnected; a late one is moot.
                        Some(Command::Send { .. }) => {}
                    },
                }
            }
            match establish(&self.plan).await {
                Ok((socket, early)) => {
                    self.joined(&socket, early);
                    return Some(socket);
                }
                Err(e @ ConnectError::Rejected { .. }) => {
                    self.event(ClientEvent::Error {
                        message: format!("reconnection refused: {e}"),
                    });
                    return None;
                }
                Err(_) => {}
            }
        }
    }
}
