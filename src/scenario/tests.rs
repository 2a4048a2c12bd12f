//! The scenario language's rules (parse and the static variable check).

use super::check::check_variables;
use super::parse::{DEFAULT_CLIENT, StepKind, parse};
use std::collections::HashSet;

#[test]
fn a_two_client_scenario_parses_with_its_lines() {
    let text = "# chat\nconnect as alice {{url}} --auth '{\"token\": \"{{token}}\"}'\n\
                connect as bob {{url}}\n\nalice: ack join {\"room\": \"r1\"}\nalice: expect ack /0/ok == true\n\
                bob: emit join {\n  \"room\": \"r1\"\n}\nalice: emit say hi\nbob: expect said within 2s\n  /text == \"hi\"\n  /from is string\n\
                bob: capture who = /from\nsleep 10ms\nbob: reply question {{who}}\n";
    let scenario = parse(text).unwrap();
    let lines: Vec<(usize, &str)> = scenario
        .steps
        .iter()
        .map(|s| (s.line, s.client.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (2, "alice"),
            (3, "bob"),
            (5, "alice"),
            (6, "alice"),
            (7, "bob"),
            (10, "alice"),
            (11, "bob"),
            (14, "bob"),
            (15, ""),
            (16, "bob"),
        ]
    );
    let StepKind::Expect {
        matchers, within, ..
    } = &scenario.steps[6].kind
    else {
        panic!("{:?}", scenario.steps[6]);
    };
    assert_eq!(matchers.len(), 2);
    assert_eq!(*within, Some(std::time::Duration::from_secs(2)));
    assert!(matches!(scenario.steps[9].kind, StepKind::ReplyTo { .. }));
}

#[test]
fn repl_lines_alone_connect_the_default_client() {
    let scenario = parse("ai hello\nwait ai-message-response 2s\nstatus\n").unwrap();
    assert_eq!(scenario.steps.len(), 4);
    assert!(matches!(scenario.steps[0].kind, StepKind::Connect(_)));
    assert!(scenario.steps.iter().all(|s| s.client == DEFAULT_CLIENT));
}

