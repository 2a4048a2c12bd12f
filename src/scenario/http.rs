//! The `http` step (docs/scenarios.md): one HTTP request whose status and JSON body later
//! steps check (`expect http`) and capture from (`capture NAME = http POINTER`) — the "log in
//! over REST, then connect with the token" flow. Parsing is pure; [`send`] does the I/O.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use super::client::Fail;
use super::matcher::{short, unquote};
use super::step::{HttpStep, Problem, StepKind, problem};
use super::syntax::{check_args, check_flag};
use crate::client::value::{self, Stdin};

/// Largest response body read; a larger one fails the step.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

const USAGE: &str = "usage: http METHOD URL [-H 'Name: value' …] [--insecure] [BODY]";

/// `http METHOD URL [-H 'Name: value'] [--insecure] [BODY]`, from the line's words and their
/// character offsets in `body` (the line without its client prefix).
pub(super) fn parse(body: &str, words: &[String], at: &[usize]) -> Result<StepKind, Problem> {
    let (Some(method), Some(url)) = (words.get(1), words.get(2)) else {
        return Err(problem(0, USAGE));
    };
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if method.is_empty() || !method.chars().all(token) {
        return Err(problem(at[1], format!("{method:?} is not an HTTP method")));
    }
    if !url.contains("{{") {
        check_url(&unquote(url)).map_err(|m| Problem(at[2], m))?;
    }
    let mut step = HttpStep {
        method: method.to_ascii_uppercase(),
        url: url.clone(),
        ..HttpStep::default()
    };
    let mut i = 3;
    while let Some(word) = words.get(i) {
        match word.as_str() {
            "-H" | "--header" => {
                let Some(value) = words.get(i + 1) else {
                    return Err(problem(at[i], format!("{word} needs a value")));
                };
                if !value.contains("{{") {
                    check_flag("--header", &unquote(value)).map_err(|m| Problem(at[i + 1], m))?;
                }
                step.headers.push(value.clone());
                i += 2;
            }
            "--insecure" => {
                step.insecure = true;
                i += 1;
            }
            flag if flag.starts_with("--") => {
                return Err(problem(at[i], format!("unknown http flag {flag}; {USAGE}")));
            }
            _ if step.body.is_some() => {
                return Err(problem(
                    at[i],
                    "a second body: the body is one argument (quote text, or write JSON)",
                ));
            }
            _ => {
                check_args(body, &words[i..=i], &at[i..=i])?;
                step.body = Some(word.clone());
                i += 1;
            }
        }
    }
    Ok(StepKind::Http(step))
}

fn check_url(url: &str) -> Result<(), String> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        Ok(u) => Err(format!(
            "{url:?}: an http step's URL is http:// or https://, not {}:",
            u.scheme()
        )),
        Err(e) => Err(format!("{url:?} is not a URL: {e}")),
    }
}

/// `expect http STATUS`: three characters, each a digit or `x` (`200`, `2xx`, `40x`).
pub(super) fn parse_status(word: &str) -> Result<String, String> {
    let lower = word.to_ascii_lowercase();
    let valid = lower.len() == 3
        && lower.starts_with(['1', '2', '3', '4', '5'])
        && lower.chars().all(|c| c.is_ascii_digit() || c == 'x');
    if valid {
        Ok(lower)
    } else {
        Err(format!(
            "{word:?} is not a status: write 200, or 2xx for any success"
        ))
    }
}

/// Does `status` match the pattern (`200`, `2xx`, …)?
pub fn status_matches(pattern: &str, status: u16) -> bool {
    let digits = status.to_string();
    digits.len() == pattern.len()
        && pattern
            .chars()
            .zip(digits.chars())
            .all(|(p, d)| p == 'x' || p == d)
}

/// What a request answered: its status and body (JSON if it parses, else its text; `null` if
/// empty).
#[derive(Debug, Clone)]
pub(super) struct Response {
    pub(super) status: u16,
    pub(super) body: Value,
    /// `POST http://…/login`, for messages.
    pub(super) request: String,
}

impl Response {
    pub(super) fn summary(&self) -> String {
        format!(
            "{} answered {}: {}",
            self.request,
            self.status,
            short(&self.body)
        )
    }
}

