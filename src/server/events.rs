//! What the server does with Socket.IO events, whichever path they came by (socketioxide in
//! `socketio.rs`, the direct WebSocket transport in `direct.rs`): the state kept per socket and
//! the error payloads, so both paths say the same thing in the same words.

use super::assistant::Session;
use super::guard::ConnectionPermit;
use crate::wire::{ErrorCode, ErrorPayload, event};

/// What the server keeps for each socket, on either Socket.IO path.
pub struct Client {
    /// The conversation lives with the socket and goes when it goes.
    pub session: Session,
    /// Given back when the client is dropped, on disconnect.
    _place: ConnectionPermit,
}

impl Client {
    pub fn new(place: ConnectionPermit) -> Self {
        Self {
            session: Session::default(),
            _place: place,
        }
    }
}

/// The answer to an event over the rate limit.
pub fn too_many_events() -> ErrorPayload {
    ErrorPayload::new(
        ErrorCode::TooManyEvents,
        "too many events: slow down (see the server's --rate-limit)",
    )
}

/// The answer to an `ai-message` without an argument.
pub fn no_argument() -> ErrorPayload {
    ErrorPayload::new(
        ErrorCode::InvalidPayload,
        "ai-message needs one JSON argument like {\"prompt\": \"…\"}; it came with none",
    )
}

/// The answer to `message` or `ai-message` with binary attachments (Buffers, Blobs).
pub fn binary_not_supported(name: &str) -> ErrorPayload {
    ErrorPayload::new(
        ErrorCode::BinaryNotSupported,
        format!("{name} takes JSON arguments; binary attachments are not supported"),
    )
}

/// The answer to an event this server does not handle.
pub fn unknown_event(name: &str) -> ErrorPayload {
    ErrorPayload::new(
        ErrorCode::UnknownEvent,
        format!(
            "unknown event {name:?}; this server handles \"{}\", \"{}\" and \"{}\"",
            event::MESSAGE,
            event::AI_MESSAGE,
            event::AI_RESET
        ),
    )
}
