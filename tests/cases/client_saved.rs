//! Saved messages in `sockai connect` (issue 17): `save NAME`, `saved`, typing the name sends it
//! again, across a restart of `connect`; Tab completes saved names; a malformed collection is
//! refused with its line and never rewritten; `sockai run` runs the same file. Against the
//! official Node socket.io 4.8 servers of tests/node.

use expectrl::{Eof, Expect, Regex};
use serde_json::json;

use crate::support::scenario::{Scenarios, run_scenarios};
use crate::support::{NodeServer, ScriptedClient, connect_script, of_type, pty, received};

#[test]
fn client_saved_messages_are_saved_listed_resent_and_survive_a_restart() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    let files = Scenarios::new();
    let collection = files.path().join("saved.sockai");
    let file = collection.to_str().unwrap();

    // First session: a message worked out at the prompt, and a small flow.
    let script = "ack join {\"room\": \"lobby\", \"name\": \"ann\"}\n\
                  save join\n\
                  emit quiz\n\
                  expect question . == \"2+2?\"\n\
                  reply question 4\n\
                  expect answered . == 4\n\
                  save quiz --last 4\n\
                  save emit quiz\n\
                  save new-one emit x {\"bad\": \n}\n\
                  saved\n";
    let (records, stderr, code) = connect_script(&[&server.url, "--collection", file], script);
    // `save emit` (a command's name) and the bad JSON are refused: exit 1, the rest saved.
    assert_eq!(code, 1, "{records:?}\n{stderr}");
    let errors: Vec<String> = of_type(&records, "error")
        .iter()
        .map(|r| r["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("\"emit\" is a command"), "{errors:?}");
    assert!(errors[1].contains("not saved"), "{errors:?}");
    let saved = of_type(&records, "saved");
    assert_eq!(saved[0]["name"], "join");
    assert_eq!(
        saved[0]["lines"],
        json!(["ack join {\"room\": \"lobby\", \"name\": \"ann\"}"])
    );
    assert_eq!(saved[1]["name"], "quiz");
    let listed = saved.last().unwrap();
    assert_eq!(listed["blocks"][0]["name"], "join");
    assert_eq!(
        listed["blocks"][1]["steps"],
        json!([
            "emit quiz",
            "expect question . == \"2+2?\"",
            "reply question 4",
            "expect answered . == 4"
        ])
    );
    let text = std::fs::read_to_string(&collection).unwrap();
    assert!(
        text.contains("## join\nack join") && text.contains("\n## quiz\nemit quiz\n"),
        "{text}"
    );

    // A new `connect`: the names are still there, and typing one sends it again.
    let (records, stderr, code) = connect_script(
        &[&server.url, "--collection", file],
        "saved\nquiz\nrun join\nexpect ack /members == 1\nnope\n",
    );
    assert_eq!(code, 1, "{records:?}\n{stderr}");
    let listed = of_type(&records, "saved")[0];
    assert_eq!(listed["blocks"].as_array().unwrap().len(), 2, "{listed}");
    // The flow ran step by step: the server's question answered, its answer checked.
    assert_eq!(received(&records, "answered")[0]["args"], json!([4]));
    let checked: Vec<_> = of_type(&records, "expect")
        .iter()
        .map(|r| r["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(checked, ["question", "answered", "ack"]);
    let sent: Vec<_> = of_type(&records, "sent")
        .iter()
        .map(|r| r["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sent, ["quiz", "join"]);
    let error = of_type(&records, "error")[0]["message"].as_str().unwrap();
    assert!(error.contains("unknown command \"nope\""), "{error}");

    // The collection is a scenario: `sockai run` runs it as it is.
    let url = format!("url={}", server.url);
    let (stdout, stderr, code) = run_scenarios(&[file, "--var", &url], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
}

#[test]
fn client_saved_a_malformed_collection_is_refused_with_its_line_and_kept() {
    let files = Scenarios::new();
    let text = "# mine\n## ok\nemit a 1\n\n## bad name\nemit b\n";
    let path = files.write("saved.sockai", text);
    // Refused before connecting: the URL's port has nobody (that would be exit 3).
    let (records, stderr, code) = connect_script(
        &[
            &crate::support::refused_url(),
            "--collection",
            path.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 2, "{records:?}\n{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("sockai: error: ")
            && lines[0].contains(&format!("{}:5: ", path.display()))
            && lines[0].contains("## NAME"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn client_saved_a_collection_spoiled_during_a_session_is_not_overwritten() {
    let server = NodeServer::start();
    let files = Scenarios::new();
    let path = files.write("saved.sockai", "## greet\nemit echo hi\n");
    let mut session = ScriptedClient::start(&[&server.url, "--collection", path.to_str().unwrap()]);
    session.wait_record("connect", None);
    // Someone else edits the file meanwhile, and breaks it.
    let spoiled = "## greet\nemit echo hi\n## greet\n";
    std::fs::write(&path, spoiled).unwrap();
    session.send("save other emit echo other");
    let error = session.wait_record("error", None);
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains(":3: ") && message.contains("saved twice"),
        "{message}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), spoiled);
    // Mended, it works again, and keeps what was there.
    std::fs::write(&path, "## greet\nemit echo hi\n").unwrap();
    session.send("save other emit echo other");
    session.wait_record("saved", None);
    session.send("greet");
    session.wait_record("received", Some("echo"));
    session.finish();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "## greet\nemit echo hi\n\n## other\nemit echo other\n"
    );
}

/// On a terminal: Tab completes a saved name, Enter sends it, `saved` lists it.
#[test]
fn client_saved_tab_completes_a_saved_name_on_a_terminal() {
    let server = NodeServer::start();
    let files = Scenarios::new();
    let path = files.write("mine.sockai", "## greeting\nemit echo hello\n");
    let (mut repl, _dir) = pty::repl_with(&server.url, &["--collection", path.to_str().unwrap()]);
    repl.send("greet\t").unwrap();
    repl.expect("greeting").unwrap();
    repl.send_line("").unwrap();
    repl.expect(Regex(r#"/ echo "hello""#)).unwrap();
    repl.send_line("emit echo again").unwrap();
    repl.expect(Regex(r#"/ echo "again""#)).unwrap();
    repl.send_line("save again").unwrap();
    repl.expect("saved again (1 step)").unwrap();
    repl.send_line("saved").unwrap();
    repl.expect(Regex(r"greeting\s+emit echo hello")).unwrap();
    repl.expect("2 saved in").unwrap();
    repl.send("ag\t").unwrap();
    repl.expect("again").unwrap();
    repl.send_line("").unwrap();
    repl.expect(Regex(r#"(?s)── again.*/ echo "again""#))
        .unwrap();
    repl.send_line("quit").unwrap();
    repl.expect(Eof).unwrap();
}
