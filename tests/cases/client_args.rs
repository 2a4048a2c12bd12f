//! What `sockai emit` and `sockai connect` make of argument words: JSON, text, files, binary,
//! and the error for text that starts like JSON but is not.

use serde_json::json;

use crate::support::{NodeServer, of_type, received, refused_url, run_sockai as run};

#[test]
fn client_args_broken_json_is_a_usage_error_that_shows_where() {
    // Checked before connecting: no server is needed, and nothing is sent.
    let url = refused_url();
    let (records, stderr, code) = run(&["emit", &url, "chat", "ok", "{a:1}"], "");
    assert_eq!(code, 2, "{stderr}");
    assert!(records.is_empty());
    assert_eq!(
        stderr,
        "sockai: error: not valid JSON: key must be a string at line 1, column 2\n  {a:1}\n   ^\n\
         to send it as text, write it as a JSON string: \"{a:1}\"\n"
    );
    for word in ["[1, 2", "\"unterminated", "{\"a\": 1} extra"] {
        let (_, stderr, code) = run(&["emit", &url, "chat", word], "");
        assert_eq!(code, 2, "{word}: {stderr}");
        assert!(stderr.contains("not valid JSON"), "{word}: {stderr}");
    }
    // Standard input is held to the same rule.
    let (_, stderr, code) = run(&["emit", &url, "chat", "-"], "{\n  \"a\": 1,\n  oops\n}\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("at line 3, column 3\n    oops\n    ^"),
        "{stderr}"
    );
}

#[test]
fn client_args_words_json_files_and_binary_files_are_sent_as_such() {
    let node = NodeServer::start();
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("blob.bin");
    std::fs::write(&bin, [0u8, 1, 2, 255]).unwrap();
    let text = dir.path().join("note.txt");
    std::fs::write(&text, "[draft] not JSON\n").unwrap();
    let bin_arg = format!("@@{}", bin.display());
    let text_arg = format!("@{}", text.display());
    let (records, stderr, code) = run(
        &[
            "emit",
            &node.url,
            "echo",
            "word",
            "1.2.3",
            "{\"a\":1}",
            &bin_arg,
            "--json",
            "--expect",
            "echo",
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    let sent = of_type(&records, "sent");
    assert_eq!(
        sent[0]["args"],
        json!(["word", "1.2.3", {"a": 1}, {"$binary": "AAEC/w=="}])
    );
    // A file that starts like JSON must be JSON; one that does not is text.
    let (_, stderr, code) = run(&["emit", &node.url, "echo", &text_arg], "");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("note.txt: not valid JSON"), "{stderr}");
    std::fs::write(&text, "plain note\n").unwrap();
    let (records, stderr, code) = run(
        &[
            "emit", &node.url, "echo", &text_arg, "--json", "--expect", "echo",
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(received(&records, "echo")[0]["args"], json!(["plain note"]));
    // Binary from standard input.
    let (records, stderr, code) = run(
        &[
            "emit", &node.url, "echo", "@@-", "--json", "--expect", "echo",
        ],
        "\u{1}\u{2}\u{3}",
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        of_type(&records, "sent")[0]["args"],
        json!([{"$binary": "AQID"}])
    );
}

#[test]
fn client_args_the_repl_refuses_broken_json_and_goes_on() {
    let node = NodeServer::start();
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("blob.bin");
    std::fs::write(&bin, [9u8, 8]).unwrap();
    let script = format!(
        "emit echo {{a:1}}\nmsg [wip] fixing\nemit echo plain \"[json string]\" @@{}\nwait echo\n\
         emit echo '[single quotes]'\n",
        bin.display()
    );
    let (records, stderr, code) = run(&["connect", &node.url], &script);
    // A command failed: exit 1; the session went on.
    assert_eq!(code, 1, "{stderr}");
    let errors: Vec<&str> = of_type(&records, "error")
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 3, "{records:?}");
    assert!(
        errors[0]
            .starts_with("not valid JSON: key must be a string at line 1, column 2\n  {a:1}\n   ^"),
        "{errors:?}"
    );
    // `msg` text too: a JSON string sends it as text.
    assert!(
        errors[1].contains("write it as a JSON string: \"[wip] fixing\""),
        "{errors:?}"
    );
    // 'single quotes' group words but do not make text of a word that starts like JSON.
    assert!(errors[2].contains("not valid JSON"), "{errors:?}");
    let sent = of_type(&records, "sent");
    assert_eq!(sent.len(), 1, "{records:?}");
    assert_eq!(
        sent[0]["args"],
        json!(["plain", "[json string]", {"$binary": "CQg="}])
    );
    assert_eq!(received(&records, "echo")[0]["args"], sent[0]["args"]);
}
