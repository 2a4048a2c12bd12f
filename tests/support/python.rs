//! The Python peers of `tests/python/`: python-socketio's server and the JUnit reader, run by
//! the interpreter of the venv `.ci/run` makes (`target/python`, from
//! `tests/python/requirements.txt`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::{Lines, read_listening_line};

/// `tests/python/`, where the Python peers live.
pub fn python_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python")
}

/// The venv's interpreter (`SOCKAI_TEST_PYTHON` overrides it); fails with the command to run
/// when the Python peers are not installed.
pub fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("SOCKAI_TEST_PYTHON") {
        return PathBuf::from(path);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/python/bin/python3");
    assert!(
        path.exists(),
        "the Python test peers are not installed: run `python3 -m venv target/python && \
         target/python/bin/pip install -r tests/python/requirements.txt` (as .ci/run does)"
    );
    path
}

/// `tests/python/chat_server.py` (python-socketio on aiohttp), killed when dropped.
pub struct PythonServer {
    child: Child,
    pub url: String,
}

impl PythonServer {
    pub fn start(script: &str) -> Self {
        let mut child = Command::new(python())
            .arg(python_dir().join(script))
            // It also exits when this pipe closes, should the test process die without Drop.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn python {script}: {e}"));
        let url = read_listening_line(child.stdout.take().unwrap(), &Lines::default());
        Self { child, url }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
