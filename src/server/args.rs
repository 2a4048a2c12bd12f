//! `Args`: every argument of an event, in order, for the log lines.

use std::fmt;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Args(pub Vec<Value>);

impl fmt::Display for Args {
    /// One argument prints as itself, several as a JSON array.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "{one}"),
            many => write!(f, "{}", Value::Array(many.to_vec())),
        }
    }
}
