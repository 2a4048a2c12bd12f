//! Variables: `{{name}}` and `{{env.NAME}}` in a scenario's text, where they come from, and the
//! static check that every one is defined before anything is sent.
//!
//! Pure: the environment is a lookup the caller passes in.

/// Longest variable name accepted.
const MAX_NAME: usize = 128;

/// Is this a variable name (`room`, `user_id`, `env.HOME`)?
pub fn valid_name(name: &str) -> bool {
    let plain = name.strip_prefix("env.").unwrap_or(name);
    !plain.is_empty()
        && name.len() <= MAX_NAME
        && plain
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && plain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The variables used in `text`, with the character offset of their `{{`; an error (offset,
/// message) for an unclosed `{{` or a bad name.
pub fn references(text: &str) -> Result<Vec<(usize, String)>, (usize, String)> {
    let mut found = Vec::new();
    let mut rest = text;
    let mut base = 0;
    while let Some(at) = rest.find("{{") {
        let offset = text[..base + at].chars().count();
        let after = &rest[at + 2..];
        let Some(end) = after.find("}}") else {
            return Err((
                offset,
                "unclosed {{: a variable is written {{name}}".to_owned(),
            ));
        };
        let name = after[..end].trim();
        if !valid_name(name) {
            return Err((
                offset,
                format!("{name:?} is not a variable name (letters, digits, _ and -)"),
            ));
        }
        found.push((offset, name.to_owned()));
        base += at + 2 + end + 2;
        rest = &text[base..];
    }
    Ok(found)
}

/// Replace every `{{name}}` with its value from `lookup`. Inside a JSON string (a `"` opened
/// and not closed before the variable) the value is escaped as JSON string content, so a
/// captured value holding quotes cannot break the JSON around it.
pub fn substitute(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    replace(text, &|name, in_string, _| {
        let value = lookup(name)?;
        Some(if in_string {
            let quoted = serde_json::Value::String(value).to_string();
            quoted[1..quoted.len() - 1].to_owned()
        } else {
            value
        })
    })
}

/// `text` with each variable replaced by a stand-in of the same length (`1000` outside a JSON
/// string, `xxxx` inside), so that a static check reports the columns of the text as written.
pub fn placeholders(text: &str) -> String {
    replace(text, &|_, in_string, len| {
        Some(if in_string {
            "x".repeat(len)
        } else {
            format!("1{}", "0".repeat(len.saturating_sub(1)))
        })
    })
    .unwrap_or_else(|_| text.to_owned())
}

/// The one scanner: each `{{name}}` becomes `value(name, inside a JSON string, its length)`.
fn replace(
    text: &str,
    value: &dyn Fn(&str, bool, usize) -> Option<String>,
) -> Result<String, String> {
    if !text.contains("{{") {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with("{{")
            && let Some(end) = rest[2..].find("}}")
        {
            let name = rest[2..2 + end].trim();
            let value = value(name, in_string, end + 4)
                .ok_or_else(|| format!("undefined variable {{{{{name}}}}}"))?;
            out.push_str(&value);
            i += 2 + end + 2;
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            _ => {}
        }
        out.push(c);
        i += c.len_utf8();
    }
    Ok(out)
}

/// The readers of the values a run starts with: `--vars-file` lines, then `--var` flags (later
/// wins).
pub struct Vars;

impl Vars {
    /// `name=value`.
    pub fn parse_assignment(text: &str) -> Result<(String, String), String> {
        let (name, value) = text
            .split_once('=')
            .ok_or_else(|| format!("expected name=value, got {text:?}"))?;
        let name = name.trim();
        if !valid_name(name) || name.starts_with("env.") {
            return Err(format!("{name:?} is not a variable name"));
        }
        Ok((name.to_owned(), value.to_owned()))
    }

    /// A vars file: `name=value` lines; blank lines and `#` comments are skipped. Errors name
    /// the line.
    pub fn parse_file(text: &str) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let pair =
                Self::parse_assignment(trimmed).map_err(|e| format!("line {}: {e}", n + 1))?;
            out.push(pair);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_with_their_offsets() {
        assert_eq!(
            references("emit x {\"a\": \"{{ room }}\"} {{env.HOME}}").unwrap(),
            vec![(14, "room".to_owned()), (27, "env.HOME".to_owned())]
        );
        assert!(references("a {{b").is_err());
        assert!(references("a {{b c}}").is_err());
        assert!(references("{{}}").is_err());
    }

    #[test]
    fn values_are_escaped_inside_json_strings() {
        let lookup = |name: &str| match name {
            "q" => Some("say \"hi\"".to_owned()),
            "n" => Some("42".to_owned()),
            _ => None,
        };
        assert_eq!(
            substitute("{\"t\": \"{{q}}\", \"n\": {{n}}} {{q}}", &lookup).unwrap(),
            "{\"t\": \"say \\\"hi\\\"\", \"n\": 42} say \"hi\""
        );
        assert!(
            substitute("{{nope}}", &lookup)
                .unwrap_err()
                .contains("nope")
        );
        assert_eq!(substitute("héllo", &lookup).unwrap(), "héllo");
    }

    #[test]
    fn vars_files_are_name_value_lines() {
        let vars = Vars::parse_file("# c\n\nurl=http://x\ntoken = a=b\n").unwrap();
        assert_eq!(
            vars,
            vec![
                ("url".to_owned(), "http://x".to_owned()),
                ("token".to_owned(), " a=b".to_owned())
            ]
        );
        assert!(
            Vars::parse_file("ok=1\nbroken\n")
                .unwrap_err()
                .starts_with("line 2")
        );
    }
}
