//! `GET /`'s content negotiation: any `Accept` values (a browser's, an API client's, garbage)
//! pick the page or the JSON description, and never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockai::server::prefers_html;

fuzz_target!(|values: Vec<&str>| {
    let html = prefers_html(values.iter().copied());
    // Joining the values with commas is one header saying the same.
    assert_eq!(html, prefers_html([values.join(",").as_str()]));
});
