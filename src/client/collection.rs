//! Saved messages: a collection file of named blocks, kept by `save NAME` in `sockai connect`
//! and run as it is by `sockai run` (docs/scenarios.md, "Saved messages").
//!
//! ```text
//! # comments and blank lines are kept as written
//! ## greet
//! emit chat {"text": "hi"}
//!
//! ## join-lobby
//! ack join {"room": "lobby"}
//! expect ack /ok == true
//! ```
//!
//! A `## NAME` line starts a block; its body runs to the next heading. To the scenario parser a
//! heading is a comment, so the file is also a scenario that runs every block in order. The
//! text is parsed here (pure); [`load`] and [`store`] read and replace the file (atomically).

use std::path::{Path, PathBuf};

use super::args::open_brackets;

/// Where saved messages live when `--collection` does not say: the working directory.
pub const DEFAULT_FILE: &str = "saved.sockai";
/// Largest collection read.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;
/// Longest name of a saved block.
const MAX_NAME: usize = 64;

/// One saved block: its name and the lines under its heading, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub name: String,
    /// 1-based line of the heading.
    pub line: usize,
    /// The body's physical lines, trailing blank lines left out.
    pub body: Vec<String>,
}

/// A collection file, parsed: what comes before the first heading, then the blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collection {
    pub preamble: Vec<String>,
    pub blocks: Vec<Block>,
}

/// A problem in a collection file, at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionError {
    pub line: usize,
    pub message: String,
}

/// Is this a name a block may have? Letters, digits, `_` and `-`, not starting with a digit
/// or `-`.
pub fn valid_name(name: &str) -> bool {
    name.len() <= MAX_NAME
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Collection {
    pub fn parse(text: &str) -> Result<Self, CollectionError> {
        let mut collection = Collection::default();
        let lines: Vec<&str> = text.split('\n').collect();
        let last = if text.ends_with('\n') {
            lines.len() - 1
        } else {
            lines.len()
        };
        for (index, raw) in lines[..last].iter().enumerate() {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let number = index + 1;
            if let Some(rest) = line.strip_prefix("##") {
                let name = rest.trim();
                if !valid_name(name) {
                    return Err(CollectionError {
                        line: number,
                        message: format!(
                            "{line:?}: a block heading is `## NAME` (letters, digits, _ and -, \
                             at most {MAX_NAME})"
                        ),
                    });
                }
                if let Some(first) = collection.get(name) {
                    return Err(CollectionError {
                        line: number,
                        message: format!("{name:?} is saved twice (first at line {})", first.line),
                    });
                }
                collection.blocks.push(Block {
                    name: name.to_owned(),
                    line: number,
                    body: Vec::new(),
                });
                continue;
            }
            match collection.blocks.last_mut() {
                Some(block) => block.body.push(line.to_owned()),
                None if line.trim().is_empty() || line.trim_start().starts_with('#') => {
                    collection.preamble.push(line.to_owned());
                }
                None => {
                    return Err(CollectionError {
                        line: number,
                        message: "a step before the first `## NAME` heading: every saved line \
                                  belongs to a named block"
                            .to_owned(),
                    });
                }
            }
        }
        for block in &mut collection.blocks {
            while block.body.last().is_some_and(|l| l.trim().is_empty()) {
                block.body.pop();
            }
        }
        Ok(collection)
    }

    /// The file's text: the preamble, then each block under its heading, a blank line between.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for line in &self.preamble {
            text.push_str(line);
            text.push('\n');
        }
        for block in &self.blocks {
            if !text.is_empty() && !text.ends_with("\n\n") {
                text.push('\n');
            }
            text.push_str("## ");
            text.push_str(&block.name);
            text.push('\n');
            for line in &block.body {
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }

    pub fn get(&self, name: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// Keep `body` under `name`, replacing a block of that name; `true` when one was replaced.
    pub fn save(&mut self, name: &str, body: Vec<String>) -> bool {
        if let Some(block) = self.blocks.iter_mut().find(|b| b.name == name) {
            block.body = body;
            return true;
        }
        if self.blocks.is_empty() && self.preamble.is_empty() {
            self.preamble = vec![
                "# Saved messages of `sockai connect` (`save NAME`, `saved`, then type NAME)."
                    .to_owned(),
                "# Each `## NAME` block is a small scenario; `sockai run` runs the whole file."
                    .to_owned(),
            ];
        }
        self.blocks.push(Block {
            name: name.to_owned(),
            line: 0,
            body,
        });
        false
    }

    pub fn names(&self) -> Vec<String> {
        self.blocks.iter().map(|b| b.name.clone()).collect()
    }
}

impl Block {
    /// The block's steps: logical lines (a line with an unclosed `{`/`[` goes on on the next
    /// one), blank and comment lines left out.
    pub fn steps(&self) -> Vec<String> {
        let mut steps = Vec::new();
        let mut pending = String::new();
        for line in &self.body {
            if pending.is_empty() && (line.trim().is_empty() || line.trim_start().starts_with('#'))
            {
                continue;
            }
            if !pending.is_empty() {
                pending.push('\n');
            }
            pending.push_str(line);
            if open_brackets(&pending) <= 0 {
                steps.push(std::mem::take(&mut pending).trim().to_owned());
            }
        }
        if !pending.is_empty() {
            steps.push(pending.trim().to_owned());
        }
        steps
    }
}

/// The collection at `path`; an empty one when the file does not exist yet. The error is one
/// line: `FILE:LINE: why` (or `FILE: why`).
pub fn load(path: &Path) -> Result<Collection, String> {
    use std::io::Read;
    let shown = path.display();
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Collection::default()),
        Err(e) => return Err(format!("{shown}: {e}")),
    };
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{shown}: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!(
            "{shown}: larger than {} MiB",
            MAX_BYTES / (1024 * 1024)
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("{shown}: not UTF-8 text"))?;
    Collection::parse(&text).map_err(|e| format!("{shown}:{}: {}", e.line, e.message))
}

