//! Which incoming events the REPL shows: `on`, `off` and `only`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

/// What the session shows of incoming events.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Filter {
    All { hidden: BTreeSet<String> },
    Only { shown: BTreeSet<String> },
}

impl Filter {
    pub(super) fn shows(&self, name: &str) -> bool {
        match self {
            Self::All { hidden } => !hidden.contains(name),
            Self::Only { shown } => shown.contains(name),
        }
    }

    pub(super) fn describe(&self) -> Value {
        match self {
            Self::All { hidden } => json!({ "show": "all", "hidden": hidden }),
            Self::Only { shown } => json!({ "show": "only", "shown": shown }),
        }
    }

    pub(super) fn human(&self) -> String {
        match self {
            Self::All { hidden } if hidden.is_empty() => "showing every event".to_owned(),
            Self::All { hidden } => format!(
                "showing every event except {}",
                hidden.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            Self::Only { shown } if shown.is_empty() => "showing no events".to_owned(),
            Self::Only { shown } => format!(
                "showing only {}",
                shown.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_show_and_hide() {
        let mut filter = Filter::All {
            hidden: BTreeSet::new(),
        };
        assert!(filter.shows("x"));
        if let Filter::All { hidden } = &mut filter {
            hidden.insert("x".into());
        }
        assert!(!filter.shows("x"));
        assert!(filter.shows("y"));
        let only = Filter::Only {
            shown: ["a".to_owned()].into(),
        };
        assert!(only.shows("a"));
        assert!(!only.shows("b"));
        assert_eq!(only.human(), "showing only a");
    }
}
