//! `GET /metrics` of a test server, read by a real Prometheus parser: the official Python
//! client's (`tests/python/parse_metrics.py`, installed by `.ci/run` from
//! `tests/python/requirements.txt`).

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::WAIT;

/// The samples of one scrape, as the parser read them, and each family's type.
#[derive(Debug)]
pub struct Scraped {
    pub samples: HashMap<String, f64>,
    pub types: HashMap<String, String>,
}

impl Scraped {
    /// The value of `sample` (`name{label=value,...}`, labels sorted), 0 if absent.
    pub fn get(&self, sample: &str) -> f64 {
        self.samples.get(sample).copied().unwrap_or(0.0)
    }

    /// How much `sample` grew since `before`.
    pub fn moved(&self, before: &Scraped, sample: &str) -> f64 {
        self.get(sample) - before.get(sample)
    }
}

/// `GET http://ADDR/metrics`, with `Authorization: Bearer TOKEN` when given: status and body.
pub async fn get(addr: &str, token: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .get(format!("http://{addr}/metrics"))
        .timeout(WAIT);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("no answer to GET /metrics");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Scrape and parse; panics (with the text) if the scrape fails or the parser refuses it.
pub async fn scrape(addr: &str, token: Option<&str>) -> Scraped {
    let (status, text) = get(addr, token).await;
    assert_eq!(status, 200, "{text}");
    parse(&text)
}

/// Parse Prometheus text with the Python client's parser.
pub fn parse(text: &str) -> Scraped {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/parse_metrics.py");
    let mut child = Command::new(super::python::python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (with tests/python/requirements.txt installed) runs the parser");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the Prometheus parser refused the scrape: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let samples = parsed["samples"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(f64::NAN)))
        .collect();
    let types = parsed["types"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
        .collect();
    Scraped { samples, types }
}
