//! A scenario file for `sockai run`: parsing, the variable scanner and the static check must
//! never panic, whatever the text.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use sockai::scenario::{check, parse, vars};

fuzz_target!(|text: &str| {
    let _ = vars::references(text);
    let _ = vars::placeholders(text);
    let _ = vars::substitute(text, &|name| Some(name.to_owned()));
    let _ = parse::words(text);
    if let Ok(scenario) = parse::parse(text) {
        let known: HashSet<String> = ["url".to_owned()].into();
        let _ = check::check_variables(&scenario, &known, &|_| true);
    }
});
