//! `sockai run`: one two-client chat scenario against every chat server of the tests — the
//! official Node socket.io 4.8 and 2.5 and python-socketio — each reported in JUnit.

use crate::support::NodeServer;
use crate::support::python::PythonServer;
use crate::support::scenario::{Scenarios, TWO_CLIENT_CHAT, read_junit, run_scenarios};

/// Run the chat scenario against `url` with Engine.IO `eio`; it must pass.
fn chat_passes(url: &str, eio: &str) {
    let files = Scenarios::new();
    let chat = files.write("chat.sockai", TWO_CLIENT_CHAT);
    let junit = files.path().join("junit.xml");
    let (stdout, stderr, code) = run_scenarios(
        &[
            chat.to_str().unwrap(),
            "--var",
            &format!("url={url}"),
            "--var",
            &format!("eio={eio}"),
            "--var",
            "room=lobby",
            "--report-junit",
            junit.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{url} (EIO {eio}):\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 files: 1 passed, 0 failed"), "{stdout}");
    let report = read_junit(&junit);
    assert_eq!(
        (report["tests"].as_u64(), report["failures"].as_u64()),
        (Some(1), Some(0))
    );
}

#[test]
fn the_chat_scenario_passes_on_node_socket_io_4() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    chat_passes(&server.url, "4");
}

#[test]
fn the_chat_scenario_passes_on_node_socket_io_2() {
    let server = NodeServer::start_script("chat-server.mjs", &[("SIO_V2", "1")]);
    chat_passes(&server.url, "3");
}

#[test]
fn the_chat_scenario_passes_on_python_socketio() {
    let server = PythonServer::start("chat_server.py");
    chat_passes(&server.url, "4");
}

#[test]
fn the_chat_scenario_fails_where_a_server_differs() {
    // Proof the scenario can fail: socket.io 2.x refuses an Engine.IO 4 client.
    let server = NodeServer::start_script("chat-server.mjs", &[("SIO_V2", "1")]);
    let files = Scenarios::new();
    let chat = files.write("chat.sockai", TWO_CLIENT_CHAT);
    let (stdout, _, code) = run_scenarios(
        &[
            chat.to_str().unwrap(),
            "--var",
            &format!("url={}", server.url),
            "--var",
            "eio=4",
            "--var",
            "room=r",
            "--timeout",
            "2s",
        ],
        &[],
    );
    assert_ne!(code, 0, "{stdout}");
    assert!(stdout.contains("chat.sockai:2: alice: connect"), "{stdout}");
}
