//! Placeholders ↔ `{"$binary": …}`, anywhere in the arguments, and hostile placeholders.

use bytes::Bytes;
use serde_json::{Value, json};

use super::*;

fn b(bytes: &'static [u8]) -> Bytes {
    Bytes::from_static(bytes)
}

#[test]
fn extract_and_reconstruct_nested() {
    let original = vec![
        json!("plain"),
        json!({"a": [1, {"$binary": "AQID"}], "b": {"$binary": "BAU="}}),
        json!([[{"$binary": ""}]]),
    ];
    let mut args = original.clone();
    let attachments = extract(&mut args).unwrap();
    // Depth first, in document order (object keys sorted, as serde_json keeps them).
    assert_eq!(attachments, [b(&[1, 2, 3]), b(&[4, 5]), b(&[])]);
    assert_eq!(
        args,
        [
            json!("plain"),
            json!({"a": [1, {"_placeholder": true, "num": 0}], "b": {"_placeholder": true, "num": 1}}),
            json!([[{"_placeholder": true, "num": 2}]]),
        ]
    );
    reconstruct(&mut args, &attachments).unwrap();
    // Written back with padding.
    assert_eq!(args[1]["a"][1], json!({"$binary": "AQID"}));
    assert_eq!(args, original);
}

#[test]
fn reconstruct_in_any_order_and_place() {
    let mut args = vec![
        json!({"x": {"deep": [{"_placeholder": true, "num": 1}]}}),
        json!({"_placeholder": true, "num": 0}),
    ];
    reconstruct(&mut args, &[b(b"zero"), b(b"one")]).unwrap();
    assert_eq!(
        args,
        [
            json!({"x": {"deep": [binary_value(b"one")]}}),
            binary_value(b"zero")
        ]
    );
    // Extra keys beside `_placeholder: true` do not matter (Node's rule).
    let mut args = vec![json!({"_placeholder": true, "num": 0, "extra": 1})];
    reconstruct(&mut args, &[b(&[7])]).unwrap();
    assert_eq!(args, [binary_value(&[7])]);
    // Objects that are not placeholders stay.
    let mut args = vec![
        json!({"_placeholder": false, "num": 0}),
        json!({"_placeholder": "true", "num": 0}),
        json!({"num": 0}),
    ];
    let before = args.clone();
    reconstruct(&mut args, &[]).unwrap();
    assert_eq!(args, before);
}

#[test]
fn hostile_placeholders() {
    let one = [b(&[1])];
    let cases: [(Value, BinaryError); 11] = [
        (
            json!({"_placeholder": true, "num": 1}),
            BinaryError::OutOfRange { num: 1, count: 1 },
        ),
        (
            json!({"_placeholder": true, "num": u64::MAX}),
            BinaryError::OutOfRange {
                num: u64::MAX,
                count: 1,
            },
        ),
        (
            json!({"_placeholder": true, "num": -1}),
            BinaryError::BadPlaceholder,
        ),
        (
            json!({"_placeholder": true, "num": 0.5}),
            BinaryError::BadPlaceholder,
        ),
        (
            json!({"_placeholder": true, "num": 0.0}),
            BinaryError::BadPlaceholder,
        ),
        (
            json!({"_placeholder": true, "num": 1e30}),
            BinaryError::BadPlaceholder,
        ),
        (
            json!({"_placeholder": true, "num": "0"}),
            BinaryError::BadPlaceholder,
        ),
        (
            json!({"_placeholder": true, "num": null}),
            BinaryError::BadPlaceholder,
        ),
        (json!({"_placeholder": true}), BinaryError::BadPlaceholder),
        (
            json!([{"a": {"_placeholder": true, "num": [0]}}]),
            BinaryError::BadPlaceholder,
        ),
        // One attachment named twice would be copied twice: refused.
        (
            json!([{"_placeholder": true, "num": 0}, {"k": {"_placeholder": true, "num": 0}}]),
            BinaryError::Reused(0),
        ),
    ];
    for (value, error) in cases {
        let mut args = vec![value.clone()];
        assert_eq!(reconstruct(&mut args, &one), Err(error), "{value}");
    }
    // Attachments nobody refers to.
    let mut args = vec![json!({"_placeholder": true, "num": 1})];
    assert_eq!(
        reconstruct(&mut args, &[b(&[1]), b(&[2])]),
        Err(BinaryError::Unused(0))
    );
    let mut args = vec![json!("no placeholders")];
    assert_eq!(reconstruct(&mut args, &one), Err(BinaryError::Unused(0)));
}

#[test]
fn hostile_binary_values() {
    for (value, error) in [
        (json!({"$binary": "!!"}), BinaryError::BadBase64),
        (json!({"$binary": "A"}), BinaryError::BadBase64),
        (json!({"$binary": "AQ=x"}), BinaryError::BadBase64),
        (json!({"$binary": "AR=="}), BinaryError::BadBase64), // non-zero trailing bits
        (json!({"$binary": 5}), BinaryError::NotAString),
        (json!([{"$binary": null}]), BinaryError::NotAString),
    ] {
        let mut args = vec![value.clone()];
        assert_eq!(extract(&mut args), Err(error), "{value}");
    }
    // `$binary` beside other keys is an ordinary object.
    let mut args = vec![json!({"$binary": "AQ==", "$type": "00"})];
    assert_eq!(extract(&mut args), Ok(vec![]));
}

#[test]
fn helpers() {
    assert_eq!(binary_value(&[1, 2, 3, 4]), json!({"$binary": "AQIDBA=="}));
    assert_eq!(
        is_binary(&json!({"$binary": "AQIDBA=="})),
        Some(vec![1, 2, 3, 4])
    );
    // Padding optional on the way in.
    assert_eq!(
        is_binary(&json!({"$binary": "AQIDBA"})),
        Some(vec![1, 2, 3, 4])
    );
    assert_eq!(is_binary(&json!({"$binary": "!"})), None);
    assert_eq!(is_binary(&json!({"$binary": "AQ==", "x": 1})), None);
    assert_eq!(is_binary(&json!("AQ==")), None);
    assert_eq!(placeholder(3), json!({"_placeholder": true, "num": 3}));
    assert_eq!(base64_encode(b"\xff\xfe"), "//4=");
    assert_eq!(base64_decode("//4"), Some(vec![0xff, 0xfe]));
    assert_eq!(base64_decode("-_4="), None); // URL-safe alphabet is not standard
}
