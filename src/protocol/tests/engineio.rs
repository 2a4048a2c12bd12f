//! Engine.IO: every example of the v3 and v4 protocol documents (engine.io-protocol/v3.md,
//! v4-current.md, and the Engine.IO side of socket.io-protocol v4.md/v5-current.md), encoded and
//! decoded, then hostile input.

use std::borrow::Cow;

use super::*;
use crate::protocol::Limits;

use EngineVersion::{V3, V4};

fn bin(bytes: &[u8]) -> Packet<'static> {
    Packet::Binary(Cow::Owned(bytes.to_vec()))
}

fn text(packet: &Packet<'_>) -> String {
    let mut out = String::new();
    encode_text(packet, &mut out);
    out
}

fn payload(version: EngineVersion, packets: &[Packet<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_payload(version, packets, &mut out);
    out
}

fn decode(version: EngineVersion, body: &[u8]) -> Result<Vec<Packet<'_>>, EngineError> {
    decode_payload(version, body, &Limits::default())
}

/// `body` decodes to `packets`, and `packets` encode to `body`.
fn both_ways(version: EngineVersion, body: &str, packets: &[Packet<'_>]) {
    assert_eq!(
        decode(version, body.as_bytes()).as_deref(),
        Ok(packets),
        "{body:?}"
    );
    assert_eq!(String::from_utf8(payload(version, packets)).unwrap(), body);
}

const V3_OPEN: &str = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000}"#;
const V4_OPEN: &str = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#;

