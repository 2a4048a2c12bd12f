//! An HTTP long-polling body, Engine.IO v3 (text and XHR2 binary forms) and v4. Whatever decodes
//! must encode back to a body that decodes to the same packets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockai::protocol::Limits;
use sockai::protocol::engineio::{EngineVersion, decode_payload, encode_payload};

fuzz_target!(|input: (u8, &[u8])| {
    let (max_packets, body) = input;
    let limits = Limits {
        max_payload: 4096,
        max_attachments: 10,
        max_packets: usize::from(max_packets),
    };
    for version in [EngineVersion::V3, EngineVersion::V4] {
        let Ok(packets) = decode_payload(version, body, &limits) else {
            continue;
        };
        assert!(packets.len() <= limits.max_packets);
        let mut encoded = Vec::new();
        encode_payload(version, &packets, &mut encoded);
        // Base64 makes binary longer than the XHR2 form: no size limit on the way back.
        let unlimited = Limits {
            max_payload: usize::MAX,
            ..limits
        };
        match decode_payload(version, &encoded, &unlimited) {
            Ok(again) => assert_eq!(again, packets, "{version:?} {encoded:?}"),
            Err(error) => panic!("{version:?} {encoded:?} does not decode: {error}"),
        }
    }
});
