//! Helpers for driving the real `sockai` binary and the official Node Socket.IO peers.
//!
//! Every wait here is bounded: a test that hangs fails with a message instead.

#![allow(dead_code)] // Each test module uses a different part of the kit.

pub mod api;
pub mod bench;
pub mod both_transports;
pub mod fake_upstream;
pub mod garbage;
pub mod gate;
pub mod metrics;
pub mod nginx;
pub mod node;
pub mod polling;
pub mod pty;
pub mod python;
pub mod scenario;
pub mod sioxide;
pub mod socket_log;
pub mod tls;
pub mod ws;

/// The Node peers, at the top as every case names them.
pub use node::{NodeRun, NodeServer, node_client, node_dir, node_script, require_node_modules};

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Longest any single wait in a test may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// A test server on a free 127.0.0.1 port, served by `serve` on a current-thread runtime in a
/// thread of its own: its `scheme://127.0.0.1:PORT` URL, and the sender whose drop stops it
/// (keep it as long as the server is needed).
pub fn spawn_server<F, Fut>(scheme: &str, serve: F) -> (String, tokio::sync::oneshot::Sender<()>)
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("{scheme}://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            tokio::select! {
                _ = stopped => {}
                () = serve(listener) => {}
            }
        });
    });
    (url, stop)
}

/// The `sockai` binary under test.
pub fn sockai_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("sockai").to_path_buf()
}

/// `sockai` as an assert_cmd command, with colour and the caller's log filter out of the way.
pub fn sockai() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(sockai_path());
    cmd.env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .timeout(WAIT);
    cmd
}

/// Lines a child wrote, shared with a reader thread, with a way to wait for a new one.
#[derive(Clone, Default)]
pub struct Lines(Arc<(Mutex<Vec<String>>, Condvar)>);

impl Lines {
    fn collect(&self, reader: impl BufRead + Send + 'static) {
        let lines = self.clone();
        thread::spawn(move || {
            for line in reader.lines() {
                let Ok(line) = line else { break };
                let (buf, cond) = &*lines.0;
                buf.lock().unwrap().push(line);
                cond.notify_all();
            }
        });
    }

    /// Every line so far.
    pub fn snapshot(&self) -> Vec<String> {
        self.0.0.lock().unwrap().clone()
    }

    /// Wait until a line matches `pred`, and return it.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let (buf, cond) = &*self.0;
        let deadline = Instant::now() + WAIT;
        let mut guard = buf.lock().unwrap();
        loop {
            if let Some(line) = guard.iter().find(|l| pred(l)) {
                return line.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; lines so far:\n{}",
                guard.join("\n")
            );
            guard = cond.wait_timeout(guard, left).unwrap().0;
        }
    }

    /// How many lines so far match `pred`.
    pub fn count(&self, pred: impl Fn(&str) -> bool) -> usize {
        self.0.0.lock().unwrap().iter().filter(|l| pred(l)).count()
    }
}

/// A running `sockai serve --port 0`, killed when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    pub addr: String,
    /// Log lines (stderr), in JSON format so tests can read fields.
    pub logs: Lines,
}

impl Server {
    /// `--echo-server` with the official suites' settings: short heartbeats, Node's default
    /// maxPayload.
    pub fn echo_server() -> Self {
        Self::start(&[
            "--echo-server",
            "--ping-interval",
            "300ms",
            "--ping-timeout",
            "200ms",
            "--max-payload",
            "1000000",
        ])
    }

    /// `sockai serve --port 0 ARGS`.
    pub fn start(args: &[&str]) -> Self {
        Self::start_with_env(args, &[])
    }

    /// `sockai serve --port 0 ARGS` with these environment variables.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut all = vec!["--port", "0"];
        all.extend_from_slice(args);
        Self::spawn(&all, env)
    }

    /// `sockai serve --log-format json ARGS` with exactly these arguments (JSON logs unless
    /// they name a `--log-format` themselves).
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Self {
        let format: &[&str] = if args.contains(&"--log-format") {
            &[]
        } else {
            &["--log-format", "json"]
        };
        let mut child = Command::new(sockai_path())
            .arg("serve")
            .args(format)
            .args(args)
            .env_remove("RUST_LOG")
            // Provider settings of the person running the tests must not leak in.
            .env_remove("SOCKAI_PROVIDER")
            .env_remove("GEMINI_API_KEY")
            .env_remove("GOOGLE_API_KEY")
            .env_remove("GEMINI_MODEL")
            .env_remove("OPENAI_API_KEY")
            .env_remove("OPENAI_BASE_URL")
            .env_remove("OPENAI_MODEL")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sockai serve");
        let logs = Lines::default();
        logs.collect(BufReader::new(child.stderr.take().unwrap()));
        let url = read_listening_line(child.stdout.take().unwrap(), &logs);
        let addr = url.trim_start_matches("http://").to_owned();
        Self {
            child,
            url,
            addr,
            logs,
        }
    }

    /// `ws://ADDR/PATH` of this server.
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// Wait for a log line whose message is `message`, and return it parsed.
    pub fn wait_for_log(&self, message: &str) -> Value {
        let line = self
            .logs
            .wait_for(message, |l| log_message(l).as_deref() == Some(message));
        serde_json::from_str(&line).unwrap()
    }

    /// Every log line so far, as one string (to check what never appears in them).
    pub fn all_logs(&self) -> String {
        self.logs.snapshot().join("\n")
    }

    /// How many log lines so far have this `message`.
    pub fn count_logs(&self, message: &str) -> usize {
        self.logs
            .count(|l| log_message(l).as_deref() == Some(message))
    }

    /// Send SIGTERM and wait (bounded) for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success(), "kill -TERM {pid} failed");
        self.wait_exit()
    }

    /// Wait (bounded) for the process to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        wait_child(&mut self.child, "server")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Wait (bounded by WAIT) for a child process to exit; `what` names it if it does not.
