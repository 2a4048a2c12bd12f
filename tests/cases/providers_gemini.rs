//! `sockai serve --provider gemini` against a fake Generative Language API speaking its wire
//! format (fixtures after the `generateContent` / `streamGenerateContent?alt=sse` reference):
//! streamed events are whole `GenerateContentResponse`s, CRLF-framed, ending at EOF.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::support::api;
use crate::support::fake_upstream::{FakeUpstream, Reply};
use crate::support::ws::Ws;
use crate::support::{Server, WAIT, sockai};

const KEY: &str = "AIzaSy-test-key-0123456789";

fn response(text: &str, finish_reason: Option<&str>) -> Value {
    let mut candidate = json!({
        "content": {"parts": [{"text": text}], "role": "model"},
        "index": 0,
    });
    if let Some(reason) = finish_reason {
        candidate["finishReason"] = json!(reason);
    }
    let mut response = json!({
        "candidates": [candidate],
        "modelVersion": "gemini-2.5-flash",
        "responseId": "mIm4aO2pBMWbmNAPrOqJ4Q8",
    });
    if finish_reason.is_some() {
        response["usageMetadata"] =
            json!({"promptTokenCount": 8, "candidatesTokenCount": 5, "totalTokenCount": 13});
    }
    response
}

/// One SSE event as Gemini frames it: `data: …` and CRLF line ends.
fn crlf_event(value: &Value) -> String {
    format!("data: {value}\r\n\r\n")
}

fn server(fake: &FakeUpstream, extra: &[&str], env: &[(&str, &str)]) -> Server {
    let mut args = vec!["--provider", "gemini", "--base-url", &fake.url];
    args.extend_from_slice(extra);
    Server::start_with_env(&args, env)
}

async fn ask_over_bridge(server: &Server, prompt: &str) -> (Ws, Vec<Value>) {
    let (mut ws, _) = tokio_tungstenite::connect_async(server.ws_url("/"))
        .await
        .unwrap();
    let frame = json!({"event": "ai-message", "data": {"prompt": prompt}});
    ws.send(Message::text(frame.to_string())).await.unwrap();
    let mut frames = Vec::new();
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("no frame in time")
            .unwrap()
            .unwrap();
        let frame: Value = serde_json::from_str(frame.to_text().unwrap()).unwrap();
        let last = frame["event"] != "ai-message-chunk";
        frames.push(frame);
        if last {
            return (ws, frames);
        }
    }
}

