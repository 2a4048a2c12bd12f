//! The one integration-test binary: every case drives the real `sockai` binary.

mod cases;
mod support;
