//! The global allocator: mimalloc, counted. `GET /health` reports the live heap bytes, so a test
//! (or an operator) can check that memory goes back to its baseline after clients come and go.
//!
//! Why mimalloc: a round trip allocates and frees about eighteen blocks, and glibc's malloc
//! spent ~2,400 instructions per round trip on them (a multi-threaded process takes its arena
//! lock on every call that misses the thread cache); mimalloc ~1,300, with the memory per held
//! socket unchanged (docs/performance.md, ninth round). Its v2 line: v3's aligned allocation
//! path, which Rust's `GlobalAlloc` always takes, measured slower here.
//!
//! The count costs one locked add per allocation and per free (~36 per round trip, ~0.25 µs
//! of the event loop's time, measured in the same round); reading RSS instead would not work,
//! as an allocator keeps freed pages.

use cap::Cap;
use mimalloc::MiMalloc;

#[global_allocator]
static HEAP: Cap<MiMalloc> = Cap::new(MiMalloc, usize::MAX);

/// Bytes currently allocated on the heap by this process.
pub fn live_bytes() -> usize {
    HEAP.allocated()
}
