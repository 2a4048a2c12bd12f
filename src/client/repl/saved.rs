//! Saved messages: `save NAME [--last N | COMMAND …]`, `saved`, and `NAME` (or `run NAME`) to
//! send a saved block again. The collection file is read afresh each time (another session may
//! have saved to it) and replaced atomically; a file that does not parse is never written.

use serde_json::json;

use super::session::{Flow, Session};
use super::steps::reserved;
use crate::client::args::rest_of_line;
use crate::client::collection::{self, Collection};

/// Lines remembered for `save NAME --last N`.
pub(super) const MAX_REMEMBERED: usize = 100;

impl Session<'_> {
    /// A line that ran: what `save` keeps.
    pub(super) fn remember(&mut self, line: &str) {
        if self.remembered.len() >= MAX_REMEMBERED {
            self.remembered.pop_front();
        }
        self.remembered.push_back(line.to_owned());
    }

    fn load_collection(&mut self) -> Result<Collection, String> {
        let collection = collection::load(&self.settings.collection)?;
        if let Ok(mut names) = self.saved_names.lock() {
            *names = collection.names();
        }
        Ok(collection)
    }

    pub(super) fn is_saved(&self, name: &str) -> bool {
        self.saved_names
            .lock()
            .map(|names| names.iter().any(|n| n == name))
            .unwrap_or(false)
    }

    pub(super) fn save(&mut self, typed: &str, words: &[String]) -> Flow {
        if let Err(message) = self.try_save(typed, words) {
            self.fail(&message);
        }
        Flow::Continue
    }

    fn try_save(&mut self, typed: &str, words: &[String]) -> Result<(), String> {
        let usage = "usage: save NAME (the last command), save NAME --last N, save NAME COMMAND…";
        let name = words.get(1).ok_or(usage)?;
        if !collection::valid_name(name) {
            return Err(format!(
                "{name:?} cannot name a saved block: a letter or _, then letters, digits, _ or -"
            ));
        }
        if reserved(name) {
            return Err(format!(
                "{name:?} is a command: choose another name for the saved block"
            ));
        }
        let body: Vec<String> = match &words[2..] {
            [] => vec![
                self.remembered
                    .back()
                    .cloned()
                    .ok_or("nothing to save yet: type a command first, or save NAME COMMAND…")?,
            ],
            [flag, n] if flag == "--last" => {
                let n: usize = n
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--last takes a number of lines, 1 or more")?;
                if n > self.remembered.len() {
                    return Err(format!(
                        "only {} command(s) so far to save",
                        self.remembered.len()
                    ));
                }
                self.remembered
                    .iter()
                    .skip(self.remembered.len() - n)
                    .cloned()
                    .collect()
            }
            _ => {
                let command = rest_of_line(rest_of_line(typed));
                check(command)?;
                vec![command.to_owned()]
            }
        };
        let lines: Vec<String> = body
            .iter()
            .flat_map(|step| step.lines().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        let mut collection = self.load_collection()?;
        let replaced = collection.save(name, lines.clone());
        collection::store(&self.settings.collection, &collection)?;
        if let Ok(mut names) = self.saved_names.lock() {
            *names = collection.names();
        }
        let file = self.settings.collection.display().to_string();
        if self.json {
            self.printer.record(
                "saved",
                json!({ "name": name, "lines": lines, "file": file, "replaced": replaced }),
            );
        } else {
            let verb = if replaced { "replaced" } else { "saved" };
            let count = if body.len() == 1 {
                "1 step".to_owned()
            } else {
                format!("{} steps", body.len())
            };
            self.info(&format!(
                "{verb} {name} ({count}) in {file}; type {name} to send it again"
            ));
        }
        Ok(())
    }

    pub(super) fn list_saved(&mut self) -> Flow {
        let collection = match self.load_collection() {
            Ok(collection) => collection,
            Err(message) => {
                self.fail(&message);
                return Flow::Continue;
            }
        };
        let file = self.settings.collection.display().to_string();
        if self.json {
            let blocks: Vec<_> = collection
                .blocks
                .iter()
                .map(|b| json!({ "name": b.name, "steps": b.steps() }))
                .collect();
            self.printer
                .record("saved", json!({ "file": file, "blocks": blocks }));
            return Flow::Continue;
        }
        if collection.blocks.is_empty() {
            self.info(&format!(
                "nothing saved in {file} yet: `save NAME` keeps the last command"
            ));
            return Flow::Continue;
        }
        let width = collection
            .blocks
            .iter()
            .map(|b| b.name.chars().count())
            .max()
            .unwrap_or(0);
        let mut lines = Vec::new();
        for block in &collection.blocks {
            let steps = block.steps();
            let first = steps
                .first()
                .map(|s| s.lines().next().unwrap_or_default().to_owned())
                .unwrap_or_default();
            let more = match steps.len() {
                0 | 1 => String::new(),
                n => format!("  (+{} more)", n - 1),
            };
            lines.push(format!("  {:width$}  {first}{more}", block.name));
        }
        lines.push(format!(
            "{} saved in {file}; type a name to send it again",
            collection.blocks.len()
        ));
        self.printer.out(&lines.join("\n"));
        Flow::Continue
    }

    /// Queue a saved block's steps: they run one by one, each waiting as it would typed.
    pub(super) fn run_saved(&mut self, name: &str, from_block: bool) -> Flow {
        if from_block {
            self.fail(&format!(
                "a saved block cannot run another ({name}): copy its lines instead"
            ));
            return Flow::Continue;
        }
        let collection = match self.load_collection() {
            Ok(collection) => collection,
            Err(message) => {
                self.fail(&message);
                return Flow::Continue;
            }
        };
        let Some(block) = collection.get(name) else {
            let known = collection.names();
            self.fail(&if known.is_empty() {
                format!("nothing saved as {name:?} (nothing saved yet)")
            } else {
                format!("nothing saved as {name:?} (saved: {})", known.join(", "))
            });
            return Flow::Continue;
        };
        let steps = block.steps();
        if self.json {
            self.printer
                .record("run", json!({ "name": name, "steps": steps.len() }));
        } else {
            self.info(&format!("── {name}"));
        }
        self.queued.extend(steps);
        Flow::Continue
    }
}

/// A command given to `save NAME …` must be one the REPL can run.
fn check(command: &str) -> Result<(), String> {
    let first = command.split_whitespace().next().unwrap_or_default();
    if first.is_empty() {
        return Err("save NAME COMMAND…: the command is missing".to_owned());
    }
    let step = ["expect", "capture", "sleep", "reply"].contains(&first)
        || first == "."
        || first.starts_with('/')
        || command.contains("{{");
    if step {
        return Ok(());
    }
    crate::client::command::parse(command)
        .map(|_| ())
        .map_err(|e| format!("not saved: {e}"))
}
