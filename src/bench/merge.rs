//! `sockai bench merge FILE…`: the `--json` summaries of several runs added up. Histograms
//! merge whole, so the percentiles are those of every sample of every run; counts and rates
//! add up (rates are each run's over its own window: the load the generators made together).

use std::collections::BTreeMap;
use std::path::Path;

use super::scenario::summary::{FailureCount, ScenarioSummary, add_encoded, sorted};
use super::scenario::{Shape, summary as scenario_summary};
use super::stats;
use super::summary::{self, Summary};
use crate::wall_clock::parse_rfc3339;

/// Largest summary file read.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Merged runs of one kind.
#[derive(Debug)]
pub enum Merged {
    RoundTrips(Summary),
    Scenario(ScenarioSummary),
}

/// Read and merge `files` (at least one).
pub fn merge_files(files: &[impl AsRef<Path>]) -> Result<Merged, String> {
    let texts = files
        .iter()
        .map(|path| {
            let shown = path.as_ref().display().to_string();
            read(path.as_ref())
                .map(|text| (shown.clone(), text))
                .map_err(|e| format!("{shown}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    merge_texts(&texts)
}

fn read(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than {} MiB", MAX_FILE_BYTES >> 20));
    }
    Ok(text)
}

/// Merge `(name, text)` summaries.
pub fn merge_texts(texts: &[(String, String)]) -> Result<Merged, String> {
    let Some((first_name, first)) = texts.first() else {
        return Err("nothing to merge".to_owned());
    };
    let kind = |name: &str, text: &str| -> Result<String, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| json_error(name, text, &e))?;
        Ok(value
            .get("kind")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(summary::KIND)
            .to_owned())
    };
    let first_kind = kind(first_name, first)?;
    for (name, text) in texts {
        let this = kind(name, text)?;
        if this != first_kind {
            return Err(format!(
                "{name}: a {this} summary, but {first_name} is a {first_kind} one"
            ));
        }
    }
    if first_kind == scenario_summary::KIND {
        let runs = parse_all::<ScenarioSummary>(texts)?;
        merge_scenarios(&runs).map(Merged::Scenario)
    } else if first_kind == summary::KIND {
        let runs = parse_all::<Summary>(texts)?;
        merge_round_trips(&runs).map(Merged::RoundTrips)
    } else {
        Err(format!(
            "{first_name}: not a sockai bench summary (kind {first_kind:?})"
        ))
    }
}

fn parse_all<T: serde::de::DeserializeOwned>(
    texts: &[(String, String)],
) -> Result<Vec<(&str, T)>, String> {
    texts
        .iter()
        .map(|(name, text)| {
            serde_json::from_str(text)
                .map(|summary| (name.as_str(), summary))
                .map_err(|e| json_error(name, text, &e))
        })
        .collect()
}

/// `file:line:column: why`, then the line around the column with a caret.
fn json_error(name: &str, text: &str, e: &serde_json::Error) -> String {
    let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
    let column = e.column().saturating_sub(1);
    let chars: Vec<char> = line.chars().collect();
    let from = column.saturating_sub(40).min(chars.len());
    let to = (column + 40).min(chars.len());
    let excerpt: String = chars[from..to].iter().collect();
    let why = e.to_string();
    let why = why.split(" at line ").next().unwrap_or(&why);
    format!(
        "{name}:{}:{}: not a sockai bench --json summary: {why}\n  {excerpt}\n  {}^",
        e.line(),
        e.column(),
        " ".repeat(column - from)
    )
}

/// The earliest start and the latest end of the runs.
fn span<'a>(
    runs: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
) -> Result<(String, String), String> {
    let mut start: Option<(std::time::SystemTime, &str)> = None;
    let mut end: Option<(std::time::SystemTime, &str)> = None;
    for (name, from, to) in runs {
        let parse = |text: &'a str| {
            parse_rfc3339(text)
                .map(|at| (at, text))
                .ok_or_else(|| format!("{name}: {text:?} is not an RFC 3339 time"))
        };
        let (from, to) = (parse(from)?, parse(to)?);
        start = Some(start.map_or(from, |s| if from.0 < s.0 { from } else { s }));
        end = Some(end.map_or(to, |e| if to.0 > e.0 { to } else { e }));
    }
    match (start, end) {
        (Some(s), Some(e)) => Ok((s.1.to_owned(), e.1.to_owned())),
        _ => Err("nothing to merge".to_owned()),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Distinct values, in order of first appearance, joined.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for value in values {
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen.join(", ")
}

fn merge_round_trips(runs: &[(&str, Summary)]) -> Result<Summary, String> {
    let (first_name, first) = &runs[0];
    let mut merged = first.clone();
    let mut histogram = stats::empty();
    for (name, run) in runs {
        if run.mode != first.mode {
            return Err(format!(
                "{name}: mode {}, but {first_name} is {}: only runs of one mode add up",
                run.mode, first.mode
            ));
        }
        add_encoded(&mut histogram, &run.histogram).map_err(|e| format!("{name}: {e}"))?;
    }
    let (started_at, ended_at) = span(
        runs.iter()
            .map(|(n, r)| (*n, r.started_at.as_str(), r.ended_at.as_str())),
    )?;
    let sum = |f: fn(&Summary) -> u64| runs.iter().map(|(_, r)| f(r)).sum::<u64>();
    let fsum = |f: fn(&Summary) -> f64| round2(runs.iter().map(|(_, r)| f(r)).sum::<f64>());
    let fmax = |f: fn(&Summary) -> f64| runs.iter().map(|(_, r)| f(r)).fold(0.0, f64::max);
    merged.url = distinct(runs.iter().map(|(_, r)| r.url.as_str()));
    merged.namespace = distinct(runs.iter().map(|(_, r)| r.namespace.as_str()));
    merged.clients = runs.iter().map(|(_, r)| r.clients).sum();
    merged.connections.established = sum(|r| r.connections.established);
    merged.connections.failed = sum(|r| r.connections.failed);
    merged.connections.dropped = sum(|r| r.connections.dropped);
    merged.connections.held = sum(|r| r.connections.held);
    merged.connect_rate = fsum(|r| r.connect_rate);
    merged.ramp_secs = fmax(|r| r.ramp_secs);
    merged.duration_secs = fmax(|r| r.duration_secs);
    merged.round_trips = sum(|r| r.round_trips);
    merged.round_trips_per_sec = fsum(|r| r.round_trips_per_sec);
    merged.errors = sum(|r| r.errors);
    let mut kinds = BTreeMap::new();
    for (_, run) in runs {
        for (kind, n) in &run.error_kinds {
            *kinds.entry(kind.clone()).or_default() += n;
        }
    }
    merged.error_kinds = kinds;
    merged.latency_ms = stats::summary(&histogram);
    merged.histogram = stats::encode(&histogram);
    merged.started_at = started_at;
    merged.ended_at = ended_at;
    merged.runs = sum(|r| r.runs);
    Ok(merged)
}

fn merge_scenarios(runs: &[(&str, ScenarioSummary)]) -> Result<ScenarioSummary, String> {
    let (first_name, first) = &runs[0];
    let shape_of = |step: &scenario_summary::StepSummary| (step.line, step.step.clone());
    let steps: Vec<_> = first.steps.iter().map(shape_of).collect();
    let mut merged = first.clone();
    let mut pass_histogram = stats::empty();
    let mut step_histograms: Vec<_> = first
        .steps
        .iter()
        .map(|s| s.histogram.as_ref().map(|_| stats::empty()))
        .collect();
    let mut failures: BTreeMap<(usize, String, String, String), u64> = BTreeMap::new();
    for (name, run) in runs {
        if run.steps.iter().map(shape_of).collect::<Vec<_>>() != steps {
            return Err(format!(
                "{name}: not the same scenario as {first_name} (its steps differ)"
            ));
        }
        add_encoded(&mut pass_histogram, &run.scenario_histogram)
            .map_err(|e| format!("{name}: {e}"))?;
        for (into, step) in step_histograms.iter_mut().zip(&run.steps) {
            if let (Some(into), Some(encoded)) = (into.as_mut(), &step.histogram) {
                add_encoded(into, encoded)
                    .map_err(|e| format!("{name}: line {}: {e}", step.line))?;
            }
        }
        for f in &run.failures {
            let key = (f.line, f.client.clone(), f.step.clone(), f.message.clone());
            *failures.entry(key).or_default() += f.count;
        }
    }
    merged.load = merge_shapes(runs)?;
    let (started_at, ended_at) = span(
        runs.iter()
            .map(|(n, r)| (*n, r.started_at.as_str(), r.ended_at.as_str())),
    )?;
    merged.started_at = started_at;
    merged.ended_at = ended_at;
    let sum = |f: fn(&ScenarioSummary) -> u64| runs.iter().map(|(_, r)| f(r)).sum::<u64>();
    merged.duration_secs = runs
        .iter()
        .map(|(_, r)| r.duration_secs)
        .fold(0.0, f64::max);
    merged.users.started = sum(|r| r.users.started);
    merged.users.skipped = sum(|r| r.users.skipped);
    merged.users.unfinished = sum(|r| r.users.unfinished);
    merged.passes = sum(|r| r.passes);
    merged.passed = sum(|r| r.passed);
    merged.failed = sum(|r| r.failed);
    merged.passes_per_sec = round2(runs.iter().map(|(_, r)| r.passes_per_sec).sum());
    merged.scenario_ms = stats::summary(&pass_histogram);
    merged.scenario_histogram = stats::encode(&pass_histogram);
    for (i, step) in merged.steps.iter_mut().enumerate() {
        step.count = runs.iter().map(|(_, r)| r.steps[i].count).sum();
        step.errors = runs.iter().map(|(_, r)| r.steps[i].errors).sum();
        step.per_sec = round2(runs.iter().map(|(_, r)| r.steps[i].per_sec).sum());
        if let Some(histogram) = &step_histograms[i] {
            step.latency_ms = Some(stats::summary(histogram));
            step.histogram = Some(stats::encode(histogram));
        }
    }
    merged.failures = sorted(
        failures
            .into_iter()
            .map(|((line, client, step, message), count)| FailureCount {
                line,
                client,
                step,
                message,
                count,
            })
            .collect(),
    );
    merged.runs = sum(|r| r.runs);
    Ok(merged)
}

/// Users add up; so do arrival rates of runs with one ramp.
fn merge_shapes(runs: &[(&str, ScenarioSummary)]) -> Result<Shape, String> {
    let (first_name, first) = &runs[0];
    let mut shape = first.load;
    for (name, run) in &runs[1..] {
        shape = match (shape, run.load) {
            (Shape::Users { clients: a }, Shape::Users { clients: b }) => Shape::Users {
                clients: a.saturating_add(b),
            },
            (
                Shape::Arrivals {
                    arrival_rate: a0,
                    ramp_to: a1,
                    ramp_secs,
                },
                Shape::Arrivals {
                    arrival_rate: b0,
                    ramp_to: b1,
                    ramp_secs: other,
                },
            ) if (ramp_secs - other).abs() < 1e-9 => Shape::Arrivals {
                arrival_rate: a0 + b0,
                ramp_to: a1 + b1,
                ramp_secs,
            },
            _ => {
                return Err(format!(
                    "{name}: load {}, but {first_name}'s is {}: only runs of one shape add up",
                    run.load.describe(),
                    first.load.describe()
                ));
            }
        };
    }
    Ok(shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::Histogram;

    /// A plain summary whose histogram holds `samples` (microseconds).
    fn run_of(samples: &[u64], started: &str, ended: &str) -> String {
        let mut histogram = stats::empty();
        for &s in samples {
            histogram.record(s).unwrap();
        }
        serde_json::json!({
            "kind": "round-trips", "url": "http://h:1", "namespace": "/", "mode": "reply",
            "clients": 2,
            "connections": {"established": 2, "failed": 0, "dropped": 1, "held": 1},
            "connect_rate": 10.0, "ramp_secs": 0.2, "duration_secs": 1.0,
            "round_trips": samples.len(), "round_trips_per_sec": samples.len() as f64,
            "errors": 1, "latency_ms": stats::summary(&histogram),
            "error_kinds": {"no answer within 1s": 1},
            "started_at": started, "ended_at": ended,
            "histogram": stats::encode(&histogram), "runs": 1
        })
        .to_string()
    }

    /// Deterministic, spread over five decades (a xorshift: no test dependency needed).
    fn samples(seed: u64, n: usize) -> Vec<u64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                1 + x % 10u64.pow(1 + (x >> 60) as u32 % 5)
            })
            .collect()
    }

    #[test]
    fn merged_runs_are_the_histogram_of_every_sample() {
        let (a, b, c) = (samples(1, 5_000), samples(2, 300), samples(3, 1));
        let texts = vec![
            (
                "a.json".to_owned(),
                run_of(&a, "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z"),
            ),
            (
                "b.json".to_owned(),
                run_of(&b, "2026-01-01T00:00:00.500Z", "2026-01-01T00:00:01.900Z"),
            ),
            (
                "c.json".to_owned(),
                run_of(&c, "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:03.000Z"),
            ),
        ];
        let Merged::RoundTrips(merged) = merge_texts(&texts).unwrap() else {
            panic!("not a round-trips summary");
        };
        let mut union: Histogram<u64> = stats::empty();
        for &s in a.iter().chain(&b).chain(&c) {
            union.record(s).unwrap();
        }
        let histogram = stats::decode(&merged.histogram).unwrap();
        assert_eq!(histogram, union);
        assert_eq!(histogram.len(), 5_301);
        assert_eq!(merged.latency_ms, stats::summary(&union));
        assert_eq!(merged.round_trips, 5_301);
        assert_eq!(merged.runs, 3);
        assert_eq!(merged.errors, 3);
        assert_eq!(merged.connections.dropped, 3);
        assert_eq!(merged.error_kinds["no answer within 1s"], 3);
        assert_eq!(merged.started_at, "2026-01-01T00:00:00.500Z");
        assert_eq!(merged.ended_at, "2026-01-01T00:00:03.000Z");
        assert_eq!(merged.url, "http://h:1");
        // A merge of merges is the same merge.
        let first_two = merge_texts(&texts[..2]).unwrap();
        let Merged::RoundTrips(first_two) = first_two else {
            unreachable!()
        };
        let again = vec![
            (
                "ab.json".to_owned(),
                serde_json::to_string(&first_two).unwrap(),
            ),
            texts[2].clone(),
        ];
        let Merged::RoundTrips(again) = merge_texts(&again).unwrap() else {
            unreachable!()
        };
        assert_eq!(stats::decode(&again.histogram).unwrap(), union);
        assert_eq!(again.runs, 3);
    }

    #[test]
    fn what_does_not_add_up_is_refused_with_its_place() {
        let good = run_of(&[5], "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z");
        let ack = good.replace("\"mode\":\"reply\"", "\"mode\":\"ack\"");
        let err = merge_texts(&[("a".into(), good.clone()), ("b".into(), ack)]).unwrap_err();
        assert!(err.starts_with("b: mode ack, but a is reply"), "{err}");
        let broken = good.replace("\"runs\":1", "\"runs\":\"x\"");
        let err = merge_texts(&[("a".into(), broken)]).unwrap_err();
        assert!(err.starts_with("a:1:"), "{err}");
        assert!(err.contains("invalid type"), "{err}");
        assert!(
            err.lines()
                .nth(2)
                .is_some_and(|l| l.trim_end().ends_with('^')),
            "{err}"
        );
        let err = merge_texts(&[("a".into(), "{\"kind\": \"x\"}".into())]).unwrap_err();
        assert!(err.contains("not a sockai bench summary"), "{err}");
        let scenario = "{\"kind\": \"scenario\"}".to_owned();
        let err = merge_texts(&[("a".into(), good), ("s".into(), scenario)]).unwrap_err();
        assert!(
            err.starts_with("s: a scenario summary, but a is a round-trips one"),
            "{err}"
        );
        assert!(merge_texts(&[("a".into(), "not json".into())]).is_err());
        assert_eq!(merge_texts(&[]).unwrap_err(), "nothing to merge");
    }
}
