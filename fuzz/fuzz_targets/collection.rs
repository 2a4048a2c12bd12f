//! A collection of saved messages (`sockai connect --collection`): parsing, its blocks' steps
//! and rendering must never panic, and what is rendered parses back to the same collection.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockai::client::collection::Collection;

fuzz_target!(|text: &str| {
    if let Ok(collection) = Collection::parse(text) {
        for block in &collection.blocks {
            let _ = block.steps();
        }
        let again = Collection::parse(&collection.render()).expect("a rendered collection parses");
        assert_eq!(again.names(), collection.names());
    }
});