#[tokio::test]
async fn a_crlf_framed_stream_reaches_the_bridge_as_chunks_then_response() {
    let first = crlf_event(&response("Why did the ", None));
    let (a, b) = first.split_at(first.len() / 2);
    let fake = FakeUpstream::start(vec![Reply::sse(&[
        a,
        b,
        &crlf_event(&response("socket cross the road?", None)),
        &crlf_event(&response(" To connect.", Some("STOP"))),
    ])]);
    let server = server(
        &fake,
        &[
            "--system",
            "Answer with jokes.",
            "--temperature",
            "0.5",
            "--max-tokens",
            "200",
        ],
        &[("GEMINI_API_KEY", KEY)],
    );
    let started = server.wait_for_log("sockai AI server started");
    assert_eq!(
        (started["provider"].as_str(), started["model"].as_str()),
        (Some("gemini"), Some("gemini-2.5-flash"))
    );
    let (_ws, frames) = ask_over_bridge(&server, "Tell me a joke").await;
    let deltas: Vec<_> = frames[..frames.len() - 1]
        .iter()
        .map(|f| f["data"]["delta"].as_str().unwrap())
        .collect();
    assert_eq!(
        deltas,
        ["Why did the ", "socket cross the road?", " To connect."]
    );
    let answer = frames.last().unwrap();
    assert_eq!(answer["event"], "ai-message-response");
    assert_eq!(
        answer["data"]["response"],
        "Why did the socket cross the road? To connect."
    );
    assert_eq!(answer["data"]["finish_reason"], "stop");
    assert_eq!(
        answer["data"]["usage"],
        json!({"prompt_tokens": 8, "completion_tokens": 5})
    );
    assert_eq!(answer["data"]["id"], frames[0]["data"]["id"]);

    let request = &fake.requests()[0];
    assert_eq!(
        request.uri,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(request.headers["x-goog-api-key"], KEY);
    assert!(!request.uri.contains(KEY), "the key must not be in the URL");
    assert_eq!(
        request.body,
        json!({
            "contents": [{"role": "user", "parts": [{"text": "Tell me a joke"}]}],
            "systemInstruction": {"parts": [{"text": "Answer with jokes."}]},
            "generationConfig": {"temperature": 0.5, "maxOutputTokens": 200},
        })
    );
    assert!(!server.all_logs().contains(KEY));
}

#[tokio::test]
async fn memory_uses_user_and_model_roles_and_no_stream_uses_generate_content() {
    let whole = |text: &str| Reply::json(200, &response(text, Some("STOP")).to_string());
    let fake = FakeUpstream::start(vec![whole("Hi Ada!"), whole("Your name is Ada.")]);
    let server = server(
        &fake,
        &["--no-stream", "--model", "gemini-2.5-pro"],
        &[("GEMINI_API_KEY", KEY)],
    );
    let (mut ws, frames) = ask_over_bridge(&server, "I am Ada").await;
    assert_eq!(frames.len(), 1, "--no-stream sends no chunks: {frames:?}");
    assert_eq!(frames[0]["data"]["response"], "Hi Ada!");
    let frame = json!({"event": "ai-message", "data": {"prompt": "Who am I?"}});
    ws.send(Message::text(frame.to_string())).await.unwrap();
    let answer = tokio::time::timeout(WAIT, ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(answer.to_text().unwrap().contains("Your name is Ada."));
    let requests = fake.wait_requests(2);
    assert_eq!(
        requests[1].uri,
        "/v1beta/models/gemini-2.5-pro:generateContent"
    );
    assert_eq!(
        requests[1].body["contents"],
        json!([
            {"role": "user", "parts": [{"text": "I am Ada"}]},
            {"role": "model", "parts": [{"text": "Hi Ada!"}]},
            {"role": "user", "parts": [{"text": "Who am I?"}]},
        ])
    );
}

#[tokio::test]
async fn google_api_key_wins_over_gemini_api_key() {
    let fake = FakeUpstream::start(vec![Reply::sse(&[&crlf_event(&response(
        "ok",
        Some("STOP"),
    ))])]);
    let server = server(
        &fake,
        &[],
        &[
            ("GEMINI_API_KEY", "the-gemini-key"),
            ("GOOGLE_API_KEY", KEY),
        ],
    );
    assert_eq!(api::ask(&server, "hi").await.0, 200);
    assert_eq!(fake.requests()[0].headers["x-goog-api-key"], KEY);
}

#[tokio::test]
async fn a_blocked_prompt_is_blocked() {
    let blocked = json!({
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [
            {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}
        ]},
        "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7},
        "modelVersion": "gemini-2.5-flash",
    });
    let fake = FakeUpstream::start(vec![Reply::sse(&[&crlf_event(&blocked)])]);
    let server = server(&fake, &[], &[("GEMINI_API_KEY", KEY)]);
    let (status, error) = api::ask(&server, "something dangerous").await;
    assert_eq!((status, error["code"].as_str()), (502, Some("blocked")));
    assert!(
        error["message"].as_str().unwrap().contains("SAFETY"),
        "{error}"
    );
}

#[tokio::test]
async fn error_statuses_map_to_codes_without_the_key() {
    let google_error = |code: u16, message: &str, status: &str| {
        json!({"error": {"code": code, "message": message, "status": status}}).to_string()
    };
    let fake = FakeUpstream::start(vec![
        Reply::json(
            400,
            &google_error(
                400,
                "API key not valid. Please pass a valid API key.",
                "INVALID_ARGUMENT",
            ),
        ),
        Reply::json(
            401,
            &google_error(
                401,
                &format!("Request had invalid authentication credentials: {KEY}"),
                "UNAUTHENTICATED",
            ),
        ),
        Reply::json(
            403,
            &google_error(
                403,
                "Method doesn't allow unregistered callers.",
                "PERMISSION_DENIED",
            ),
        ),
        Reply::json(
            429,
            &google_error(
                429,
                "You exceeded your current quota.",
                "RESOURCE_EXHAUSTED",
            ),
        ),
        Reply::json(
            500,
            &google_error(500, "An internal error has occurred.", "INTERNAL"),
        ),
        Reply::json(
            503,
            &google_error(
                503,
                "The model is overloaded. Please try again later.",
                "UNAVAILABLE",
            ),
        ),
    ]);
    let server = server(&fake, &["--ai-retries", "0"], &[("GEMINI_API_KEY", KEY)]);
    for (status, code, text) in [
        (502, "bad_request", "API key not valid"),
        (502, "unauthorized", "invalid authentication credentials"),
        (502, "unauthorized", "unregistered callers"),
        (429, "rate_limited", "RESOURCE_EXHAUSTED"),
        (502, "upstream", "internal error"),
        (503, "unavailable", "overloaded"),
    ] {
        let (got_status, error) = api::ask(&server, "hi").await;
        assert_eq!((got_status, error["code"].as_str()), (status, Some(code)));
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(text), "{message}");
        assert!(!message.contains(KEY), "{message}");
    }
    assert_eq!(fake.requests().len(), 6, "--ai-retries 0: no retry");
    assert!(
        !server.all_logs().contains(KEY),
        "the key leaked into the logs"
    );
}

#[tokio::test]
async fn a_stream_cut_off_or_failing_midway_is_an_error() {
    let fake = FakeUpstream::start(vec![
        // LF framing this time; EOF before any finishReason.
        Reply::sse(&[&format!("data: {}\n\n", response("Half", None))]),
        Reply::sse(&[
            &crlf_event(&response("Half", None)),
            &crlf_event(
                &json!({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}),
            ),
        ]),
    ]);
    let server = server(&fake, &[], &[("GEMINI_API_KEY", KEY)]);
    let (_ws, frames) = ask_over_bridge(&server, "hi").await;
    let error = frames.last().unwrap();
    assert_eq!(error["event"], "ai-message-error");
    assert_eq!(error["data"]["code"], "upstream");
    assert!(
        error["data"]["message"]
            .as_str()
            .unwrap()
            .contains("ended before"),
        "{error}"
    );
    let (_ws, frames) = ask_over_bridge(&server, "hi").await;
    assert_eq!(frames[0]["data"]["delta"], "Half");
    assert_eq!(frames.last().unwrap()["data"]["code"], "unavailable");
}

#[test]
fn gemini_without_a_key_is_a_one_line_usage_error() {
    let out = sockai()
        .args(["serve", "--port", "0", "--provider", "gemini"])
        .env_remove("GEMINI_API_KEY")
        .env_remove("GOOGLE_API_KEY")
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(
        stderr.trim(),
        "sockai: error: --provider gemini needs an API key: set GEMINI_API_KEY or GOOGLE_API_KEY"
    );
    // Also from the environment variable naming the provider.
    sockai()
        .args(["serve", "--port", "0"])
        .env("SOCKAI_PROVIDER", "gemini")
        .env_remove("GEMINI_API_KEY")
        .env_remove("GOOGLE_API_KEY")
        .assert()
        .code(2);
}