/// The run's HTTP clients, built on first use (certificate checking on, and off for
/// `--insecure`) and shared by every file.
#[derive(Default)]
pub struct Clients {
    checked: OnceLock<reqwest::Client>,
    insecure: OnceLock<reqwest::Client>,
}

impl Clients {
    fn get(&self, insecure: bool) -> Result<&reqwest::Client, Fail> {
        let cell = if insecure {
            &self.insecure
        } else {
            &self.checked
        };
        if let Some(client) = cell.get() {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(insecure)
            .user_agent(concat!("sockai/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {}", chain(&e)))?;
        Ok(cell.get_or_init(|| client))
    }
}

/// A request whose URL, headers and body have had their variables replaced.
pub(super) struct Resolved {
    pub(super) method: String,
    pub(super) url: String,
    pub(super) headers: Vec<String>,
    pub(super) body: Option<String>,
    pub(super) insecure: bool,
}

impl Resolved {
    /// The step with `subst` applied to its URL, headers and body (a `"JSON string"` URL or
    /// header is its text).
    pub(super) fn of(
        step: &HttpStep,
        subst: &dyn Fn(&str) -> Result<String, Fail>,
    ) -> Result<Self, Fail> {
        Ok(Self {
            method: step.method.clone(),
            url: unquote(&subst(&step.url)?),
            headers: (step.headers.iter())
                .map(|h| subst(h).map(|h| unquote(&h)))
                .collect::<Result<_, _>>()?,
            body: step.body.as_deref().map(subst).transpose()?,
            insecure: step.insecure,
        })
    }
}

/// Send the request and read its answer, within `timeout` (`said` says how long, for the
/// message). A refused connection is a connect failure (exit 3); any status is an answer.
pub(super) async fn send(
    clients: &Clients,
    request: Resolved,
    timeout: Duration,
    said: &str,
) -> Result<Response, Fail> {
    let shown = format!("{} {}", request.method, request.url);
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| format!("{:?} is not an HTTP method", request.method))?;
    check_url(&request.url)?;
    let mut builder = clients.get(request.insecure)?.request(method, &request.url);
    for header in &request.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| format!("header {header:?}: expected 'Name: value'"))?;
        let name = reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("header {header:?}: not a header name"))?;
        let value = reqwest::header::HeaderValue::from_str(value.trim())
            .map_err(|_| format!("header {header:?}: not a header value"))?;
        builder = builder.header(name, value);
    }
    if let Some(word) = &request.body {
        let body = value::resolve_args(std::slice::from_ref(word), Stdin::None)
            .map_err(|e| format!("{shown}: body: {e}"))?
            .pop()
            .unwrap_or(Value::Null);
        builder = builder.json(&body);
    }
    let exchange = async {
        let mut response = builder.send().await?;
        let status = response.status().as_u16();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Ok(Err(status));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Ok((status, bytes)))
    };
    let answer: Result<_, reqwest::Error> = match tokio::time::timeout(timeout, exchange).await {
        Ok(answer) => answer,
        Err(_) => return Err(format!("{shown}: no answer {said}").into()),
    };
    let (status, bytes) = match answer {
        Ok(Ok(read)) => read,
        Ok(Err(status)) => {
            return Err(format!(
                "{shown}: status {status}, with a body larger than {} MiB",
                MAX_BODY / (1024 * 1024)
            )
            .into());
        }
        Err(e) if e.is_connect() => {
            let why = innermost(&e);
            let hint = if why.contains("certificate") {
                " (for a development server with a self-signed certificate: --insecure)"
            } else {
                ""
            };
            return Err(Fail {
                message: format!("{shown}: cannot connect: {why}{hint}"),
                connect: true,
            });
        }
        Err(e) => return Err(format!("{shown}: {}", chain(&e)).into()),
    };
    Ok(Response {
        status,
        body: body_value(&bytes),
        request: shown,
    })
}

