//! A plain EVENT packet read without its JSON tree: the name borrowed from the text, each
//! argument kept as its JSON text ([`RawValue`]) for whoever takes it to parse into what it
//! needs. What a server reads on every event: building serde_json's `Value` for
//! `["ai-message",{"prompt":"…"}]` took six allocations and an `IndexMap` with a SipHash per
//! key (`scripts/instructions.sh`).
//!
//! [`super::decode`] stays the one full decoder. This one answers only what it is sure of, and
//! `None` for anything else (a binary or non-event packet, a number as the name, bad JSON, a bad
//! shape, over a limit): the caller then decodes in full, which gives the packet or the precise
//! error. When it answers, it agrees with `decode` (fuzz target `socketio_event`).

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;
use smallvec::SmallVec;

use super::PacketType;
use super::decode::header;
use crate::protocol::Limits;

/// An event's arguments as JSON texts.
pub type Args<'a> = SmallVec<[&'a RawValue; 2]>;

/// An EVENT packet as its text has it.
#[derive(Debug)]
pub struct EventRef<'a> {
    /// `/` unless the packet names another.
    pub namespace: &'a str,
    pub id: Option<u64>,
    /// Borrowed unless the name has escapes.
    pub name: Cow<'a, str>,
    /// Each argument's JSON text, as received (valid JSON: the parser has read it through).
    /// Most events carry one or two: no allocation for those.
    pub args: Args<'a>,
}

/// `text` as a plain EVENT with a string name, or `None` (see the module's doc).
pub fn decode_event<'a>(text: &'a str, limits: &Limits) -> Option<EventRef<'a>> {
    if text.as_bytes().first() != Some(&b'2') {
        return None;
    }
    let header = header(text, limits).ok()?;
    debug_assert_eq!(header.kind, PacketType::Event);
    if !plain_enough(header.payload.as_bytes()) {
        return None;
    }
    let EventArray { name, args } = serde_json::from_str(header.payload).ok()?;
    Some(EventRef {
        namespace: header.namespace,
        id: header.id,
        name,
        args,
    })
}

/// Whether the full decoder surely takes what a `RawValue` reads through: serde_json checks
/// neither numbers nor `\u` escapes when it skips a value, but refuses, when it parses one, a
/// number out of an `f64`'s range (`1e999`) and a lone surrogate (`"\udbbb"`). So a text with
/// a digit followed by `e` or `E` (an exponent), 300 number bytes in a row, a `\uD…` escape or
/// a `$` (below) is left to it. Conservative (these are looked for in strings too, and a
/// well-formed surrogate pair is left to it as well), and cheap: memchr for the rare bytes, not
/// a loop over all of them (a byte-by-byte state machine cost more than the parse).
fn plain_enough(json: &[u8]) -> bool {
    // One pass over the rare bytes: `\uD…` is a surrogate, `e` or `E` after a digit an exponent.
    let suspect = memchr::memchr3_iter(b'\\', b'e', b'E', json).any(|at| match json[at] {
        b'\\' => match json.get(at + 1..at + 6) {
            Some([b'u', b'd' | b'D', ..]) => true,
            // `$`, escaped (see below).
            Some(b"u0024") => true,
            _ => false,
        },
        _ => at > 0 && json[at - 1].is_ascii_digit(),
    });
    // With serde_json's `raw_value` feature (axum turns it on), a key
    // `$serde_json::private::RawValue` makes the full decoder parse its string value as JSON
    // (and refuse any other value): a text with `$` in it is left to the full decoder too.
    let magic = memchr::memchr(b'$', json).is_some();
    // Only a text that long can hold a number of 300 digits.
    let long_number = json.len() >= 300
        && json
            .split(|byte| !matches!(byte, b'0'..=b'9' | b'.' | b'-' | b'+'))
            .any(|run| run.len() >= 300);
    !(suspect || magic || long_number)
}

/// `[name, args…]`, the name a string.
struct EventArray<'a> {
    name: Cow<'a, str>,
    args: Args<'a>,
}

impl<'de> Deserialize<'de> for EventArray<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(EventArrayVisitor)
    }
}

struct EventArrayVisitor;

