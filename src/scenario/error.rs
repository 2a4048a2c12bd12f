//! Why `sockai run` failed: the error line and the exit status main's reporter gives it.

use crate::wire;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A bad flag, a missing file or directory, a bad vars file.
    #[error("{0}")]
    Usage(String),
    /// Scenarios that do not parse (or use undefined variables); already shown on stderr.
    #[error("{0} scenario(s) do not parse")]
    Parse(usize),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// Tests failed; the report already says which.
    #[error("{failed} of {total} scenario(s) failed")]
    Failed { failed: usize, total: usize },
    /// A scenario could not connect; the report already says where.
    #[error("could not connect")]
    Connect,
    #[error("cannot write the JUnit report {path}: {reason}")]
    Report { path: String, reason: String },
}

impl wire::exit::Failure for RunError {
    fn exit_code(&self) -> i32 {
        match self {
            Self::Usage(_) | Self::Parse(_) => wire::exit::USAGE,
            Self::Connect => wire::exit::CONNECT,
            Self::Runtime(_) | Self::Failed { .. } | Self::Report { .. } => wire::exit::FAILURE,
        }
    }

    fn needs_report(&self) -> bool {
        !matches!(self, Self::Parse(_) | Self::Failed { .. } | Self::Connect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::exit::Failure;

    #[test]
    fn each_failure_has_its_exit_status() {
        assert_eq!(RunError::Parse(1).exit_code(), wire::exit::USAGE);
        assert!(!RunError::Parse(1).needs_report());
        assert_eq!(RunError::Connect.exit_code(), wire::exit::CONNECT);
        let failed = RunError::Failed {
            failed: 1,
            total: 2,
        };
        assert_eq!(failed.exit_code(), wire::exit::FAILURE);
        assert!(!failed.needs_report());
        assert!(RunError::Usage("x".into()).needs_report());
    }
}