/// A body as checks see it: JSON if it parses, else its text, `null` if empty.
fn body_value(bytes: &[u8]) -> Value {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// The most precise cause of an error ("Connection refused (os error 111)").
fn innermost(error: &dyn std::error::Error) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// An error and its causes, the most precise last ("… tcp connect error: Connection refused").
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// An `http` step that no `expect http` checks must answer 2xx.
pub(super) fn check_default_status(step: &HttpStep, response: &Response) -> Result<(), Fail> {
    if step.status_checked || (200..300).contains(&response.status) {
        Ok(())
    } else {
        Err(format!(
            "{} (expected 2xx; `expect http STATUS` on the next line checks another)",
            response.summary()
        )
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::syntax::words;

    fn http(line: &str) -> Result<HttpStep, (usize, String)> {
        let (w, at) = words(line).unwrap();
        match parse(line, &w, &at) {
            Ok(StepKind::Http(step)) => Ok(step),
            Ok(other) => panic!("{other:?}"),
            Err(Problem(at, m)) => Err((at, m)),
        }
    }

    #[test]
    fn a_request_has_its_method_url_headers_and_body() {
        let step =
            http("http post {{url}}/login -H 'X-Api: {{key}}' --insecure {\"user\": \"{{who}}\"}")
                .unwrap();
        assert_eq!(step.method, "POST");
        assert_eq!(step.url, "{{url}}/login");
        assert_eq!(step.headers, vec!["X-Api: {{key}}"]);
        assert_eq!(step.body.as_deref(), Some("{\"user\": \"{{who}}\"}"));
        assert!(step.insecure && !step.status_checked);
        let get = http("http GET https://example.test/health").unwrap();
        assert_eq!((get.method.as_str(), get.body), ("GET", None));
    }

    #[test]
    fn bad_requests_are_refused_at_their_column() {
        let cases = [
            ("http GET", 0, "usage: http METHOD URL"),
            ("http G(T http://a.test/", 5, "not an HTTP method"),
            ("http GET ftp://a.test/", 9, "http:// or https://"),
            ("http GET nowhere", 9, "is not a URL"),
            ("http GET http://a.test/ -H nocolon", 27, "Name: value"),
            ("http GET http://a.test/ -H", 24, "-H needs a value"),
            (
                "http GET http://a.test/ --location",
                24,
                "unknown http flag",
            ),
            ("http POST http://a.test/ {\"a\": }", 31, "not valid JSON"),
            ("http POST http://a.test/ 1 2", 27, "a second body"),
        ];
        for (line, column, message) in cases {
            let (at, got) = http(line).unwrap_err();
            assert!(got.contains(message), "{line}: {got}");
            assert_eq!(at, column, "{line}: {got}");
        }
    }

    #[test]
    fn statuses_match_exactly_or_by_class() {
        assert_eq!(parse_status("2XX").unwrap(), "2xx");
        assert!(parse_status("600").is_err() && parse_status("20").is_err());
        assert!(parse_status("abc").is_err());
        assert!(status_matches("200", 200) && !status_matches("200", 201));
        assert!(status_matches("2xx", 204) && !status_matches("2xx", 404));
        assert!(status_matches("40x", 401) && !status_matches("40x", 410));
    }

    #[test]
    fn a_body_is_json_text_or_null() {
        assert_eq!(body_value(b"{\"a\": 1}"), serde_json::json!({"a": 1}));
        assert_eq!(body_value(b"not json"), Value::String("not json".into()));
        assert_eq!(body_value(b" \n"), Value::Null);
        assert_eq!(body_value(&[0xff, b'a']), Value::String("\u{fffd}a".into()));
    }

    #[test]
    fn a_status_outside_2xx_fails_without_an_expect() {
        let response = |status| Response {
            status,
            body: serde_json::json!({"error": "no"}),
            request: "POST http://a.test/login".into(),
        };
        let step = HttpStep::default();
        assert!(check_default_status(&step, &response(204)).is_ok());
        let checked = HttpStep {
            status_checked: true,
            ..HttpStep::default()
        };
        assert!(check_default_status(&checked, &response(401)).is_ok());
        let fail = check_default_status(&step, &response(401)).unwrap_err();
        assert_eq!(
            fail.message,
            "POST http://a.test/login answered 401: {\"error\":\"no\"} (expected 2xx; \
             `expect http STATUS` on the next line checks another)"
        );
    }
}
