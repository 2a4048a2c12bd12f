//! `sockai run`'s `http` step: log in over REST, capture the token, connect with it — against
//! the REST routes of the Node and Python chat servers — and every way a request fails.

use crate::support::NodeServer;
use crate::support::python::PythonServer;
use crate::support::refused_url;
use crate::support::scenario::{Scenarios, file_records, read_junit, record_of, run_scenarios};
use crate::support::tls::TlsProxy;

const LOGIN: &str = r#"# Log in over REST, then connect with the token.
http POST {{url}}/login {"user": "{{user}}", "password": "{{env.SOCKAI_TEST_PASSWORD}}"}
expect http 200 /ok == true
  /token matches "^t-[0-9a-f]+$"
capture token = http /token
http get {{url}}/me -H 'Authorization: Bearer {{token}}' -H "Accept: application/json"
expect http 2xx /user == "{{user}}"
connect {{url}}/members --auth {"token": "{{token}}"}
expect welcome /user == "{{user}}"
ack join {"room": "r", "name": "{{user}}"}
expect ack /ok == true
# Without the token, the namespace refuses.
connect as mallory {{url}}/members --auth {"token": "t-0"}
expect connect_error /data/reason == "unknown token"
"#;

fn login_passes(url: &str) {
    let files = Scenarios::new();
    let login = files.write("login.sockai", LOGIN);
    let args = [
        login.to_str().unwrap(),
        "--var",
        &format!("url={url}"),
        "--var",
        "user=ann \"the admin\"",
        "--secret",
        "token",
        "--json",
    ];
    let env = [("SOCKAI_TEST_PASSWORD", "pw")];
    let (stdout, stderr, code) = run_scenarios(&args, &env);
    assert_eq!(code, 0, "{url}:\n{stdout}\n{stderr}");
    let records = file_records(&stdout);
    assert_eq!(
        record_of(&records, "/login.sockai")["steps"],
        10,
        "{stdout}"
    );

    // The captured token is a secret: a failing check on it shows `***`.
    let leak = files.write(
        "leak.sockai",
        &LOGIN.replace(
            "capture token = http /token\n",
            "capture token = http /token\nexpect http 200 /token == \"{{token}}x\"\n",
        ),
    );
    let (stdout, _, code) = run_scenarios(&[&[leak.to_str().unwrap()], &args[1..]].concat(), &env);
    assert_eq!(code, 1, "{stdout}");
    let records = file_records(&stdout);
    let failure = &record_of(&records, "/leak.sockai")["failure"];
    assert_eq!(failure["line"], 6, "{failure}");
    assert_eq!(
        failure["message"],
        "expected /token == \"{{token}}x\": /token is \"***\", expected \"***x\""
    );
    let token = regex::Regex::new("t-[0-9a-f]{16}").unwrap();
    assert!(!token.is_match(&stdout), "{stdout}");
}

#[test]
fn login_over_rest_then_connect_with_the_token_on_node() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    login_passes(&server.url);
}

#[test]
fn login_over_rest_then_connect_with_the_token_on_python_socketio() {
    let server = PythonServer::start("chat_server.py");
    login_passes(&server.url);
}

/// Each file fails at its line with its own message.
const FAILING: &[(&str, &str, u64, &str)] = &[
    (
        "status",
        "http POST {{url}}/login {\"password\": \"no\"}\n",
        1,
        "/login answered 401: {\"ok\":false,\"error\":\"bad password\"} (expected 2xx; \
         `expect http STATUS` on the next line checks another)",
    ),
    (
        "expect_status",
        "http POST {{url}}/login {\"password\": \"no\"}\nexpect http 200\n",
        2,
        "expected status 200: POST http://127.0.0.1:",
    ),
    (
        "not_found",
        "# a comment\nhttp DELETE {{url}}/nothing\nexpect http 2xx\n",
        3,
        "/nothing answered 404:",
    ),
    (
        "body",
        "http POST {{url}}/login {\"user\": \"a\", \"password\": \"pw\"}\nexpect http 2xx\n  /ok == true\n  /user == \"b\"\n",
        2,
        "expected /user == \"b\": /user is \"a\", expected \"b\"",
    ),
    (
        "too_large",
        "http GET {{url}}/big\n",
        1,
        "GET http://127.0.0.1:",
    ),
    (
        "timeout",
        "\nhttp GET {{url}}/never\n",
        2,
        "no answer within 500ms",
    ),
    (
        "no_response",
        "capture t = http /token\n",
        1,
        "no HTTP response yet",
    ),
    (
        "header",
        "http GET {{url}}/me -H 'Authorization: Bearer nope'\nexpect http 401 /error == \"unknown\"\n",
        2,
        "expected /error == \"unknown\": /error is \"unknown token\"",
    ),
];

