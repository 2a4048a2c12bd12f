//! Why `sockai connect` or `sockai emit` failed: the error line and the exit status main's
//! reporter gives it.

use super::connect::ConnectError;
use super::emit::EmitError;
use crate::wire;

/// Why `sockai connect` or `sockai emit` failed, and so its exit status.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A bad argument, found before anything connected.
    #[error("{0}")]
    Usage(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// A scripted REPL command failed; its transcript already shows which.
    #[error("a scripted command failed")]
    Script,
}

impl wire::exit::Failure for ClientError {
    fn exit_code(&self) -> i32 {
        match self {
            Self::Usage(_) => wire::exit::USAGE,
            Self::Connect(e) if e.is_usage() => wire::exit::USAGE,
            Self::Connect(_) => wire::exit::CONNECT,
            Self::Emit(e) => e.exit_code(),
            Self::Runtime(_) | Self::Script => wire::exit::FAILURE,
        }
    }

    fn needs_report(&self) -> bool {
        !matches!(self, Self::Script)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::exit::Failure;

    #[test]
    fn each_failure_has_its_exit_status() {
        assert_eq!(
            ClientError::Usage("x".into()).exit_code(),
            wire::exit::USAGE
        );
        let refused = ConnectError::Refused {
            url: "u".into(),
            port: 1,
        };
        assert_eq!(ClientError::from(refused).exit_code(), wire::exit::CONNECT);
        let bad_url = ConnectError::InvalidUrl {
            url: "u".into(),
            reason: "r".into(),
        };
        assert_eq!(ClientError::from(bad_url).exit_code(), wire::exit::USAGE);
        // A failed script already showed what failed on its transcript.
        assert_eq!(ClientError::Script.exit_code(), wire::exit::FAILURE);
        assert!(!ClientError::Script.needs_report());
        assert!(ClientError::Usage("x".into()).needs_report());
    }
}
