//! The scenario language's checks and variables for `sockai connect`'s prompt, where `expect`
//! and `capture` work as in a scenario. The client cannot import this module (it imports the
//! client), so main hands these functions to it.

use serde_json::Value;

use super::matcher::Matcher;
use super::vars;
use crate::client::{PayloadCheck, ScenarioSyntax};

pub fn syntax() -> ScenarioSyntax {
    ScenarioSyntax {
        check,
        substitute: vars::substitute,
    }
}

/// `POINTER TEST [VALUE]` → its check (the variables are already replaced).
fn check(words: &[String]) -> Result<PayloadCheck, String> {
    let matcher = Matcher::parse(words)?;
    let resolved = matcher.resolve(&|_| None)?;
    Ok(Box::new(move |payload: &Value| {
        matcher
            .check(&resolved, payload)
            .map_err(|why| format!("expected {}: {why}", matcher.describe()))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_prompt_checks_as_a_scenario_does() {
        let syntax = syntax();
        let words = |text: &str| text.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let check = (syntax.check)(&words("/n == 2")).unwrap();
        assert!(check(&json!({"n": 2})).is_ok());
        assert_eq!(
            check(&json!({"n": 3})).unwrap_err(),
            "expected /n == 2: /n is 3, expected 2"
        );
        assert!((syntax.check)(&words("n == 2")).is_err());
        let lookup = |name: &str| (name == "room").then(|| "lobby".to_owned());
        assert_eq!(
            (syntax.substitute)("ack join {\"room\": \"{{room}}\"}", &lookup).unwrap(),
            "ack join {\"room\": \"lobby\"}"
        );
        assert!((syntax.substitute)("{{nope}}", &lookup).is_err());
    }

    /// What `save NAME` writes is a scenario `sockai run` runs: `## NAME` is a comment to it.
    #[test]
    fn a_collection_of_saved_messages_is_a_scenario() {
        let mut collection = crate::client::collection::Collection::default();
        collection.save("join", vec!["ack join {\"room\": \"lobby\"}".into()]);
        collection.save(
            "quiz",
            vec![
                "emit quiz".into(),
                "expect question . == \"2+2?\"".into(),
                "reply question 4".into(),
            ],
        );
        let scenario = super::super::parse::parse(&collection.render()).unwrap();
        let texts: Vec<&str> = scenario.steps.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "connect",
                "ack join {\"room\": \"lobby\"}",
                "emit quiz",
                "expect question . == \"2+2?\"",
                "reply question 4"
            ]
        );
    }
}
