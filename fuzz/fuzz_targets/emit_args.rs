//! The positional arguments of `sockai emit` and the connection flags' values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockai::cli;
use sockai::client::{args, value};

fuzz_target!(|input: (Vec<String>, &[u8])| {
    let (words, stdin) = input;
    // `@file` reads the file system; the fuzzer must not wander through /dev and /proc.
    let words: Vec<String> = words.into_iter().filter(|w| !w.starts_with('@')).collect();
    let _ = args::split_target(&words);
    let _ = value::resolve_args(&words, value::Stdin::Reader(&mut &stdin[..]));
    for word in &words {
        let _ = value::parse_value(word);
        let _ = args::looks_like_url(word);
        let _ = cli::parse_header(word);
        let _ = cli::parse_query(word);
        let _ = cli::parse_auth(word);
    }
});