/// Replace the file with `collection` (a temporary file beside it, then a rename).
pub fn store(path: &Path, collection: &Collection) -> Result<(), String> {
    crate::atomic::write_atomically(path, &collection.render())
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// `--collection FILE`, else [`DEFAULT_FILE`] in the working directory.
pub fn path_or_default(given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| PathBuf::from(DEFAULT_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# mine\n\n## greet\nemit chat {\"text\": \"hi\"}\n\n## join-lobby\n# a flow\nack join {\n  \"room\": \"lobby\"\n}\nexpect ack /ok == true\n";

    #[test]
    fn blocks_parse_and_render_back_unchanged() {
        let collection = Collection::parse(FILE).unwrap();
        assert_eq!(collection.names(), ["greet", "join-lobby"]);
        assert_eq!(collection.blocks[1].line, 6);
        assert_eq!(
            collection.get("join-lobby").unwrap().steps(),
            [
                "ack join {\n  \"room\": \"lobby\"\n}",
                "expect ack /ok == true"
            ]
        );
        assert_eq!(collection.render(), FILE);
    }

    #[test]
    fn saving_replaces_or_appends() {
        let mut collection = Collection::parse(FILE).unwrap();
        assert!(collection.save("greet", vec!["emit chat bye".into()]));
        assert!(!collection.save("new", vec!["sleep 1s".into()]));
        let again = Collection::parse(&collection.render()).unwrap();
        assert_eq!(again.get("greet").unwrap().steps(), ["emit chat bye"]);
        assert_eq!(again.get("new").unwrap().steps(), ["sleep 1s"]);
        assert_eq!(again.preamble, ["# mine", ""]);
        let mut fresh = Collection::default();
        fresh.save("a", vec!["emit a".into()]);
        let text = fresh.render();
        assert!(text.starts_with("# Saved messages"), "{text}");
        assert_eq!(Collection::parse(&text).unwrap().names(), ["a"]);
    }

    #[test]
    fn mistakes_name_their_line() {
        let e = Collection::parse("## ok\nemit a\n## bad name\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("## NAME"), "{}", e.message);
        let e = Collection::parse("## a\n## a\n").unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "\"a\" is saved twice (first at line 1)")
        );
        let e = Collection::parse("# fine\nemit x\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(Collection::parse("##\n").is_err());
        assert!(Collection::parse("## 1a\n").is_err());
    }

    /// A cheap fuzz in `cargo test` (fuzz/fuzz_targets/collection.rs is the real one): every
    /// cut and splice of a collection parses or is refused, without a panic, and what parses
    /// renders to text that parses back to the same names and steps.
    #[test]
    fn mangled_collections_never_panic_and_round_trip() {
        let chars: Vec<char> = FILE.chars().collect();
        for cut in 0..=chars.len() {
            for insert in ["", "##", "## x\n", "{", "\r\n", "é"] {
                let mangled: String = chars[..cut]
                    .iter()
                    .copied()
                    .chain(insert.chars())
                    .chain(chars[cut..].iter().copied())
                    .collect();
                if let Ok(collection) = Collection::parse(&mangled) {
                    let again = Collection::parse(&collection.render()).unwrap();
                    assert_eq!(again.names(), collection.names(), "{mangled:?}");
                    for (a, b) in again.blocks.iter().zip(&collection.blocks) {
                        assert_eq!(a.steps(), b.steps(), "{mangled:?}");
                    }
                }
            }
        }
    }
}