#[test]
fn every_http_failure_has_its_message_and_line() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    let files = Scenarios::new();
    for (name, text, _, _) in FAILING {
        files.write(&format!("{name}.sockai"), text);
    }
    let junit = files.path().join("junit.xml");
    let (stdout, stderr, code) = run_scenarios(
        &[
            files.path().to_str().unwrap(),
            "--var",
            &format!("url={}", server.url),
            "--timeout",
            "500ms",
            "--jobs",
            "4",
            "--json",
            "--report-junit",
            junit.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let records = file_records(&stdout);
    assert_eq!(records.len(), FAILING.len(), "{stdout}");
    for (name, _, line, message) in FAILING {
        let record = record_of(&records, &format!("/{name}.sockai"));
        assert_eq!(record["failure"]["line"], *line, "{name}: {record}");
        let got = record["failure"]["message"].as_str().unwrap();
        assert!(got.contains(message), "{name}: {got:?} lacks {message:?}");
    }
    let big = record_of(&records, "/too_large.sockai")["failure"]["message"].clone();
    assert!(
        big.as_str()
            .unwrap()
            .ends_with("/big: status 200, with a body larger than 4 MiB"),
        "{big}"
    );
    let report = read_junit(&junit);
    assert_eq!(report["failures"], FAILING.len());
    let status = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap().ends_with("/status.sockai"))
        .unwrap();
    assert_eq!(status["line"], "1");
}

#[test]
fn a_refused_request_is_exit_3() {
    let files = Scenarios::new();
    let file = files.write("down.sockai", "http GET {{url}}/health\n");
    let url = format!("url={}", refused_url());
    let (stdout, _, code) = run_scenarios(&[file.to_str().unwrap(), "--var", &url], &[]);
    assert_eq!(code, 3, "{stdout}");
    assert!(
        stdout.contains("down.sockai:1: http GET {{url}}/health")
            && stdout.contains("/health: cannot connect: Connection refused"),
        "{stdout}"
    );
}

#[test]
fn a_malformed_http_step_is_exit_2_with_its_caret() {
    let files = Scenarios::new();
    let bad = files.write("bad.sockai", "http PUT {{u}} {\"a\": }\n");
    let (_, stderr, code) = run_scenarios(&[bad.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("bad.sockai:1:22: not valid JSON"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n  http PUT {{u}} {\"a\": }\n                       ^"),
        "{stderr}"
    );
    let orphan = files.write("orphan.sockai", "expect http 200\n");
    let (_, stderr, code) = run_scenarios(&[orphan.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("orphan.sockai:1:8: expect http must follow an http step"),
        "{stderr}"
    );
}

#[test]
fn https_with_a_self_signed_certificate_needs_insecure() {
    let server = NodeServer::start_script("chat-server.mjs", &[]);
    let tls = TlsProxy::start(server.url.trim_start_matches("http://"));
    let files = Scenarios::new();
    let insecure = files.write(
        "insecure.sockai",
        "http POST {{url}}/login --insecure {\"user\": \"t\", \"password\": \"pw\"}\n\
         expect http 200 /user == \"t\"\ncapture token = http /token\n\
         connect {{url}}/members --insecure --auth {\"token\": \"{{token}}\"}\n\
         expect welcome /user == \"t\"\n",
    );
    let url = format!("url={}", tls.url);
    let (stdout, stderr, code) = run_scenarios(&[insecure.to_str().unwrap(), "--var", &url], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let checked = files.write("checked.sockai", "http GET {{url}}/me\n");
    let (stdout, _, code) = run_scenarios(&[checked.to_str().unwrap(), "--var", &url], &[]);
    assert_ne!(code, 0, "{stdout}");
    assert!(
        stdout.contains("checked.sockai:1: http GET {{url}}/me")
            && stdout.contains("certificate: --insecure)"),
        "{stdout}"
    );
}