#[test]
fn websocket_frames_of_both_documents() {
    let cases = [
        ("4hello", Packet::Message("hello")),
        ("4HelloWorld", Packet::Message("HelloWorld")),
        ("2probe", Packet::Ping("probe")),
        ("3probe", Packet::Pong("probe")),
        ("2", Packet::Ping("")),
        ("3", Packet::Pong("")),
        ("5", Packet::Upgrade),
        ("6", Packet::Noop),
        ("1", Packet::Close),
        ("4", Packet::Message("")),
        (V4_OPEN, Packet::Open(&V4_OPEN[1..])),
        (V3_OPEN, Packet::Open(&V3_OPEN[1..])),
        (r#"42["hey","Jude"]"#, Packet::Message(r#"2["hey","Jude"]"#)),
        (
            r#"461-/admin,1[{"_placeholder":true,"num":0}]"#,
            Packet::Message(r#"61-/admin,1[{"_placeholder":true,"num":0}]"#),
        ),
    ];
    for (frame, packet) in cases {
        assert_eq!(decode_text(frame), Ok(packet.clone()), "{frame:?}");
        assert_eq!(text(&packet), frame);
        // Borrowed, not copied.
        if let Ok(Packet::Message(data)) = decode_text(frame) {
            assert!(std::ptr::eq(data, &frame[1..]));
        }
    }
}

#[test]
fn binary_websocket_frames() {
    // v4: "Binary payloads are sent as is, without modification."
    let frame = [1, 2, 3, 4];
    assert_eq!(decode_binary_frame(V4, &frame), Ok(bin(&[1, 2, 3, 4])));
    assert!(matches!(
        decode_binary_frame(V4, &frame),
        Ok(Packet::Binary(Cow::Borrowed(_)))
    ));
    assert_eq!(encode_binary_frame(V4, &frame), frame);
    // An empty Buffer attachment is an empty frame.
    assert_eq!(decode_binary_frame(V4, &[]), Ok(bin(&[])));
    // v3: `4|0|1|2|3|4|5`, a message whose data is 0..=5.
    let frame = [4, 0, 1, 2, 3, 4, 5];
    assert_eq!(
        decode_binary_frame(V3, &frame),
        Ok(bin(&[0, 1, 2, 3, 4, 5]))
    );
    assert_eq!(encode_binary_frame(V3, &[0, 1, 2, 3, 4, 5]), frame);
    assert_eq!(decode_binary_frame(V3, &[4]), Ok(bin(&[])));
}

#[test]
fn v4_payloads_of_the_document() {
    both_ways(
        V4,
        "4hello\x1e2\x1e4world",
        &[
            Packet::Message("hello"),
            Packet::Ping(""),
            Packet::Message("world"),
        ],
    );
    both_ways(
        V4,
        "4hello\x1ebAQIDBA==",
        &[Packet::Message("hello"), bin(&[1, 2, 3, 4])],
    );
    both_ways(V4, V4_OPEN, &[Packet::Open(&V4_OPEN[1..])]);
    both_ways(V4, "40", &[Packet::Message("0")]);
    both_ways(
        V4,
        r#"40{"sid":"wZX3oN0bSVIhsaknAAAI"}"#,
        &[Packet::Message(r#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#)],
    );
    both_ways(
        V4,
        "42[\"hello\"]\x1e42[\"world\"]",
        &[
            Packet::Message(r#"2["hello"]"#),
            Packet::Message(r#"2["world"]"#),
        ],
    );
    both_ways(
        V4,
        "4test1\x1e4test2\x1e4test3",
        &[
            Packet::Message("test1"),
            Packet::Message("test2"),
            Packet::Message("test3"),
        ],
    );
    both_ways(V4, "6", &[Packet::Noop]);
    both_ways(V4, "1", &[Packet::Close]);
    // Text packets borrow from the body.
    let body = b"4hello\x1e4world";
    let packets = decode(V4, body).unwrap();
    let Packet::Message(world) = packets[1] else {
        panic!("{packets:?}")
    };
    assert!(std::ptr::eq(world.as_ptr(), body[8..].as_ptr()));
}

#[test]
fn v3_payloads_of_the_documents() {
    both_ways(V3, &format!("96:{V3_OPEN}"), &[Packet::Open(&V3_OPEN[1..])]);
    both_ways(
        V3,
        &format!("96:{V3_OPEN}2:40"),
        &[Packet::Open(&V3_OPEN[1..]), Packet::Message("0")],
    );
    both_ways(V3, "4:4hey", &[Packet::Message("hey")]);
    both_ways(
        V3,
        "6:4hello6:4world",
        &[Packet::Message("hello"), Packet::Message("world")],
    );
    // Characters, not bytes: "€" is one (and three bytes).
    both_ways(
        V3,
        "6:4hello2:4€",
        &[Packet::Message("hello"), Packet::Message("€")],
    );
    both_ways(
        V3,
        "2:4€10:b4AQIDBA==",
        &[Packet::Message("€"), bin(&[1, 2, 3, 4])],
    );
    both_ways(
        V3,
        r#"16:42["hey","Jude"]"#,
        &[Packet::Message(r#"2["hey","Jude"]"#)],
    );
    both_ways(
        V3,
        r#"11:42["hello"]11:42["world"]"#,
        &[
            Packet::Message(r#"2["hello"]"#),
            Packet::Message(r#"2["world"]"#),
        ],
    );
    // Node writes an empty payload as `0:`, and skips zero-length packets when reading.
    both_ways(V3, "0:", &[]);
    assert_eq!(decode(V3, b"0:1:20:"), Ok(vec![Packet::Ping("")]));
}

#[test]
fn v3_lengths_count_utf16_units() {
    // An emoji outside the BMP is two UTF-16 code units, as JavaScript's `length` counts.
    both_ways(V3, "3:4😀", &[Packet::Message("😀")]);
    both_ways(
        V3,
        "5:4😀😀1:2",
        &[Packet::Message("😀😀"), Packet::Ping("")],
    );
    both_ways(V3, "5:4a€😀", &[Packet::Message("a€😀")]);
    // A count that ends inside the surrogate pair is a lie.
    assert_eq!(decode(V3, "2:4😀".as_bytes()), Err(EngineError::BadLength));
    assert_eq!(decode(V3, "4:4😀".as_bytes()), Err(EngineError::BadLength));
    // Counting bytes instead of units is wrong too.
    assert_eq!(decode(V3, "5:4😀".as_bytes()), Err(EngineError::BadLength));
}

#[test]
fn v3_binary_xhr2_payload() {
    // What Node's engine.io-parser 2.x writes for the document's example ["€", <01 02 03 04>]:
    // the binary packet starts with its type byte 4, so its length is 5.
    let body = [
        0, 4, 0xff, b'4', 0xe2, 0x82, 0xac, 1, 5, 0xff, 4, 1, 2, 3, 4,
    ];
    let packets = decode(V3, &body).unwrap();
    assert_eq!(packets, [Packet::Message("€"), bin(&[1, 2, 3, 4])]);
    assert!(matches!(packets[1], Packet::Binary(Cow::Borrowed(_))));
    // The document's rendering omits that type byte: its binary packet reads as type 1 (close),
    // which carries no binary.
    let doc = [0, 4, 0xff, b'4', 0xe2, 0x82, 0xac, 1, 4, 0xff, 1, 2, 3, 4];
    assert_eq!(decode(V3, &doc), Err(EngineError::BinaryNotMessage(1)));
    // Multi-digit lengths: one byte per decimal digit.
    let mut long = vec![1, 1, 2, 0xff, 4];
    long.extend(0..11u8);
    assert_eq!(
        decode(V3, &long),
        Ok(vec![bin(&(0..11).collect::<Vec<_>>())])
    );
    // Text packets in this form are whole packets, including the `b4` base64 form.
    let mut b64 = vec![0, 1, 0, 0xff];
    b64.extend_from_slice(b"b4AQIDBA==");
    assert_eq!(decode(V3, &b64), Ok(vec![bin(&[1, 2, 3, 4])]));
}

#[test]
fn v3_binary_xhr2_hostile() {
    let cases: [(&[u8], EngineError); 10] = [
        (
            &[0, 1, 0xff, b'2', 2, 1, 0xff, b'2'],
            EngineError::BadLength,
        ), // neither text nor binary
        (&[0, 1, b'2'], EngineError::BadLength),    // no 0xFF
        (&[0, 0xff, b'2'], EngineError::BadLength), // no digits
        (&[0, 10, 0xff, b'2'], EngineError::BadLength), // a "digit" over 9
        (&[0, 9, 0xff, b'2'], EngineError::BadLength), // longer than the body
        (&[0, 0, 0xff], EngineError::Empty),        // empty text packet
        (&[1, 0, 0xff], EngineError::Empty),        // empty binary packet
        (&[1, 2, 0xff, 2, 9], EngineError::BinaryNotMessage(2)), // binary ping
        (&[0, 2, 0xff, b'4', 0xff], EngineError::NotUtf8), // text that is not UTF-8
        (&[0, 1, 0xff, b'9'], EngineError::UnknownType(b'9')),
    ];
    for (body, error) in cases {
        assert_eq!(decode(V3, body), Err(error), "{body:?}");
    }
    // 20 digit bytes (a length no body has): refused before any arithmetic matters.
    let mut huge = vec![1];
    huge.extend([9; 20]);
    huge.extend([0xff, 4]);
    assert_eq!(decode(V3, &huge), Err(EngineError::BadLength));
    let mut big = vec![1];
    big.extend([9; 19]);
    big.extend([0xff, 4]);
    assert_eq!(decode(V3, &big), Err(EngineError::BadLength));
    // Too many packets.
    let many: Vec<u8> = [0u8, 1, 0xff, b'2'].repeat(257);
    assert_eq!(decode(V3, &many), Err(EngineError::TooManyPackets));
    assert_eq!(decode(V3, &many[..256 * 4]).map(|p| p.len()), Ok(256));
}

#[test]
fn v3_length_prefixes_that_lie() {
    let cases: [&str; 14] = [
        "10:4hi",                 // longer than the body
        "3:4hi4",                 // a trailing packet without its length
        "2:4hi",                  // shorter: the rest has no `<len>:`
        "x:4hi",                  // not digits
        ":4hi",                   // no digits
        "4hi",                    // no prefix at all
        "-1:4",                   // a sign
        "+1:2",                   // a sign
        " 1:2",                   // a space
        "1:",                     // nothing after
        "1",                      // nothing at all
        "9999999999999999999:4",  // 19 digits, more than there is
        "18446744073709551616:4", // would overflow u64
        "99999999999999999999999999999999:4",
    ];
    for body in cases {
        assert_eq!(
            decode(V3, body.as_bytes()),
            Err(EngineError::BadLength),
            "{body:?}"
        );
    }
}

#[test]
fn hostile_packets_and_payloads() {
    assert_eq!(decode_text(""), Err(EngineError::Empty));
    assert_eq!(decode_text("7"), Err(EngineError::UnknownType(b'7')));
    assert_eq!(decode_text("abc"), Err(EngineError::UnknownType(b'a')));
    assert_eq!(decode_text("é"), Err(EngineError::UnknownType(0xc3)));
    // Base64 belongs to polling payloads, not to WebSocket text frames.
    assert_eq!(decode_text("bAQID"), Err(EngineError::UnknownType(b'b')));
    assert_eq!(decode_binary_frame(V3, &[]), Err(EngineError::Empty));
    assert_eq!(
        decode_binary_frame(V3, &[2, 1]),
        Err(EngineError::BinaryNotMessage(2))
    );

    for version in [V3, V4] {
        assert_eq!(decode(version, b""), Err(EngineError::Empty));
    }
    assert_eq!(decode(V4, b"4a\x1e\x1e4b"), Err(EngineError::Empty));
    assert_eq!(decode(V4, b"4a\x1e"), Err(EngineError::Empty));
    assert_eq!(decode(V4, b"9"), Err(EngineError::UnknownType(b'9')));
    assert_eq!(decode(V4, b"4\xff"), Err(EngineError::NotUtf8));
    assert_eq!(decode(V3, b"2:4\xff"), Err(EngineError::NotUtf8));
    // Bad base64.
    assert_eq!(decode(V4, b"b!!!!"), Err(EngineError::BadBase64));
    assert_eq!(decode(V4, b"bAQIDBA=x"), Err(EngineError::BadBase64));
    assert_eq!(decode(V4, b"bA"), Err(EngineError::BadBase64));
    assert_eq!(decode(V3, b"6:b4!!!!"), Err(EngineError::BadBase64));
    // v3's base64 form names the packet type, which must be a message.
    assert_eq!(
        decode(V3, b"4:b2AQ"),
        Err(EngineError::BinaryNotMessage(b'2'))
    );
    assert_eq!(decode(V3, b"1:b"), Err(EngineError::Empty));
    // Padding is optional when reading; written with it.
    assert_eq!(decode(V4, b"bAQIDBA"), Ok(vec![bin(&[1, 2, 3, 4])]));
    assert_eq!(decode(V4, b"b"), Ok(vec![bin(&[])]));
}

#[test]
fn payload_limits() {
    let limits = Limits {
        max_payload: 12,
        max_attachments: 1,
        max_packets: 3,
    };
    assert_eq!(
        decode_payload(V4, b"412345678901", &limits).map(|p| p.len()),
        Ok(1)
    );
    assert_eq!(
        decode_payload(V4, b"4123456789012", &limits),
        Err(EngineError::TooLarge)
    );
    assert_eq!(
        decode_payload(V3, b"10:4123456789", &limits),
        Err(EngineError::TooLarge)
    );
    assert_eq!(
        decode_payload(V4, b"2\x1e2\x1e2", &limits).map(|p| p.len()),
        Ok(3)
    );
    assert_eq!(
        decode_payload(V4, b"2\x1e2\x1e2\x1e2", &limits),
        Err(EngineError::TooManyPackets)
    );
    assert_eq!(
        decode_payload(V3, b"1:21:21:21:2", &limits),
        Err(EngineError::TooManyPackets)
    );
    // Skipped zero-length packets count too.
    assert_eq!(
        decode_payload(V3, b"0:0:0:0:", &limits),
        Err(EngineError::TooManyPackets)
    );
    // The defaults.
    let many = vec!["2"; 257].join("\x1e");
    assert_eq!(
        decode(V4, many.as_bytes()),
        Err(EngineError::TooManyPackets)
    );
    assert_eq!(
        decode(V4, &many.as_bytes()[..511]).map(|p| p.len()),
        Ok(256)
    );
    let huge = vec![b'4'; 1_000_001];
    assert_eq!(decode(V4, &huge), Err(EngineError::TooLarge));
    assert_eq!(decode(V4, &huge[1..]).map(|p| p.len()), Ok(1));
}

#[test]
fn handshakes() {
    let v4 = Handshake::parse(
        r#"{
          "sid": "lv_VI97HAXpY6yYWAAAC",
          "upgrades": ["websocket"],
          "pingInterval": 25000,
          "pingTimeout": 20000,
          "maxPayload": 1000000
        }"#,
    )
    .unwrap();
    let expected = Handshake {
        sid: "lv_VI97HAXpY6yYWAAAC".into(),
        upgrades: vec!["websocket".into()],
        ping_interval: 25000,
        ping_timeout: 20000,
        max_payload: Some(1_000_000),
    };
    assert_eq!(v4, expected);
    assert_eq!(v4.version(), V4);
    assert_eq!(
        v4.to_json(),
        r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
    );
    assert_eq!(Handshake::parse(&v4.to_json()), Ok(v4));

    let v3 = Handshake::parse(&V3_OPEN[1..]).unwrap();
    assert_eq!(
        (v3.version(), v3.max_payload, v3.ping_timeout),
        (V3, None, 5000)
    );
    assert_eq!(v3.to_json(), V3_OPEN[1..]);
    // v3 WebSocket-only: no `upgrades`.
    let ws = Handshake::parse(
        r#"{"sid":"lv_VI97HAXpY6yYWAAAC","pingInterval":25000,"pingTimeout":5000}"#,
    );
    assert_eq!(ws.map(|h| (h.version(), h.upgrades)), Ok((V3, vec![])));
    // Unknown keys are ignored; `maxPayload: null` is no maxPayload.
    let extra = Handshake::parse(
        r#"{"sid":"a","pingInterval":1,"pingTimeout":2,"maxPayload":null,"x":[1]}"#,
    );
    assert_eq!(extra.map(|h| h.max_payload), Ok(None));
    // A sid with characters to escape round-trips.
    let odd = Handshake {
        sid: "a\"b\\c".into(),
        upgrades: vec![],
        ping_interval: 1,
        ping_timeout: 2,
        max_payload: None,
    };
    assert_eq!(Handshake::parse(&odd.to_json()), Ok(odd));
}

#[test]
fn bad_handshakes() {
    let cases = [
        r#"{"upgrades":[],"pingInterval":25000,"pingTimeout":5000}"#, // no sid
        r#"{"sid":"","pingInterval":25000,"pingTimeout":5000}"#,      // empty sid
        r#"{"sid":7,"pingInterval":25000,"pingTimeout":5000}"#,       // sid a number
        r#"{"sid":"a","pingInterval":"25000","pingTimeout":5000}"#,   // a string
        r#"{"sid":"a","pingInterval":-1,"pingTimeout":5000}"#,        // negative
        r#"{"sid":"a","pingInterval":25000.5,"pingTimeout":5000}"#,   // fractional
        r#"{"sid":"a","pingInterval":25000,"pingTimeout":null}"#,     // null
        r#"{"sid":"a","pingInterval":25000}"#,                        // no pingTimeout
        r#"{"sid":"a","pingInterval":1,"pingTimeout":1,"maxPayload":"1e6"}"#, // a string
        r#"{"sid":"a","pingInterval":1,"pingTimeout":1,"upgrades":"websocket"}"#, // not a list
        r#"{"sid":"a","pingInterval":1,"pingTimeout":1,"upgrades":[1]}"#,
        r#"{"sid":"a","pingInterval":1,"pingTimeout":1"#,
        "",
        "[]",
        r#""sid""#,
    ];
    for json in cases {
        assert!(
            matches!(Handshake::parse(json), Err(EngineError::BadHandshake(_))),
            "{json:?}"
        );
    }
    let Err(error) = Handshake::parse(r#"{"pingInterval":1,"pingTimeout":1}"#) else {
        panic!("no sid accepted")
    };
    assert!(error.to_string().contains("sid"), "{error}");
}

#[test]
fn versions() {
    assert_eq!(EngineVersion::from_query("3"), Some(V3));
    assert_eq!(EngineVersion::from_query("4"), Some(V4));
    assert_eq!(EngineVersion::from_query("5"), None);
    assert_eq!(V4.as_query(), "4");
    assert_eq!(
        EngineError::UnknownType(b'a').to_string(),
        "unknown Engine.IO packet type 'a'"
    );
    assert_eq!(
        EngineError::UnknownType(0).to_string(),
        "unknown Engine.IO packet type 0x00"
    );
}
