//! Why `sockai bench` failed: the error line and the exit status main's reporter gives it.

use crate::client::connect::ConnectError;
use crate::wire;

/// Why `sockai bench` failed, and so its exit status.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Url(#[from] ConnectError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot write the summary: {0}")]
    Summary(serde_json::Error),
    /// The scenario does not parse: `file:line:column: why`, the line and a caret.
    #[error("{0}")]
    Scenario(String),
    /// `sockai bench merge`: a file that is not a summary, or does not match the others.
    #[error("{0}")]
    Merge(String),
    #[error("could not connect: {0}")]
    ScenarioConnect(String),
    #[error("{failed} failed passes, more than --max-errors {max_errors}; most frequent: {main}")]
    FailedPasses {
        failed: u64,
        max_errors: u64,
        main: String,
    },
    #[error("could not connect to {url}: {reason}")]
    NoConnection { url: String, reason: String },
    #[error(
        "{errors} errors (failed or dropped connections, failed round trips), more than \
         --max-errors {max_errors}; most frequent: {main}"
    )]
    TooManyErrors {
        errors: u64,
        max_errors: u64,
        main: String,
    },
}

impl wire::exit::Failure for BenchError {
    fn exit_code(&self) -> i32 {
        match self {
            // A bad URL or an impossible combination of flags.
            Self::Url(_) | Self::Usage(_) | Self::Scenario(_) | Self::Merge(_) => wire::exit::USAGE,
            Self::NoConnection { .. } | Self::ScenarioConnect(_) => wire::exit::CONNECT,
            Self::Runtime(_)
            | Self::Summary(_)
            | Self::TooManyErrors { .. }
            | Self::FailedPasses { .. } => wire::exit::FAILURE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_its_exit_status_and_one_line() {
        use crate::wire::exit::{self, Failure};
        let none = BenchError::NoConnection {
            url: "http://h:1".into(),
            reason: "connection refused".into(),
        };
        assert_eq!(none.exit_code(), exit::CONNECT);
        assert_eq!(
            none.to_string(),
            "could not connect to http://h:1: connection refused"
        );
        let many = BenchError::TooManyErrors {
            errors: 3,
            max_errors: 1,
            main: "no answer within 1s".into(),
        };
        assert_eq!(many.exit_code(), exit::FAILURE);
        assert_eq!(
            many.to_string(),
            "3 errors (failed or dropped connections, failed round trips), more than \
             --max-errors 1; most frequent: no answer within 1s"
        );
        assert_eq!(BenchError::Usage("x".into()).exit_code(), exit::USAGE);
        assert!(many.needs_report());
    }
}
