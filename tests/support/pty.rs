//! `sockai connect`'s REPL on a pseudo-terminal, as a user runs it.

use expectrl::session::OsSession;
use expectrl::{Expect, Session};

use super::{WAIT, sockai_path};

/// `sockai connect URL` on a pty, connected and prompting; the history lives in the temp dir.
pub fn repl(url: &str) -> (OsSession, tempfile::TempDir) {
    repl_with(url, &[])
}

/// `sockai connect URL ARGS` on a pty, connected and prompting; the history lives in the temp
/// dir.
pub fn repl_with(url: &str, args: &[&str]) -> (OsSession, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(sockai_path());
    command
        .args(["connect", url, "--history-file"])
        .arg(dir.path().join("history"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env_remove("RUST_LOG");
    let mut repl = Session::spawn(command).expect("spawn sockai connect on a pty");
    repl.set_expect_timeout(Some(WAIT));
    repl.expect("connected to").unwrap();
    repl.expect("sockai> ").unwrap();
    (repl, dir)
}
