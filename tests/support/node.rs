//! The official Node Socket.IO peers of `tests/node/`: the scripted `socket.io-client` and the
//! `socket.io` servers (`npm ci --prefix tests/node` installs them).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::{Lines, WAIT, read_listening_line};

/// `tests/node/`, where the Node peers and their `node_modules` live.
pub fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// What the scripted official `socket.io-client` saw.
pub struct NodeRun {
    pub success: bool,
    pub records: Vec<Value>,
    pub stderr: String,
}

impl NodeRun {
    /// Payloads (all arguments) of every received `event`, in order.
    pub fn events(&self, event: &str) -> Vec<Vec<Value>> {
        self.records
            .iter()
            .filter(|r| r["type"] == "event" && r["event"] == event)
            .map(|r| r["args"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// The first record of this `type`.
    pub fn first(&self, kind: &str) -> &Value {
        self.records
            .iter()
            .find(|r| r["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} record in {:#?}", self.records))
    }
}

/// Run `tests/node/sio-client.mjs` with a scenario (see that file) and collect its records.
pub fn node_client(scenario: Value) -> NodeRun {
    node_script("sio-client.mjs", scenario)
}

/// Run a scenario script of `tests/node/` (`sio-client.mjs`, `sio2-client.mjs`).
pub fn node_script(script: &str, scenario: Value) -> NodeRun {
    require_node_modules();
    let output = assert_cmd::Command::new("node")
        .current_dir(node_dir())
        .arg(script)
        .arg(scenario.to_string())
        .timeout(WAIT)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let records = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad record {l:?}: {e}")))
        .collect();
    NodeRun {
        success: output.status.success(),
        records,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Fail with the command to run when the Node peers are not installed.
pub fn require_node_modules() {
    assert!(
        node_dir().join("node_modules/socket.io-client").is_dir(),
        "the Node test peers are not installed: run `npm ci --prefix tests/node`"
    );
}

/// The official Node `socket.io` server of `tests/node/sio-server.mjs`, killed when dropped.
/// See that file for its namespaces and events.
pub struct NodeServer {
    child: Child,
    pub url: String,
}

impl NodeServer {
    /// `tests/node/sio-server.mjs`, socket.io 4.x.
    pub fn start() -> Self {
        Self::start_script("sio-server.mjs", &[])
    }

    /// A Node peer of `tests/node` (`sio-server.mjs`: socket.io 4.x, `sio-server-v2.cjs`:
    /// socket.io 2.x), with environment settings (`SIO_PORT`, `SIO_PING_INTERVAL`, …).
    pub fn start_script(script: &str, env: &[(&str, &str)]) -> Self {
        require_node_modules();
        let mut child = Command::new("node")
            .current_dir(node_dir())
            .arg(script)
            .envs(env.iter().copied())
            // It also exits when this pipe closes, should the test process die without Drop.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn node {script}: {e}"));
        let url = read_listening_line(child.stdout.take().unwrap(), &Lines::default());
        Self { child, url }
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
