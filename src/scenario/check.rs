//! The static check before a run: every `{{variable}}` is defined by a flag, a vars file, the
//! environment or a capture on an earlier line.

use std::collections::HashSet;

use super::parse::{ParseError, Scenario, StepKind, caret};
use super::vars;

pub fn check_variables(
    scenario: &Scenario,
    known: &HashSet<String>,
    env: &dyn Fn(&str) -> bool,
) -> Result<(), ParseError> {
    let mut captured = HashSet::new();
    for step in &scenario.steps {
        let at = |offset: usize, message: String| {
            let before: String = step.text.chars().take(offset).collect();
            let extra = before.matches('\n').count();
            let column = match before.rfind('\n') {
                Some(nl) => before[nl + 1..].chars().count(),
                None => step.indent + offset,
            };
            let line_text = step.text.split('\n').nth(extra).unwrap_or_default();
            let shown = if extra == 0 {
                format!("{}{line_text}", " ".repeat(step.indent))
            } else {
                line_text.to_owned()
            };
            ParseError {
                line: step.line + extra,
                column: column + 1,
                message,
                excerpt: caret(&shown, column + 1),
            }
        };
        let found = vars::references(&step.text).map_err(|(offset, m)| at(offset, m))?;
        for (offset, name) in found {
            let defined = match name.strip_prefix("env.") {
                Some(env_name) => env(env_name),
                None => known.contains(&name) || captured.contains(&name),
            };
            if !defined {
                let how = if name.starts_with("env.") {
                    "the environment has no such variable".to_owned()
                } else {
                    format!(
                        "define it with --var {name}=VALUE, in a --vars-file, or with a capture \
                         on an earlier line"
                    )
                };
                return Err(at(
                    offset,
                    format!("undefined variable {{{{{name}}}}}: {how}"),
                ));
            }
        }
        if let StepKind::Capture { name, .. } = &step.kind {
            captured.insert(name.clone());
        }
    }
    Ok(())
}
