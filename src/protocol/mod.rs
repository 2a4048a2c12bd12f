//! The pure protocol layer: Engine.IO v3/v4 and Socket.IO v4/v5, encoded and decoded for both
//! sides of the wire. No I/O, no async, no printing; every decoder is total (never panics, fuzzed
//! in `fuzz/fuzz_targets/{engineio_packet,engineio_payload,socketio_packet}.rs`) and allocates no
//! more than its input's length and the [`Limits`] allow.
//!
//! # How to use
//!
//! Receiving (client or server, per connection):
//! - WebSocket text frame: [`engineio::decode_text`]; binary frame:
//!   [`engineio::decode_binary_frame`] (v3 strips the leading `4`). A polling body:
//!   [`engineio::decode_payload`] (detects v3's binary XHR2 form by its first byte).
//! - The open packet's JSON: [`engineio::Handshake::parse`]; [`engineio::Handshake::version`] tells
//!   v3 (no `maxPayload`) from v4.
//! - Each `Packet::Message(text)` goes to a per-connection [`socketio::Decoder`]`::text`, each
//!   `Packet::Binary(bytes)` to `Decoder::binary`; a complete [`socketio::Message`] comes out
//!   with the placeholders still in its data. `Message::into_packet_with_binary` turns them into
//!   `{"$binary": "<base64>"}` (the form users see); [`binary::reconstruct`] does the same on
//!   any arguments.
//!
//! Sending:
//! - Build a [`socketio::Packet`] (`connect`, `connected`, `event`, `ack`, `disconnect`,
//!   `connect_error`, `connect_refused`). Arguments may contain `{"$binary": …}` anywhere:
//!   `Message::with_binary(packet)` extracts them as attachments (type becomes BINARY_*), and
//!   [`socketio::encode_message`] gives the text packet plus the binary frames. A packet without
//!   binary: [`socketio::encode`].
//! - Wrap the text in `engineio::Packet::Message` and encode it with [`engineio::encode_text`]
//!   (a WebSocket frame) or [`engineio::encode_payload`] (a polling body); binary attachments go
//!   as [`engineio::encode_binary_frame`] on WebSocket or `Packet::Binary` in a polling payload.
//!
//! Besides: `engineio::decode_packet(version, text)` (one packet of a polling payload, whose
//! `b…` base64 form depends on the version; `decode_text` rejects `b…`, which is not a WebSocket
//! frame); `engineio::start_message` (a message written in place, in one buffer);
//! `EngineError::{NotUtf8, BinaryNotMessage}`; `EngineVersion::from_query`;
//! `SocketVersion::from(EngineVersion)`; `Packet::{connected, connect_refused, connect_sid,
//! error_message, error_data, into_args}`, `socketio::split_query`, `socketio::RESERVED_EVENTS`;
//! `Message::{new, with_binary, into_packet_with_binary}`; `Decoder::{pending, reset}`;
//! `binary::{binary_value, placeholder, base64_encode, base64_encode_into, base64_decode}`;
//! `Limits` is `Copy`.
//!
//! As Node's parser, and not as one might guess: binary placeholders are put back by
//! `binary::reconstruct` (there is no `attach`); event names may be strings or numbers
//! (`event_name()` is `None` for a number); reserved names (`connect`, `disconnect`, …) are
//! decoded (`socketio::is_reserved_event` tells them; sockai's server answers them as any
//! event it does not handle, with `server-error`); the default
//! `max_attachments` is 10 (Node's).
//!
//! Rules worth knowing: constructors normalise the namespace (`""` → `/`, `admin` → `/admin`).
//! Only events and acks carry binary: `with_binary` leaves `$binary` in other packets as JSON, and
//! `encode_message` sends no attachments for them. A v4 polling payload cannot carry `\x1e`
//! inside a packet (JSON escapes it, so Socket.IO packets never do). After any `Decoder` error
//! close the connection.
//!
//! Limits and what exceeding them does: see [`Limits`].

pub mod binary;
pub mod engineio;
pub mod json;
pub mod socketio;

/// Bounds on what a peer can make a decoder hold. Exceeding one is an error (the caller closes
/// the session), never a truncation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one polling body, one Socket.IO text packet, one binary attachment. Default
    /// 1,000,000: Node's `maxHttpBufferSize` and the `maxPayload` it announces.
    pub max_payload: usize,
    /// Binary attachments of one Socket.IO packet (`<n>-`). Default 10: Node's socket.io-parser
    /// `maxAttachments`.
    pub max_attachments: usize,
    /// Packets in one polling payload. Default 256.
    pub max_packets: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_payload: 1_000_000,
            max_attachments: 10,
            max_packets: 256,
        }
    }
}
