//! What `sockai run` prints (one line per file, the failure's place and what arrived instead;
//! or `--json` lines) and the JUnit XML report.

use std::time::Duration;

use std::io::Write;

use serde_json::json;

use super::run::{Failure, StepDone};

/// How one file ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Passed {
        steps: usize,
    },
    Failed(Failure),
    /// Not run: `--fail-fast` after a failure, or the run's `--max-time` was over.
    Skipped(String),
}

#[derive(Debug, Clone)]
pub struct FileResult {
    pub file: String,
    pub elapsed: Duration,
    pub outcome: Outcome,
}

pub struct Reporter {
    pub json: bool,
    pub color: bool,
}

fn paint(on: bool, code: &str, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not the tests' failure.
    writeln!(stdout, "{text}").ok();
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

impl Reporter {
    pub fn step(&self, file: &str, done: &StepDone<'_>) {
        if !self.json {
            return;
        }
        let mut record = json!({
            "type": "step",
            "file": file,
            "line": done.step.line,
            "client": done.step.client,
            "step": done.step.text,
            "ok": done.error.is_none(),
            "ms": ms(done.elapsed),
        });
        if let Some(error) = done.error {
            record["error"] = json!(error);
        }
        out(&record.to_string());
    }

    pub fn file(&self, result: &FileResult) {
        if self.json {
            let mut record = json!({
                "type": "file",
                "file": result.file,
                "ms": ms(result.elapsed),
            });
            match &result.outcome {
                Outcome::Passed { steps } => {
                    record["ok"] = json!(true);
                    record["steps"] = json!(steps);
                }
                Outcome::Failed(f) => {
                    record["ok"] = json!(false);
                    record["failure"] = json!({
                        "line": f.line,
                        "client": f.client,
                        "step": f.step,
                        "message": f.message,
                        "recent": f.recent,
                        "connect": f.connect,
                    });
                }
                Outcome::Skipped(why) => {
                    record["ok"] = json!(false);
                    record["skipped"] = json!(why);
                }
            }
            out(&record.to_string());
            return;
        }
        let time = format!("({:.2} s)", result.elapsed.as_secs_f64());
        match &result.outcome {
            Outcome::Passed { steps } => out(&format!(
                "{}      {}  {time}, {steps} steps",
                paint(self.color, "32", "ok"),
                result.file
            )),
            Outcome::Skipped(why) => out(&format!(
                "{} {}  ({why})",
                paint(self.color, "33", "skipped"),
                result.file
            )),
            Outcome::Failed(f) => out(&format!(
                "{}  {}  {time}\n{}",
                paint(self.color, "31;1", "FAILED"),
                result.file,
                failure_text(&result.file, f)
            )),
        }
    }

    pub fn summary(&self, results: &[FileResult], elapsed: Duration) {
        let (passed, failed, skipped) = counts(results);
        if self.json {
            out(&json!({
                "type": "summary",
                "files": results.len(),
                "passed": passed,
                "failed": failed,
                "skipped": skipped,
                "ms": ms(elapsed),
            })
            .to_string());
        } else {
            let mut line = format!("{} files: {passed} passed, {failed} failed", results.len());
            if skipped > 0 {
                line.push_str(&format!(", {skipped} skipped"));
            }
            out(&format!("{line} ({:.2} s)", elapsed.as_secs_f64()));
        }
    }
}

/// `file:line: client: step`, the reason, and the client's last events.
pub fn failure_text(file: &str, f: &Failure) -> String {
    let who = if f.client.is_empty() {
        String::new()
    } else {
        format!("{}: ", f.client)
    };
    let first = f.step.lines().next().unwrap_or_default();
    let mut text = format!("  {file}:{}: {who}{first}\n    {}", f.line, f.message);
    if !f.recent.is_empty() {
        text.push_str(&format!("\n    last events on {}:", f.client));
        for event in &f.recent {
            text.push_str(&format!("\n      {event}"));
        }
    } else if !f.client.is_empty() {
        text.push_str(&format!("\n    nothing arrived on {}", f.client));
    }
    text
}

pub fn counts(results: &[FileResult]) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for r in results {
        match r.outcome {
            Outcome::Passed { .. } => c.0 += 1,
            Outcome::Failed(_) => c.1 += 1,
            Outcome::Skipped(_) => c.2 += 1,
        }
    }
    c
}

/// Text made safe for XML: the five entities escaped, characters XML cannot hold dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one `testsuite`, one `testcase` per file, a `failure` with the message and the
/// step's line (as GitHub Actions, GitLab and Jenkins read it).
pub fn junit(results: &[FileResult], elapsed: Duration) -> String {
    let (_, failed, skipped) = counts(results);
    let secs = |d: Duration| format!("{:.3}", d.as_secs_f64());
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let totals = format!(
        "tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\" time=\"{}\"",
        results.len(),
        secs(elapsed)
    );
    x.push_str(&format!("<testsuites name=\"sockai run\" {totals}>\n"));
    x.push_str(&format!("  <testsuite name=\"sockai run\" {totals}>\n"));
    for r in results {
        let file = xml(&r.file);
        x.push_str(&format!(
            "    <testcase classname=\"sockai.run\" name=\"{file}\" file=\"{file}\" time=\"{}\"",
            secs(r.elapsed)
        ));
        match &r.outcome {
            Outcome::Passed { .. } => x.push_str("/>\n"),
            Outcome::Skipped(why) => {
                x.push_str(&format!(
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    xml(why)
                ));
            }
            Outcome::Failed(f) => {
                let kind = if f.connect { "connect" } else { "step" };
                x.push_str(&format!(
                    " line=\"{}\">\n      <failure message=\"{}:{}: {}\" type=\"{kind}\">{}</failure>\n    </testcase>\n",
                    f.line,
                    file,
                    f.line,
                    xml(&f.message),
                    xml(&failure_text(&r.file, f))
                ));
            }
        }
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// Reports are replaced atomically, as every file sockai writes.
pub use crate::atomic::write_atomically;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_escapes_and_counts() {
        let results = vec![
            FileResult {
                file: "a.sockai".into(),
                elapsed: Duration::from_millis(5),
                outcome: Outcome::Passed { steps: 2 },
            },
            FileResult {
                file: "b<&>.sockai".into(),
                elapsed: Duration::from_millis(5),
                outcome: Outcome::Failed(Failure {
                    line: 3,
                    client: "bob".into(),
                    step: "expect x".into(),
                    message: "no `x` \"within\" 1s\u{1}".into(),
                    recent: vec!["y {}".into()],
                    connect: false,
                }),
            },
        ];
        let x = junit(&results, Duration::from_secs(1));
        assert!(x.contains("tests=\"2\" failures=\"1\""), "{x}");
        assert!(x.contains("name=\"b&lt;&amp;&gt;.sockai\""), "{x}");
        assert!(
            x.contains("message=\"b&lt;&amp;&gt;.sockai:3: no `x` &quot;within&quot; 1s\""),
            "{x}"
        );
        assert!(!x.contains('\u{1}'));
    }
}
