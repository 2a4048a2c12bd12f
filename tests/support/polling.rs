//! An Engine.IO long-polling session driven by hand over HTTP, every request bounded.

use serde_json::Value;

use super::{Server, WAIT};

/// One open Engine.IO polling session.
pub struct Polling {
    pub http: reqwest::Client,
    /// `…?EIO=4&transport=polling&sid=<sid>`
    pub url: String,
    pub sid: String,
}

/// One bounded request: its status and body.
pub async fn request(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = tokio::time::timeout(WAIT, request.send())
        .await
        .expect("no HTTP answer in time")
        .expect("HTTP request failed");
    let status = response.status().as_u16();
    let body = tokio::time::timeout(WAIT, response.text())
        .await
        .expect("no HTTP body in time")
        .unwrap_or_default();
    (status, body)
}

/// `GET url`: status and body.
pub async fn get(url: &str) -> (u16, String) {
    request(reqwest::Client::new().get(url)).await
}

impl Polling {
    /// Open a session at `path` (`/socket.io/` or `/engine.io/`); returns it and its open packet.
    pub async fn open(server: &Server, path: &str) -> (Self, String) {
        let http = reqwest::Client::new();
        let base = format!("{}{path}?EIO=4&transport=polling", server.url);
        let (status, open) = request(http.get(&base)).await;
        assert_eq!(status, 200, "{open}");
        let fields: Value = serde_json::from_str(open.trim_start_matches('0')).unwrap();
        let sid = fields["sid"].as_str().unwrap().to_owned();
        let url = format!("{base}&sid={sid}");
        (Self { http, url, sid }, open)
    }

    /// `GET` of the session: status and payload.
    pub async fn get(&self) -> (u16, String) {
        request(self.http.get(&self.url)).await
    }

    /// `POST` of `body` to the session: status and answer.
    pub async fn post(&self, body: impl Into<reqwest::Body>) -> (u16, String) {
        request(self.http.post(&self.url).body(body)).await
    }

    /// The `websocket` URL of this session's upgrade.
    pub fn upgrade_url(&self, server: &Server) -> String {
        let path = self
            .url
            .trim_start_matches(&server.url)
            .replace("transport=polling", "transport=websocket");
        server.ws_url(&path)
    }
}
