//! `sockai bench` cases: run it with `--json`, and read the histograms its summaries carry.

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;
use serde_json::Value;

use super::sockai;

/// Run `sockai bench ARGS --json`; return the exit code, the summary (`Null` when stdout is
/// empty, as after a usage or connection error) and stderr.
pub fn bench(args: &[&str]) -> (i32, Value, String) {
    let output = sockai()
        .arg("bench")
        .args(args)
        .arg("--json")
        .output()
        .expect("run sockai bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = match stdout.trim() {
        "" => Value::Null,
        text => serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {stdout:?}")),
    };
    (
        output.status.code().expect("exit code"),
        summary,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A summary's base64 HdrHistogram V2, decoded by the hdrhistogram crate.
pub fn histogram(encoded: &Value) -> Histogram<u64> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.as_str().expect("a histogram is a string"))
        .expect("a histogram is base64");
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .expect("a histogram decodes")
}
