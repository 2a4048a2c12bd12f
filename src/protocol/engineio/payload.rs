//! HTTP long-polling payloads: several Engine.IO packets in one body.
//!
//! - v4: packets joined by the record separator `\x1e`; binary as `b<base64>`.
//! - v3 text form: `<length>:<packet>` repeated, the length counted in UTF-16 code units as
//!   JavaScript's `String.length` does (an emoji counts 2); binary as `b4<base64>`. Node encodes an
//!   empty payload as `0:`, and its parser skips zero-length packets: so do we.
//! - v3 binary (XHR2) form: per packet `<0 text | 1 binary><length as decimal digit bytes 0–9>
//!   <0xFF><packet>`, the length in bytes; a binary packet's first byte is its type (`4`).
//!
//! Every packet borrows from the body except base64 binary, which decodes to at most 3/4 of its
//! text. Lengths are checked against what is left of the body before anything is sliced, so a
//! lying prefix costs nothing.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::{EngineError, EngineVersion, Packet, decode_packet, encode_packet};
use crate::protocol::Limits;

/// Record separator between v4 packets.
const SEPARATOR: char = '\x1e';
/// Digits of a v3 length prefix: enough for any body that fits in memory; more is a lie.
const MAX_LENGTH_DIGITS: usize = 19;

/// Decode a polling body (the `Content-Type` need not be known: v3's binary form starts with a
/// 0 or 1 byte, which no text form does).
pub fn decode_payload<'a>(
    version: EngineVersion,
    body: &'a [u8],
    limits: &Limits,
) -> Result<Vec<Packet<'a>>, EngineError> {
    if body.len() > limits.max_payload {
        return Err(EngineError::TooLarge);
    }
    match (version, body.first()) {
        (_, None) => Err(EngineError::Empty),
        (EngineVersion::V4, Some(_)) => decode_v4(utf8(body)?, limits),
        (EngineVersion::V3, Some(0 | 1)) => decode_v3_binary(body, limits),
        (EngineVersion::V3, Some(_)) => decode_v3_text(utf8(body)?, limits),
    }
}

/// Encode packets as one polling body. v4: `\x1e`-joined, binary as `b<base64>`. v3: the text
/// form, binary as `b4<base64>` (every v3 peer reads it; the XHR2 form is only decoded).
///
/// A v4 text packet must not contain `\x1e` (the protocol's own rule). No Socket.IO packet does:
/// JSON escapes control characters.
pub fn encode_payload(version: EngineVersion, packets: &[Packet<'_>], out: &mut Vec<u8>) {
    let mut text = String::new();
    match version {
        EngineVersion::V4 => {
            for (index, packet) in packets.iter().enumerate() {
                if index > 0 {
                    text.push(SEPARATOR);
                }
                encode_packet(version, packet, &mut text);
            }
        }
        EngineVersion::V3 if packets.is_empty() => text.push_str("0:"),
        EngineVersion::V3 => {
            let mut one = String::new();
            for packet in packets {
                one.clear();
                encode_packet(version, packet, &mut one);
                let units = one.encode_utf16().count();
                // Writing to a String cannot fail.
                let _ = write!(text, "{units}:");
                text.push_str(&one);
            }
        }
    }
    out.extend_from_slice(text.as_bytes());
}

fn utf8(body: &[u8]) -> Result<&str, EngineError> {
    std::str::from_utf8(body).map_err(|_| EngineError::NotUtf8)
}

/// Push one more packet, unless that makes too many.
fn push<'a>(
    packets: &mut Vec<Packet<'a>>,
    packet: Packet<'a>,
    limits: &Limits,
) -> Result<(), EngineError> {
    if packets.len() >= limits.max_packets {
        return Err(EngineError::TooManyPackets);
    }
    packets.push(packet);
    Ok(())
}

fn decode_v4<'a>(text: &'a str, limits: &Limits) -> Result<Vec<Packet<'a>>, EngineError> {
    let mut packets = Vec::new();
    for part in text.split(SEPARATOR) {
        if packets.len() >= limits.max_packets {
            return Err(EngineError::TooManyPackets);
        }
        packets.push(decode_packet(EngineVersion::V4, part)?);
    }
    Ok(packets)
}

fn decode_v3_text<'a>(text: &'a str, limits: &Limits) -> Result<Vec<Packet<'a>>, EngineError> {
    let mut packets = Vec::new();
    let mut entries = 0usize;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > MAX_LENGTH_DIGITS || rest.as_bytes().get(digits) != Some(&b':') {
            return Err(EngineError::BadLength);
        }
        let units: usize = rest[..digits].parse().map_err(|_| EngineError::BadLength)?;
        let after = &rest[digits + 1..];
        let end = utf16_prefix(after, units).ok_or(EngineError::BadLength)?;
        let (packet, tail) = after.split_at(end);
        rest = tail;
        // Zero-length packets are skipped, but still count, so that `0:0:0:…` is bounded too.
        entries += 1;
        if entries > limits.max_packets {
            return Err(EngineError::TooManyPackets);
        }
        if !packet.is_empty() {
            push(
                &mut packets,
                decode_packet(EngineVersion::V3, packet)?,
                limits,
            )?;
        }
    }
    Ok(packets)
}

/// The byte length of the first `units` UTF-16 code units of `text`; `None` when `text` is
/// shorter or the count ends inside a surrogate pair.
fn utf16_prefix(text: &str, units: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if units <= bytes.len() && bytes[..units].is_ascii() {
        return Some(units);
    }
    let mut counted = 0;
    for (index, c) in text.char_indices() {
        if counted == units {
            return Some(index);
        }
        counted += c.len_utf16();
        if counted > units {
            return None;
        }
    }
    (counted == units).then_some(text.len())
}

fn decode_v3_binary<'a>(body: &'a [u8], limits: &Limits) -> Result<Vec<Packet<'a>>, EngineError> {
    let mut packets = Vec::new();
    let mut rest = body;
    while let Some((&kind, after)) = rest.split_first() {
        if kind > 1 {
            return Err(EngineError::BadLength);
        }
        let digits = after.iter().take_while(|&&b| b <= 9).count();
        if digits == 0 || digits > MAX_LENGTH_DIGITS || after.get(digits) != Some(&0xFF) {
            return Err(EngineError::BadLength);
        }
        let length = after[..digits].iter().fold(0usize, |n, &d| {
            n.saturating_mul(10).saturating_add(usize::from(d))
        });
        let data = &after[digits + 1..];
        if length > data.len() {
            return Err(EngineError::BadLength);
        }
        let (packet, tail) = data.split_at(length);
        rest = tail;
        let packet = if kind == 0 {
            decode_packet(EngineVersion::V3, utf8(packet)?)?
        } else {
            match packet.split_first() {
                Some((4, bytes)) => Packet::Binary(Cow::Borrowed(bytes)),
                Some((&other, _)) => return Err(EngineError::BinaryNotMessage(other)),
                None => return Err(EngineError::Empty),
            }
        };
        push(&mut packets, packet, limits)?;
    }
    Ok(packets)
}
