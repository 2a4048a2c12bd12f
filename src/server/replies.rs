//! The error payloads the dispatch answers refused events with: one place for their codes and
//! their wording, which clients (and tests) read.

use crate::wire::{ErrorCode, ErrorPayload, event};

/// The answer to an event over the rate limit.
pub fn too_many_events() -> ErrorPayload {
    ErrorPayload::new(
        ErrorCode::TooManyEvents,
        "too many events: slow down (see the server's --rate-limit)",
    )
}

/// The answer to a stateless request over the rate limit of its address.
pub fn too_many_requests() -> ErrorPayload {
    ErrorPayload::new(
        ErrorCode::TooManyEvents,
        "too many requests from this address: slow down (see the server's --rate-limit)",
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
            "unknown event {name:?}; this server handles \"{}\", \"{}\", \"{}\" and \"{}\"",
            event::MESSAGE,
            event::AI_MESSAGE,
            event::AI_RESET,
            event::AI_CANCEL
        ),
    )
}
