//! Whether sockai colours a stream: decided here once for every command.

use std::io::IsTerminal;

/// Colour on stdout: a terminal and no (non-empty) `NO_COLOR`.
pub fn stdout() -> bool {
    allowed() && std::io::stdout().is_terminal()
}

/// Colour on stderr: a terminal and no (non-empty) `NO_COLOR`.
pub fn stderr() -> bool {
    allowed() && std::io::stderr().is_terminal()
}

/// <https://no-color.org>: a non-empty `NO_COLOR` turns colour off.
fn allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