impl<'de> Visitor<'de> for EventArrayVisitor {
    type Value = EventArray<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array starting with the event name")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let Some(Name(name)) = seq.next_element()? else {
            return Err(serde::de::Error::invalid_length(0, &self));
        };
        let mut args = Args::new();
        while let Some(arg) = seq.next_element()? {
            args.push(arg);
        }
        Ok(EventArray { name, args })
    }
}

/// A string, borrowed from the text when it has no escapes (serde's `borrow` attribute: a bare
/// `Cow<str>` would always be copied).
#[derive(serde::Deserialize)]
struct Name<'a>(#[serde(borrow)] Cow<'a, str>);

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::protocol::socketio::decode;

    fn limits() -> Limits {
        Limits {
            max_payload: 1000,
            max_attachments: 10,
            max_packets: 100,
        }
    }

    /// What `decode_event` gives, as values, beside what `decode` gives.
    fn both(text: &str) -> Option<(String, Option<u64>, String, Vec<Value>)> {
        let event = decode_event(text, &limits())?;
        let args: Vec<Value> = event
            .args
            .iter()
            .map(|raw| serde_json::from_str(raw.get()).unwrap())
            .collect();
        let packet = decode(text, &limits()).expect("decode agrees it is a packet");
        assert_eq!(packet.kind, PacketType::Event);
        assert_eq!(packet.namespace, event.namespace);
        assert_eq!(packet.id, event.id);
        assert_eq!(packet.event_name(), Some(&*event.name));
        assert_eq!(packet.args(), args.as_slice());
        Some((
            event.namespace.to_owned(),
            event.id,
            event.name.into_owned(),
            args,
        ))
    }

    #[test]
    fn reads_an_event_without_copying_its_name() {
        let text = r#"2/chat,12["ai-message",{"prompt":"hi","x":[1,2]},3]"#;
        let event = decode_event(text, &limits()).unwrap();
        assert!(matches!(event.name, Cow::Borrowed("ai-message")));
        assert_eq!(event.args[0].get(), r#"{"prompt":"hi","x":[1,2]}"#);
        assert_eq!(
            both(text).unwrap(),
            (
                "/chat".to_owned(),
                Some(12),
                "ai-message".to_owned(),
                vec![json!({"prompt": "hi", "x": [1, 2]}), json!(3)]
            )
        );
        assert_eq!(both(r#"2["m\u0065ssage"]"#).unwrap().2, "message");
        // Letters `e` after letters are no exponent.
        assert!(both(r#"2["e",true,false,"Eve \"E\"",-1.5]"#).is_some());
        assert_eq!(
            both(r#" 2[ "a" , null ] "#.trim_start()).unwrap().3,
            [Value::Null]
        );
    }

    #[test]
    fn leaves_everything_else_to_the_full_decoder() {
        for text in [
            "",
            "0",
            "3[1]",
            r#"51-["a",{"_placeholder":true,"num":0}]"#,
            "2[1]",
            "2[]",
            "2{}",
            "2",
            r#"2["a""#,
            r#"2["a"] x"#,
            "2/a\u{1},[\"a\"]",
            "299999999999999999999[\"a\"]",
            &format!(r#"2["{}"]"#, "x".repeat(1000)),
            // Numbers the full decoder refuses (out of an f64's range), or might.
            r#"2["a",2e22222]"#,
            // A lone surrogate, which it refuses, and a pair, which it would take.
            r#"2["a","\udbbbx"]"#,
            r#"2["a","\ud83d\ude00"]"#,
            r#"2["a",{"x":[1.5E3]}]"#,
            // Conservative: the same in a string, or after an escaped backslash.
            r#"2["a","1e5"]"#,
            r#"2["a","\u00e9\\ud"]"#,
            // serde_json's magic key, which the full decoder treats as no other.
            r#"2["a",{"$serde_json::private::RawValue":1}]"#,
            r#"2["a",{"\u0024serde_json::private::RawValue":"[1]"}]"#,
            &format!(r#"2["a",{}]"#, "9".repeat(400)),
        ] {
            assert!(decode_event(text, &limits()).is_none(), "{text:?}");
        }
        // A number name is an event to `decode`, but not one this reads.
        assert!(decode("2[1]", &limits()).is_ok());
    }
}