#[test]
fn errors_have_line_column_and_caret() {
    let e = parse("connect\nemit x {\"a\": }\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 14), "{e}");
    assert_eq!(e.excerpt, "  emit x {\"a\": }\n               ^");
    let e = parse("connect\nemit x {\n  \"a\" 1\n}\n").unwrap_err();
    assert_eq!((e.line, e.column), (3, 7), "{e}");
    let e = parse("connect\n  frobnicate\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 3));
    assert!(e.message.contains("unknown step"));
    let e = parse("connect as a\nconnect as b\nemit x\n").unwrap_err();
    assert!(e.message.contains("say which"), "{e}");
    let e = parse("carol: emit x\n").unwrap_err();
    assert!(e.message.contains("no client \"carol\""), "{e}");
    assert!(parse("connect\nexpect x /a is thing\n").is_err());
    assert!(parse("connect\nexpect no x\n").is_err());
    assert!(parse("/a exists\n").is_err());
    assert!(parse("connect --bogus\n").is_err());
    assert!(parse("connect --auth [1]\n").is_err());
    assert!(parse("connect\nwait x soon\n").is_err());
    assert!(parse("connect\ncapture 1x = /a\n").is_err());
    assert!(parse("connect\nemit x {{unclosed\n").is_err());
}

#[test]
fn connect_error_belongs_to_its_connect() {
    let s = parse("connect http://h/admin\nexpect connect_error /message contains auth\n  /data/reason exists\n").unwrap();
    let StepKind::Connect(connect) = &s.steps[0].kind else {
        panic!()
    };
    assert_eq!(connect.expect_error.as_ref().map(Vec::len), Some(2));
    assert!(parse("connect\nemit x\nexpect connect_error\n").is_err());
}

#[test]
fn unknown_variables_are_found_before_anything_runs() {
    let s = parse("connect {{url}}\nemit x \"{{later}}\"\ncapture later = /a\nemit y {{later}} {{env.HOME}}\n").unwrap();
    let vars: HashSet<String> = ["url".to_owned()].into();
    let e = check_variables(&s, &vars, &|_| true).unwrap_err();
    assert_eq!((e.line, e.column), (2, 9), "{e}");
    assert!(e.message.contains("{{later}}"), "{e}");
    let s = parse("connect {{url}}\ncapture later = /a\nemit y {{later}} {{env.NOPE}}\n").unwrap();
    let e = check_variables(&s, &vars, &|name| name != "NOPE").unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.message.contains("NOPE"), "{e}");
}

#[test]
fn variables_at_the_start_of_a_word_are_not_json() {
    let (words, at) =
        super::parse::words("connect {{url}}/chat -H 'X-T: {{t}}' {\"a\": {{n}}}").unwrap();
    assert_eq!(
        words,
        vec![
            "connect",
            "{{url}}/chat",
            "-H",
            "X-T: {{t}}",
            "{\"a\": {{n}}}"
        ]
    );
    assert_eq!(at, vec![0, 8, 21, 25, 37]);
}

/// A cheap stand-in for the fuzz target in `cargo test`: mangled scenarios never panic.
#[test]
fn mangled_scenarios_never_panic() {
    let base = "connect as alice {{url}} -H 'A: b'\nalice: ack join {\"room\": \"{{r}}\"}\n\
                alice: expect ack /ok == true\n  /x matches \"m-(\\d+)\"\nalice: capture c = /id matches 'é(.)'\n\
                alice: reply q {\n \"a\": [1, {{c}}]\n}\nsleep 1ms\n# ü\n";
    let alphabet: Vec<char> = "{}[]\"'\\:/.#\n \t=!@-éü{{}}abc0123".chars().collect();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let known: HashSet<String> = ["url".to_owned(), "r".to_owned()].into();
    for _ in 0..3000 {
        let mut chars: Vec<char> = base.chars().collect();
        for _ in 0..1 + next(6) {
            let at = next(chars.len() + 1);
            match next(3) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                _ => chars.insert(at.min(chars.len()), alphabet[next(alphabet.len())]),
            }
        }
        let text: String = chars.into_iter().collect();
        if let Ok(scenario) = parse(&text) {
            let _ = check_variables(&scenario, &known, &|_| true);
        }
        let _ = super::vars::placeholders(&text);
        let _ = super::parse::words(&text);
    }
}

#[test]
fn http_steps_run_on_no_client_and_feed_the_connect() {
    let text = "http POST {{url}}/login {\"user\": \"a\"}\nexpect http 200 /ok == true\n  /token is string\n\
                capture token = http /token\nhttp GET {{url}}/health\n\
                connect {{url}} --auth {\"token\": \"{{token}}\"}\nemit hi\n";
    let scenario = parse(text).unwrap();
    let clients: Vec<&str> = scenario.steps.iter().map(|s| s.client.as_str()).collect();
    assert_eq!(
        clients,
        vec!["", "", "", "", DEFAULT_CLIENT, DEFAULT_CLIENT]
    );
    let StepKind::Http(login) = &scenario.steps[0].kind else {
        panic!("{:?}", scenario.steps[0]);
    };
    assert!(login.status_checked, "its expect http checks the status");
    let StepKind::Http(health) = &scenario.steps[3].kind else {
        panic!("{:?}", scenario.steps[3]);
    };
    assert!(!health.status_checked, "no expect http: it must be 2xx");
    let StepKind::ExpectHttp { status, matchers } = &scenario.steps[1].kind else {
        panic!("{:?}", scenario.steps[1]);
    };
    assert_eq!((status.as_str(), matchers.len()), ("200", 2));
    assert!(matches!(
        &scenario.steps[2].kind,
        StepKind::Capture { from_http: true, pointer, .. } if pointer == "/token"
    ));
    let known: HashSet<String> = ["url".to_owned()].into();
    check_variables(&scenario, &known, &|_| false).unwrap();

    let e = parse("expect http 200\n").unwrap_err();
    assert_eq!((e.line, e.column), (1, 8), "{e}");
    assert!(e.message.contains("must follow an http step"), "{e}");
    let e = parse("http GET http://a.test/\nexpect http 2000\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 13), "{e}");
    let e = parse("http GET http://a.test/\ncapture t = http token\n").unwrap_err();
    assert!(e.message.contains("not a JSON pointer"), "{e}");
}