fn wait_child(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "{what} did not exit");
        thread::sleep(Duration::from_millis(20)); // polling a child process: no event to await
    }
}

fn log_message(line: &str) -> Option<String> {
    let value: Value = serde_json::from_str(line).ok()?;
    value.get("message")?.as_str().map(str::to_owned)
}

/// Read `listening on http://…` from the server's stdout (bounded by WAIT).
pub(crate) fn read_listening_line(stdout: ChildStdout, logs: &Lines) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).ok();
        tx.send(line).ok();
    });
    let line = rx.recv_timeout(WAIT).unwrap_or_else(|_| {
        panic!(
            "server printed no address; logs:\n{}",
            logs.snapshot().join("\n")
        )
    });
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| {
            panic!(
                "unexpected first line {line:?}; logs:\n{}",
                logs.snapshot().join("\n")
            )
        });
    url.to_owned()
}

/// A URL where nothing listens: bind a free port, then let it go.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A listener that accepts connections (the kernel completes the handshake) and never answers.
pub struct SilentListener {
    _listener: std::net::TcpListener,
    pub url: String,
}

impl SilentListener {
    /// Listen on a free 127.0.0.1 port.
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        Self {
            _listener: listener,
            url,
        }
    }
}

/// Run `sockai` with these arguments and this standard input: its stdout, its stderr and its
/// exit code.
pub fn run_sockai_text(args: &[&str], stdin: &str) -> (String, String, i32) {
    let output = sockai()
        .args(args)
        .write_stdin(stdin)
        .output()
        .expect("run sockai");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().expect("exit code"),
    )
}

/// Run `sockai` with these arguments and this standard input: its JSON-lines records, its
/// stderr and its exit code.
pub fn run_sockai(args: &[&str], stdin: &str) -> (Vec<Value>, String, i32) {
    let (stdout, stderr, code) = run_sockai_text(args, stdin);
    (json_lines(stdout.as_bytes()), stderr, code)
}

/// `sockai connect ARGS` fed `script` on stdin (script mode, JSON lines out): its records, its
/// stderr and its exit code.
pub fn connect_script(args: &[&str], script: &str) -> (Vec<Value>, String, i32) {
    run_sockai(&[&["connect"], args].concat(), script)
}

/// `sockai emit ARGS`: its stdout, its stderr and its exit code.
pub fn emit(args: &[&str]) -> (String, String, i32) {
    emit_with_stdin(args, "")
}

/// `sockai emit ARGS` with this standard input: its stdout, its stderr and its exit code.
pub fn emit_with_stdin(args: &[&str], stdin: &str) -> (String, String, i32) {
    run_sockai_text(&[&["emit"], args].concat(), stdin)
}

/// Parse JSON-lines output; panics with the whole text on a line that is not JSON.
pub fn json_lines(stdout: &[u8]) -> Vec<Value> {
    let text = String::from_utf8_lossy(stdout);
    text.lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?} ({e})\n{text}"))
        })
        .collect()
}

/// The records of one `type` (`received`, `ack`, `sent`, …), in order.
pub fn of_type<'a>(records: &'a [Value], kind: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["type"] == kind).collect()
}

/// The `received` records of one event, in order.
pub fn received<'a>(records: &'a [Value], event: &str) -> Vec<&'a Value> {
    records
        .iter()
        .filter(|r| r["type"] == "received" && r["event"] == event)
        .collect()
}

/// `sockai connect ARGS` in script mode, fed line by line, its stdout records collected.
pub struct ScriptedClient {
    child: Child,
    stdin: Option<std::process::ChildStdin>,
    pub stdout: Lines,
}

impl ScriptedClient {
    /// Start `sockai connect ARGS` with its stdin and stdout piped.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(sockai_path())
            .arg("connect")
            .args(args)
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn sockai connect");
        let stdout = Lines::default();
        stdout.collect(BufReader::new(child.stdout.take().unwrap()));
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            stdout,
        }
    }

    /// Write one line (a command) to its stdin.
    pub fn send(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Wait for a record of this `type` (and `event`, if given), and return it.
    pub fn wait_record(&self, kind: &str, event: Option<&str>) -> Value {
        self.wait_match(kind, |r| {
            r["type"] == kind && event.is_none_or(|e| r["event"] == e)
        })
    }

    /// Wait for a record that satisfies `pred`, and return it.
    pub fn wait_match(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let line = self.stdout.wait_for(what, |l| {
            serde_json::from_str::<Value>(l).is_ok_and(|r| pred(&r))
        });
        serde_json::from_str(&line).unwrap()
    }

    /// Close stdin and wait (bounded) for the exit status.
    pub fn finish(&mut self) -> ExitStatus {
        self.stdin.take();
        wait_child(&mut self.child, "sockai connect")
    }
}

impl Drop for ScriptedClient {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// `GET /health` of a server, as JSON.
pub async fn health(server: &Server) -> Value {
    reqwest::get(format!("{}/health", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
