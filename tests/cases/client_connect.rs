//! `sockai connect`: script mode through stdin, and the REPL through a pseudo-terminal.
