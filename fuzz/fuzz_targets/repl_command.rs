//! A line typed at the `sockai connect` prompt (or read from a script).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockai::client::{args, command};

fuzz_target!(|line: &str| {
    let _ = command::parse(line);
    let _ = args::split_words(line);
    let _ = args::open_brackets(line);
    let _ = args::rest_of_line(line);
});
