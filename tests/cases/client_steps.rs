//! Scenario lines typed at `sockai connect`'s prompt (issue 17: "a scenario's lines can be
//! typed at the prompt"): `expect` with checks, `capture` and `{{variables}}`, `sleep`,
//! `reply EVENT` (waiting for the request), check lines; each failure one error and exit 1. Against the official Node
//! socket.io 4.8 chat server of tests/node.

use serde_json::json;

use crate::support::{NodeServer, connect_script, of_type, received};

#[test]
fn client_steps_scenario_lines_run_at_the_prompt() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    let script = r#"ack join {"room": "den", "name": "x"}
capture room = /room
expect ack /members == 1
emit quiz
expect question within 2s . == "2+2?"
reply question 4
expect answered
  . == 4
emit quiz
reply question 5
expect answered . == 5
sleep 50ms
ack say {"room": "{{room}}", "text": "t"}
expect ack /id matches "^m-\d+$"
capture n = /id matches "m-(\d+)"
emit number {{n}}
expect no answered within 100ms
emit quiz
expect question . == "5"
emit echo {{missing}}
expect nothing-here within 200ms
"#;
    let (records, stderr, code) = connect_script(&[&server.url], script);
    assert_eq!(code, 1, "{records:?}\n{stderr}");
    let passed: Vec<&str> = of_type(&records, "expect")
        .iter()
        .map(|r| r["event"].as_str().unwrap())
        .collect();
    // `reply question` before the question came waited for it, as in a scenario.
    assert_eq!(
        passed,
        ["ack", "question", "answered", "check", "answered", "ack"]
    );
    assert_eq!(received(&records, "answered")[0]["args"], json!([4]));
    assert_eq!(received(&records, "answered")[1]["args"], json!([5]));
    // The captured room went into the next line's JSON.
    let sent = of_type(&records, "sent");
    assert_eq!(sent[3]["args"], json!([{"room": "den", "text": "t"}]));
    // The regex's group, a number once in place.
    assert_eq!(sent[4]["event"], "number");
    assert_eq!(sent[4]["args"], json!([1]));
    let errors: Vec<&str> = of_type(&records, "error")
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        errors,
        [
            r#"question: expected . == "5": the payload is "2+2?", expected "5""#,
            "undefined variable {{missing}}",
            "no `nothing-here` within 200ms",
        ],
        "{records:?}"
    );
}
