//! Socket.IO: every example of the v5 and v4 protocol documents (socket.io-protocol/v5-current.md,
//! v4.md), encoded and decoded, then hostile input and the binary reassembly.

use bytes::Bytes;
use serde_json::{Value, json};

use super::*;
use crate::protocol::Limits;
use crate::protocol::binary::binary_value;

use SocketVersion::{V4, V5};

fn limits() -> Limits {
    Limits::default()
}

/// `packet` encodes to `text`, and `text` decodes to `packet`.
fn both_ways(text: &str, packet: Packet) {
    assert_eq!(encode(&packet), text);
    assert_eq!(decode(text, &limits()), Ok(packet), "{text:?}");
}

fn binary(kind: PacketType, ns: &str, id: Option<u64>, data: Value, attachments: usize) -> Packet {
    Packet {
        kind,
        namespace: ns.into(),
        id,
        data: Some(data),
        attachments,
    }
}

fn ph(num: usize) -> Value {
    json!({"_placeholder": true, "num": num})
}

#[test]
fn v5_document_examples() {
    both_ways("0", Packet::connect("/", None));
    both_ways("0/admin,", Packet::connect("/admin", None));
    both_ways(
        r#"0/admin,{"token":"123"}"#,
        Packet::connect("/admin", Some(json!({"token": "123"}))),
    );
    both_ways(
        r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#,
        Packet::connected(V5, "/admin", "oSO0OpakMV_3jnilAAAA"),
    );
    both_ways(
        r#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#,
        Packet::connected(V5, "/", "wZX3oN0bSVIhsaknAAAI"),
    );
    both_ways(
        r#"4{"message":"Not authorized"}"#,
        Packet::connect_refused(V5, "/", "Not authorized", None),
    );
    both_ways(r#"2["foo"]"#, Packet::event("/", "foo", vec![], None));
    both_ways(
        r#"2/admin,["bar"]"#,
        Packet::event("/admin", "bar", vec![], None),
    );
    both_ways(
        r#"2["hey","Jude"]"#,
        Packet::event("/", "hey", vec![json!("Jude")], None),
    );
    both_ways(r#"212["foo"]"#, Packet::event("/", "foo", vec![], Some(12)));
    both_ways(
        r#"3/admin,13["bar"]"#,
        Packet::ack("/admin", 13, vec![json!("bar")]),
    );
    both_ways("312[]", Packet::ack("/", 12, vec![]));
    both_ways(
        r#"2/admin,1["tellme"]"#,
        Packet::event("/admin", "tellme", vec![], Some(1)),
    );
    both_ways(
        r#"0/admin,{"sid":"-G5j-67EZFp-q59rADQM"}"#,
        Packet::connected(V5, "/admin", "-G5j-67EZFp-q59rADQM"),
    );
    both_ways("1", Packet::disconnect("/"));
    both_ways("1/admin,", Packet::disconnect("/admin"));
    both_ways(
        r#"51-["baz",{"_placeholder":true,"num":0}]"#,
        binary(PacketType::BinaryEvent, "/", None, json!(["baz", ph(0)]), 1),
    );
    both_ways(
        r#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
        binary(
            PacketType::BinaryEvent,
            "/admin",
            None,
            json!(["baz", ph(0), ph(1)]),
            2,
        ),
    );
    both_ways(
        r#"61-15["bar",{"_placeholder":true,"num":0}]"#,
        binary(
            PacketType::BinaryAck,
            "/",
            Some(15),
            json!(["bar", ph(0)]),
            1,
        ),
    );
    both_ways(
        r#"61-/admin,1[{"_placeholder":true,"num":0}]"#,
        binary(PacketType::BinaryAck, "/admin", Some(1), json!([ph(0)]), 1),
    );
}

#[test]
fn v4_document_examples() {
    both_ways("0", Packet::connected(V4, "/", "ignored in v4"));
    both_ways("0/admin,", Packet::connected(V4, "/admin", "ignored in v4"));
    both_ways("1/admin,", Packet::disconnect("/admin"));
    both_ways(
        r#"2["hello",1]"#,
        Packet::event("/", "hello", vec![json!(1)], None),
    );
    both_ways(
        r#"2/admin,456["project:delete",123]"#,
        Packet::event("/admin", "project:delete", vec![json!(123)], Some(456)),
    );
    both_ways("3/admin,456[]", Packet::ack("/admin", 456, vec![]));
    both_ways(
        r#"4/admin,"Not authorized""#,
        Packet::connect_refused(V4, "/admin", "Not authorized", None),
    );
    both_ways(
        r#"51-["hello",{"_placeholder":true,"num":0}]"#,
        binary(
            PacketType::BinaryEvent,
            "/",
            None,
            json!(["hello", ph(0)]),
            1,
        ),
    );
    both_ways(
        r#"51-/admin,456["project:delete",{"_placeholder":true,"num":0}]"#,
        binary(
            PacketType::BinaryEvent,
            "/admin",
            Some(456),
            json!(["project:delete", ph(0)]),
            1,
        ),
    );
    both_ways(
        r#"61-/admin,456[{"_placeholder":true,"num":0}]"#,
        binary(
            PacketType::BinaryAck,
            "/admin",
            Some(456),
            json!([ph(0)]),
            1,
        ),
    );
    // A 2.x client may put a query in the CONNECT's namespace.
    let connect = decode("0/admin?token=1234&uid=abcd", &limits()).unwrap();
    assert_eq!(connect.namespace, "/admin?token=1234&uid=abcd");
    assert_eq!(
        split_query(&connect.namespace),
        ("/admin", Some("token=1234&uid=abcd"))
    );
    assert_eq!(split_query("/admin"), ("/admin", None));
}

#[test]
fn accessors() {
    let event = decode(r#"2/chat,7["msg",1,{"a":2}]"#, &limits()).unwrap();
    assert_eq!(event.event_name(), Some("msg"));
    assert_eq!(event.args(), &[json!(1), json!({"a": 2})]);
    assert_eq!(event.id, Some(7));
    assert_eq!(event.clone().into_args(), vec![json!(1), json!({"a": 2})]);
    let ack = Packet::ack("/", 3, vec![json!("x")]);
    assert_eq!((ack.event_name(), ack.args()), (None, &[json!("x")][..]));
    // Node allows numbers as event names.
    let numbered = decode("2[1,2]", &limits()).unwrap();
    assert_eq!(
        (numbered.event_name(), numbered.args()),
        (None, &[json!(2)][..])
    );
    // Any other name is an event like the rest, reserved ones included (the server decides).
    for name in ["error", "open", "close", "message", "ping", "disconnect"] {
        let packet = decode(&format!(r#"2["{name}"]"#), &limits()).unwrap();
        assert_eq!(packet.event_name(), Some(name));
    }
    assert!(is_reserved_event("disconnect") && !is_reserved_event("error"));
    // CONNECT and CONNECT_ERROR in both versions.
    let v5 = Packet::connect_refused(V5, "/", "Invalid namespace", Some(json!({"code": 1})));
    assert_eq!(
        encode(&v5),
        r#"4{"message":"Invalid namespace","data":{"code":1}}"#
    );
    assert_eq!(
        (v5.error_message(), v5.error_data()),
        (Some("Invalid namespace"), Some(&json!({"code": 1})))
    );
    let v4 = decode(r#"4"Not authorized""#, &limits()).unwrap();
    assert_eq!(
        (v4.error_message(), v4.error_data()),
        (Some("Not authorized"), None)
    );
    assert_eq!(
        decode("4", &limits()).map(|p| p.error_message().map(str::to_owned)),
        Ok(None)
    );
    assert_eq!(Packet::connected(V5, "/", "s1").connect_sid(), Some("s1"));
    assert_eq!(Packet::connected(V4, "/", "s1").connect_sid(), None);
    assert_eq!(Packet::disconnect("").namespace, "/");
    assert_eq!(encode(&Packet::disconnect("admin")), "1/admin,");
    assert_eq!(SocketVersion::from(EngineVersion::V3), V4);
    assert_eq!(SocketVersion::from(EngineVersion::V4), V5);
    // The explicit main namespace is the main namespace.
    assert_eq!(
        decode(r#"2/,["x"]"#, &limits()),
        Ok(Packet::event("/", "x", vec![], None))
    );
    // Leading zeros in an ack id are just digits.
    assert_eq!(decode(r#"2007["x"]"#, &limits()).map(|p| p.id), Ok(Some(7)));
    assert_eq!(
        decode(r#"218446744073709551615["x"]"#, &limits()).map(|p| p.id),
        Ok(Some(u64::MAX))
    );
}

/// What an error is, for comparing: BadJson's message and BadPayload's wording do not matter.
fn class(error: &SocketError) -> SocketError {
    match error {
        SocketError::BadJson(_) => SocketError::BadJson(String::new()),
        SocketError::BadPayload { kind, .. } => SocketError::BadPayload {
            kind: *kind,
            expected: "",
        },
        other => other.clone(),
    }
}

#[test]
fn hostile_headers() {
    use SocketError::*;
    let json = BadJson(String::new());
    let shape = |kind| BadPayload { kind, expected: "" };
    let cases = [
        ("", Empty),
        ("7", UnknownType(b'7')),
        ("x", UnknownType(b'x')),
        ("é", UnknownType(0xc3)),
        // Ack id overflow.
        (r#"218446744073709551616["x"]"#, BadAckId),
        (r#"299999999999999999999999999999["x"]"#, BadAckId),
        // Attachment counts.
        (r#"5-["x"]"#, BadAttachments),
        (r#"50-["x"]"#, BadAttachments),
        (r#"51["x"]"#, BadAttachments),
        (r#"5x-["x"]"#, BadAttachments),
        ("5", BadAttachments),
        ("61", BadAttachments),
        (r#"511-["x"]"#, TooManyAttachments { max: 10 }),
        (
            r#"5999999999999999999999999999999999999-["x"]"#,
            TooManyAttachments { max: 10 },
        ),
        // Namespaces.
        (r#"2/admin["x"]"#, shape(PacketType::Event)),
        (r#"2admin,["x"]"#, json.clone()),
        ("2/ad\u{1}min,[\"x\"]", BadNamespace),
        ("0/\n,", BadNamespace),
        ("2/admin,", shape(PacketType::Event)),
        // JSON.
        (r#"2["x""#, json.clone()),
        (r#"2["x"]x"#, json.clone()),
        // Shapes.
        ("2", shape(PacketType::Event)),
        ("2[]", shape(PacketType::Event)),
        ("2[true]", shape(PacketType::Event)),
        ("2[null]", shape(PacketType::Event)),
        (r#"2{"a":1}"#, shape(PacketType::Event)),
        (r#"2"x""#, shape(PacketType::Event)),
        ("51-[]", shape(PacketType::BinaryEvent)),
        ("3", shape(PacketType::Ack)),
        ("31", shape(PacketType::Ack)),
        ("3{}", shape(PacketType::Ack)),
        ("61-1", shape(PacketType::BinaryAck)),
        ("1{}", shape(PacketType::Disconnect)),
        ("1[]", shape(PacketType::Disconnect)),
        ("0[]", shape(PacketType::Connect)),
        (r#"0"token""#, shape(PacketType::Connect)),
        ("0null", shape(PacketType::Connect)),
        ("4[1]", shape(PacketType::ConnectError)),
    ];
    for (text, expected) in cases {
        match decode(text, &limits()) {
            Err(error) => assert_eq!(class(&error), expected, "{text:?}: {error}"),
            Ok(packet) => panic!("{text:?} decoded as {packet:?}"),
        }
    }
    // Deep nesting hits serde_json's recursion limit, not the stack.
    let deep = format!("2{}", "[".repeat(100_000));
    assert_eq!(decode(&deep, &limits()).map_err(|e| class(&e)), Err(json));
}

#[test]
fn text_limit() {
    let small = Limits {
        max_payload: 8,
        ..Limits::default()
    };
    assert!(decode(r#"2["abc"]"#, &small).is_ok());
    assert_eq!(
        decode(r#"2["abcd"]"#, &small),
        Err(SocketError::TooLarge { size: 9, max: 8 })
    );
    let one = Limits {
        max_attachments: 1,
        ..Limits::default()
    };
    assert_eq!(
        decode(r#"52-["a"]"#, &one),
        Err(SocketError::TooManyAttachments { max: 1 })
    );
    assert!(decode(r#"510-["a"]"#, &limits()).is_ok());
}

#[test]
fn decoder_reassembles_binary_packets() {
    let mut decoder = Decoder::new(limits());
    // A plain packet is whole at once.
    let msg = decoder.text(r#"2["foo"]"#).unwrap().unwrap();
    assert_eq!(
        (msg.packet.event_name(), msg.attachments.len()),
        (Some("foo"), 0)
    );
    // The v5 document's two-attachment example.
    let text = r#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    assert_eq!(decoder.text(text), Ok(None));
    assert_eq!(decoder.pending(), 2);
    assert_eq!(decoder.binary(Bytes::from_static(&[1, 2])), Ok(None));
    assert_eq!(decoder.pending(), 1);
    let msg = decoder
        .binary(Bytes::from_static(&[3, 4]))
        .unwrap()
        .unwrap();
    assert_eq!(decoder.pending(), 0);
    assert_eq!(
        msg.attachments,
        [Bytes::from_static(&[1, 2]), Bytes::from_static(&[3, 4])]
    );
    assert_eq!(msg.packet.args(), &[ph(0), ph(1)]);
    let with_binary = msg.clone().into_packet_with_binary().unwrap();
    assert_eq!(with_binary.namespace, "/admin");
    assert_eq!(
        with_binary.args(),
        &[binary_value(&[1, 2]), binary_value(&[3, 4])]
    );
    // And back: the same text and frames.
    assert_eq!(
        encode_message(&msg),
        (text.to_owned(), msg.attachments.clone())
    );
    let rebuilt = Message::with_binary(Packet::event(
        "/admin",
        "baz",
        with_binary.args().to_vec(),
        None,
    ))
    .unwrap();
    assert_eq!(rebuilt, msg);
}

#[test]
fn decoder_refuses_out_of_order_messages() {
    let mut decoder = Decoder::new(limits());
    // Binary without a packet waiting for it.
    assert_eq!(
        decoder.binary(Bytes::from_static(&[1])),
        Err(SocketError::UnexpectedBinary)
    );
    // A new text packet while attachments are pending; the pending one is dropped.
    assert_eq!(
        decoder.text(r#"52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
        Ok(None)
    );
    assert_eq!(decoder.binary(Bytes::from_static(&[1])), Ok(None));
    assert_eq!(
        decoder.text(r#"2["y"]"#),
        Err(SocketError::AttachmentsPending { missing: 1 })
    );
    assert_eq!(decoder.pending(), 0);
    assert!(decoder.text(r#"2["y"]"#).unwrap().is_some());
    // An attachment over max_payload.
    let mut small = Decoder::new(Limits {
        max_payload: 100,
        ..Limits::default()
    });
    assert_eq!(
        small.text(r#"51-["x",{"_placeholder":true,"num":0}]"#),
        Ok(None)
    );
    assert_eq!(
        small.binary(Bytes::from(vec![0; 101])),
        Err(SocketError::AttachmentTooLarge {
            size: 101,
            max: 100
        })
    );
    assert_eq!(small.pending(), 0);
    // An absurd count is refused at once, before anything is held.
    assert_eq!(
        decoder.text(r#"5999999999-["x"]"#),
        Err(SocketError::TooManyAttachments { max: 10 })
    );
    assert_eq!(decoder.pending(), 0);
    // reset drops a pending packet.
    assert_eq!(
        decoder.text(r#"61-3[{"_placeholder":true,"num":0}]"#),
        Ok(None)
    );
    decoder.reset();
    assert_eq!(
        decoder.binary(Bytes::from_static(&[1])),
        Err(SocketError::UnexpectedBinary)
    );
}

#[test]
fn messages_with_binary_anywhere() {
    let args = vec![
        json!({"file": binary_value(&[1, 2, 3]), "name": "f.bin"}),
        json!([[binary_value(&[])], 5]),
        binary_value(&[9]),
    ];
    let msg = Message::with_binary(Packet::event("/", "upload", args.clone(), Some(4))).unwrap();
    let (text, frames) = encode_message(&msg);
    assert_eq!(
        text,
        r#"53-4["upload",{"file":{"_placeholder":true,"num":0},"name":"f.bin"},[[{"_placeholder":true,"num":1}],5],{"_placeholder":true,"num":2}]"#
    );
    assert_eq!(
        frames,
        [
            Bytes::from_static(&[1, 2, 3]),
            Bytes::new(),
            Bytes::from_static(&[9])
        ]
    );
    let mut decoder = Decoder::new(limits());
    assert_eq!(decoder.text(&text), Ok(None));
    assert_eq!(decoder.binary(frames[0].clone()), Ok(None));
    assert_eq!(decoder.binary(frames[1].clone()), Ok(None));
    let received = decoder.binary(frames[2].clone()).unwrap().unwrap();
    let packet = received.into_packet_with_binary().unwrap();
    assert_eq!(
        (packet.kind, packet.event_name(), packet.id),
        (PacketType::BinaryEvent, Some("upload"), Some(4))
    );
    assert_eq!(packet.args(), &args[..]);
    // A binary ack.
    let ack = Message::with_binary(Packet::ack(
        "/admin",
        15,
        vec![json!("bar"), binary_value(&[1, 2, 3, 4])],
    ))
    .unwrap();
    assert_eq!(
        encode_message(&ack).0,
        r#"61-/admin,15["bar",{"_placeholder":true,"num":0}]"#
    );
    // No binary: a plain packet, whatever the type said.
    let plain = Message::with_binary(Packet::event("/", "x", vec![json!(1)], None)).unwrap();
    assert_eq!(encode_message(&plain), (r#"2["x",1]"#.to_owned(), vec![]));
    let mut forced = Message::new(binary(PacketType::BinaryEvent, "/", None, json!(["x"]), 0));
    assert_eq!(encode_message(&forced).0, r#"2["x"]"#);
    // The count written is the attachments there, not the field.
    forced.attachments.push(Bytes::from_static(&[1]));
    forced.packet.data = Some(json!(["x", ph(0)]));
    assert_eq!(
        encode_message(&forced).0,
        r#"51-["x",{"_placeholder":true,"num":0}]"#
    );
    // In a plain packet a placeholder-like object is data.
    let lookalike =
        Message::new(decode(r#"2["x",{"_placeholder":true,"num":0}]"#, &limits()).unwrap());
    assert_eq!(
        lookalike.into_packet_with_binary().unwrap().args(),
        &[ph(0)]
    );
    // Only events and acks carry binary: a CONNECT's auth keeps its `$binary` as JSON.
    let auth = json!({"key": binary_value(&[1])});
    let connect = Message::with_binary(Packet::connect("/", Some(auth.clone()))).unwrap();
    assert_eq!(encode_message(&connect), (format!("0{auth}"), vec![]));
    let mut odd = Message::new(Packet::disconnect("/"));
    odd.attachments.push(Bytes::from_static(&[1]));
    assert_eq!(encode_message(&odd), ("1".to_owned(), vec![]));
    // Bad `$binary` from the user.
    assert!(
        Message::with_binary(Packet::event(
            "/",
            "x",
            vec![json!({"$binary": "!!"})],
            None
        ))
        .is_err()
    );
}

#[test]
fn numbers_survive_the_trip() {
    // Found by fuzzing: without serde_json's `float_roundtrip`, this float came back one unit
    // in the last place off, so a relayed number was not the number sent.
    for text in [
        "2[2.2222888882288882e+20]",
        "2[1.7976931348623157e+308,5e-324,-0.0,18446744073709551615,-9223372036854775808]",
    ] {
        let packet = decode(text, &limits()).unwrap();
        assert_eq!(encode(&packet), text);
        assert_eq!(decode(&encode(&packet), &limits()), Ok(packet));
    }
}

#[test]
fn errors_read_well() {
    assert_eq!(
        SocketError::UnknownType(b'9').to_string(),
        "unknown Socket.IO packet type '9'"
    );
    let error = decode("2[]", &limits()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "EVENT packet payload must be an array starting with the event name"
    );
    assert_eq!(
        SocketError::AttachmentsPending { missing: 2 }.to_string(),
        "text packet while 2 binary attachment(s) are still expected"
    );
}

#[test]
fn an_event_label_is_its_name_or_the_json_of_a_number_name() {
    let named = decode(r#"2["hello",1]"#, &limits()).unwrap();
    assert_eq!(named.event_label(), "hello");
    let numbered = decode("2[42,1]", &limits()).unwrap();
    assert_eq!(numbered.event_label(), "42");
    let ack = decode("37[1]", &limits()).unwrap();
    assert_eq!(ack.event_label(), "");
}

#[test]
fn into_event_is_the_label_and_the_args() {
    let packets = [
        Packet::event("/", "chat", vec![json!(1), json!({"a": "b"})], Some(3)),
        Packet::event("/x", "", vec![], None),
        Packet {
            kind: PacketType::Event,
            namespace: "/".into(),
            data: Some(json!([42, "after a number name"])),
            id: None,
            attachments: 0,
        },
        Packet {
            kind: PacketType::Event,
            namespace: "/".into(),
            data: Some(json!([])),
            id: None,
            attachments: 0,
        },
        Packet::ack("/", 7, vec![json!("acked")]),
        Packet::connect("/", Some(json!({"token": "t"}))),
        binary(PacketType::BinaryEvent, "/", None, json!(["up", ph(0)]), 1),
    ];
    for packet in packets {
        let want = (packet.event_label(), packet.clone().into_args());
        assert_eq!(packet.clone().into_event(), want, "{packet:?}");
    }
}
