//! `sockai emit --assert` and `--assert-contains` expressions, checked against a payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockai::client::args;

fuzz_target!(|input: (&str, &str)| {
    let (expr, payload) = input;
    let payload = serde_json::from_str(payload)
        .unwrap_or_else(|_| serde_json::json!({"response": "echo: hi", "n": [1, 2, {"a": null}]}));
    if let Ok(assertion) = args::parse_assert_equals(expr) {
        let _ = assertion.check(&payload);
    }
    if let Ok(assertion) = args::parse_assert_contains(expr) {
        let _ = assertion.check(&payload);
    }
});
