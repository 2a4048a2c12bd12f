//! Shell completions and man pages, generated from the clap definition in `src/cli/`.
//!
//! `completions/` and `doc/` hold the output of `scripts/regenerate.sh`, which calls
//! `sockai completions` and `sockai man`; a test fails when the checked-in copies are stale.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("no subcommand {0:?}; try `sockai --help`")]
    UnknownSubcommand(String),
    #[error("cannot write to stdout: {0}")]
    Io(#[from] io::Error),
}

impl crate::wire::exit::Failure for GenerateError {
    fn exit_code(&self) -> i32 {
        match self {
            Self::UnknownSubcommand(_) => crate::wire::exit::USAGE,
            Self::Io(_) => crate::wire::exit::FAILURE,
        }
    }
}

/// Print the completion script for `shell` on stdout.
pub fn print_completions(shell: Shell) -> Result<(), GenerateError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "sockai", &mut script);
    write_stdout(&script)
}

/// Print the man page of `sockai`, or of one of its subcommands, as roff on stdout.
pub fn print_man(subcommand: Option<&str>) -> Result<(), GenerateError> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Building names subcommands `sockai-<name>`, as man pages are named.
    cmd.build();
    let page = match subcommand {
        None => cmd,
        Some(name) => cmd
            .find_subcommand(name)
            .cloned()
            .ok_or_else(|| GenerateError::UnknownSubcommand(name.to_owned()))?,
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page).render(&mut roff)?;
    write_stdout(&roff)
}

fn write_stdout(bytes: &[u8]) -> Result<(), GenerateError> {
    match io::stdout().lock().write_all(bytes) {
        // `sockai completions bash | head` is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
