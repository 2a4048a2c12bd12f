//! `POST /api/ai` of a test server, every request bounded by WAIT.

use serde_json::{Value, json};

use super::{Server, WAIT};

/// `POST BASE/api/ai` of `body` sent as `content_type`, bounded by WAIT: add headers, then send.
pub fn request_as(base: &str, content_type: &str, body: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(format!("{base}/api/ai"))
        .timeout(WAIT)
        .header("content-type", content_type)
        .body(body.to_owned())
}

/// `POST /api/ai` of `body` as JSON to `server`: add headers, then send.
pub fn request(server: &Server, body: &str) -> reqwest::RequestBuilder {
    request_as(&server.url, "application/json", body)
}

/// Send `request` (bounded by its timeout): the response, its body still to read.
pub async fn send(request: reqwest::RequestBuilder) -> reqwest::Response {
    request.send().await.expect("no answer to POST /api/ai")
}

/// A response's status and JSON body.
pub async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// `POST /api/ai` of `body` as JSON: the status and the JSON answer.
pub async fn post(server: &Server, body: &str) -> (u16, Value) {
    status_and_json(send(request(server, body)).await).await
}

/// `POST /api/ai` of `{"prompt": PROMPT}` (written as reqwest's `json` writes it): the status
/// and the JSON answer.
pub async fn ask(server: &Server, prompt: &str) -> (u16, Value) {
    post(server, &json!({ "prompt": prompt }).to_string()).await
}
