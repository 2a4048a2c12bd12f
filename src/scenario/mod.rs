//! `sockai run`: scenarios, files of REPL commands and test steps (docs/scenarios.md), run
//! against Socket.IO servers as tests.
//!
//! [`parse`] reads a file into steps (pure), [`vars`] replaces `{{variables}}` and checks that
//! each is defined before anything is sent, [`matcher`] checks payloads, [`run`] runs a file's
//! steps on the client's [`Connection`](crate::client::connection::Connection)s, [`report`]
//! prints the results and writes JUnit XML. Nothing here uses the server or the command line.

pub mod check;
pub mod matcher;
pub mod parse;
pub mod vars;

#[cfg(test)]
mod tests;
