//! sockai's modules, as a library so that the fuzz targets in `fuzz/` can reach the parsers.
//! The binary (`main.rs`) is the only intended user; this is not a stable API.

pub mod atomic;
pub mod bench;
pub mod cli;
pub mod client;
pub mod color;
pub mod duration;
pub mod generate;
pub mod heap;
pub mod logging;
pub mod protocol;
pub mod providers;
pub mod runtime;
pub mod scenario;
pub mod server;
pub mod sync;
pub mod wall_clock;
pub mod wire;
