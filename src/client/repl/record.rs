//! `sockai connect --record FILE`: the session written as a scenario for `sockai run`. The
//! commands as typed, and after each what arrived: an `expect` for every event (checks made
//! by [`loosen`](super::loosen)) and an `expect ack` under the line whose ack it is. The URL is
//! the variable `{{url}}`; credentials given as flags are variables too, never written.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::loosen::{event_word, expect_lines};
use crate::client::options::{ConnectOptions, Transport};
use crate::protocol::engineio::EngineVersion;
use crate::wire::event::AI_MESSAGE_CHUNK;

/// Most entries kept (lines and events), and most bytes of payload; later ones are counted,
/// and said so in the file.
const MAX_ENTRIES: usize = 100_000;
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// An event that came this long after its line gets a `within` of twice that (a run waits
/// 5s by default): a slow answer (a real model) replays too.
const SLOW: Duration = Duration::from_secs(2);

enum Entry {
    Line(String),
    Event {
        name: String,
        payload: Value,
        /// How long after the line before it.
        after: Duration,
    },
    Disconnect(String),
    Comment(String),
    /// A line that failed: not part of the scenario.
    Gone,
}

pub(super) struct Recorder {
    pub(super) path: PathBuf,
    /// The connect line and the variables it needs, said in the header.
    connect: String,
    needs: Vec<String>,
    shown_url: String,
    entries: Vec<Entry>,
    /// Events a typed `wait`/`expect` consumed: not expected a second time.
    consumed: HashSet<usize>,
    /// The acknowledgement of the line at an entry: its payload, or why there was none.
    acks: BTreeMap<usize, Result<Value, String>>,
    /// The server closed the session: a reconnection after it is a `reconnect` step.
    closed: bool,
    dropped: usize,
    bytes: usize,
    /// When the last line ran (or the session started).
    since: Instant,
}

/// `http://host:3000/admin?x=1` → (`http://host:3000`, `/admin`): the origin becomes `{{url}}`,
/// the path the namespace.
fn split_url(url: &str) -> (String, Option<String>) {
    let after = url.find("://").map_or(0, |at| at + 3);
    match url[after..].find(['/', '?']) {
        Some(at) if url[after + at..].starts_with('/') => {
            let (origin, rest) = url.split_at(after + at);
            let path = rest.split('?').next().unwrap_or("/");
            let namespace = (path != "/").then(|| path.trim_end_matches('/').to_owned());
            (origin.to_owned(), namespace.filter(|n| !n.is_empty()))
        }
        _ => (url.to_owned(), None),
    }
}

/// A flag's value as one scenario word.
fn word(value: &str) -> String {
    if value.is_empty() || value.contains(|c: char| c.is_whitespace() || "\"'{}[]".contains(c)) {
        Value::String(value.to_owned()).to_string()
    } else {
        value.to_owned()
    }
}

impl Recorder {
    pub(super) fn new(path: PathBuf, url: &str, options: &ConnectOptions) -> Self {
        let (origin, url_namespace) = split_url(url);
        let mut connect = "connect {{url}}".to_owned();
        let mut needs = vec![format!("--var url={origin}")];
        if let Some(namespace) = options.namespace.clone().or(url_namespace) {
            connect.push_str(&format!(" --namespace {}", word(&namespace)));
        }
        if options.path != crate::wire::SOCKET_IO_PATH {
            connect.push_str(&format!(" --path {}", word(&options.path)));
        }
        if options.auth.is_some() {
            connect.push_str(" --auth {{auth}}");
            needs.push("--var auth='{…}'".to_owned());
        }
        for (i, (name, _)) in options.headers.iter().enumerate() {
            connect.push_str(&format!(" -H {{{{header{}}}}}", i + 1));
            needs.push(format!("--var 'header{}={name}: …'", i + 1));
        }
        for (key, value) in &options.query {
            connect.push_str(&format!(" --query {}", word(&format!("{key}={value}"))));
        }
        if let Some(transport) = options.transport {
            let name = match transport {
                Transport::Websocket => "websocket",
                Transport::Polling => "polling",
                Transport::Upgrade => "upgrade",
            };
            connect.push_str(&format!(" --transport {name}"));
        }
        if let Some(eio) = options.eio {
            let v = if eio == EngineVersion::V3 { 3 } else { 4 };
            connect.push_str(&format!(" --eio {v}"));
        }
        if options.insecure {
            connect.push_str(" --insecure");
        }
        Self {
            path,
            connect,
            needs,
            shown_url: origin,
            entries: Vec::new(),
            consumed: HashSet::new(),
            acks: BTreeMap::new(),
            closed: false,
            dropped: 0,
            bytes: 0,
            since: Instant::now(),
        }
    }

    fn push(&mut self, entry: Entry) -> Option<usize> {
        let bytes = match &entry {
            Entry::Line(text) | Entry::Comment(text) | Entry::Disconnect(text) => text.len(),
            Entry::Event { name, payload, .. } => name.len() + payload.to_string().len(),
            Entry::Gone => 0,
        };
        if self.entries.len() >= MAX_ENTRIES || self.bytes + bytes > MAX_BYTES {
            self.dropped += 1;
            return None;
        }
        self.bytes += bytes;
        self.entries.push(entry);
        Some(self.entries.len() - 1)
    }

    /// A line that ran, as typed; its entry (for its acknowledgement).
    pub(super) fn line(&mut self, text: &str) -> Option<usize> {
        self.since = Instant::now();
        if text.trim() == "reconnect" || text.trim() == "connect" {
            self.closed = false;
        }
        self.push(Entry::Line(text.trim().to_owned()))
    }

    pub(super) fn comment(&mut self, text: &str) {
        self.push(Entry::Comment(text.to_owned()));
    }

    /// An event that arrived; its entry, so that a typed `wait` or `expect` can consume it.
    /// The deltas of a streamed answer are left out: its `ai-message-response` has them all.
    pub(super) fn event(&mut self, name: &str, payload: &Value) -> Option<usize> {
        if name == AI_MESSAGE_CHUNK {
            return None;
        }
        self.push(Entry::Event {
            name: name.to_owned(),
            payload: payload.clone(),
            after: self.since.elapsed(),
        })
    }

    /// The server (or the network) ended the session.
    pub(super) fn disconnected(&mut self, reason: &str) -> Option<usize> {
        self.closed = true;
        self.push(Entry::Disconnect(reason.to_owned()))
    }

    /// Connected again on its own after the server closed the session: a scenario reconnects.
    pub(super) fn reconnected(&mut self) {
        if std::mem::take(&mut self.closed) {
            self.comment("# sockai connect reconnected here");
            self.push(Entry::Line("reconnect".to_owned()));
        }
    }

    /// The line at `entry` failed: leave it out.
    pub(super) fn retract(&mut self, entry: Option<usize>) {
        if let Some(slot) = entry.and_then(|e| self.entries.get_mut(e)) {
            *slot = Entry::Gone;
        }
    }

    pub(super) fn consumed(&mut self, entry: Option<usize>) {
        if let Some(entry) = entry {
            self.consumed.insert(entry);
        }
    }

    pub(super) fn ack(&mut self, entry: Option<usize>, outcome: Result<Value, String>) {
        if let Some(entry) = entry {
            self.acks.insert(entry, outcome);
        }
    }

    /// The scenario's text.
    pub(super) fn render(&self, when: &str) -> String {
        let mut out = vec![
            format!(
                "# Recorded by `sockai connect --record` at {when} against {}.",
                self.shown_url
            ),
            format!(
                "# Replay: sockai run {} {}",
                word(&self.path.display().to_string()),
                self.needs.join(" ")
            ),
            "# Values that change every run are checked by their type only: each is named in a \
             comment."
                .to_owned(),
            self.connect.clone(),
        ];
        for (index, entry) in self.entries.iter().enumerate() {
            match entry {
                Entry::Line(text) => {
                    out.push(text.clone());
                    match self.acks.get(&index) {
                        Some(Ok(payload)) => out.extend(expect_lines("expect ack", payload)),
                        Some(Err(why)) => out.push(format!("# no acknowledgement: {why}")),
                        None => {}
                    }
                }
                Entry::Event {
                    name,
                    payload,
                    after,
                } if !self.consumed.contains(&index) => {
                    let mut head = format!("expect {}", event_word(name));
                    if *after > SLOW {
                        let secs = (after.as_secs_f64() * 2.0).ceil();
                        head.push_str(&format!(" within {secs}s"));
                    }
                    out.extend(expect_lines(&head, payload));
                }
                Entry::Disconnect(reason) if !self.consumed.contains(&index) => {
                    out.push(format!(
                        "expect disconnect {}",
                        Value::String(reason.clone())
                    ));
                }
                Entry::Comment(text) => out.push(text.clone()),
                _ => {}
            }
        }
        if self.dropped > 0 {
            out.push(format!(
                "# … and {} more lines and events, not recorded (at most {MAX_ENTRIES}, {} MiB)",
                self.dropped,
                MAX_BYTES / (1024 * 1024)
            ));
        }
        let mut text = out.join("\n");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_session_becomes_a_scenario() {
        let options = ConnectOptions {
            auth: Some(json!({"token": "s3cret"})),
            headers: vec![("Authorization".into(), "Bearer abc".into())],
            query: vec![("who".into(), "me".into())],
            ..ConnectOptions::default()
        };
        let mut r = Recorder::new("rec.sockai".into(), "http://127.0.0.1:3000/admin", &options);
        r.event("welcome", &json!({"sid": "gsC2ntNnY7X2k0NAAAAB"}));
        let join = r.line("ack join {\"room\": \"lobby\"}");
        r.event("joined", &json!({"name": "bob"}));
        r.ack(join, Ok(json!({"ok": true, "members": 2})));
        let said = r.event("said", &json!("hi"));
        r.line("wait said");
        r.consumed(said);
        r.event(AI_MESSAGE_CHUNK, &json!({"delta": "x"}));
        let lost = r.line("ack slow");
        r.ack(lost, Err("no acknowledgement within 10s".into()));
        r.line("ai slow");
        // An answer that took 3.2s: the replay waits up to twice that.
        r.since = Instant::now() - Duration::from_millis(3200);
        r.event("ai-message-response", &json!({"response": "ok"}));
        r.disconnected("io server disconnect");
        r.reconnected();
        let text = r.render("2026-12-07 21:40 UTC");
        assert!(
            !text.contains("s3cret") && !text.contains("Bearer"),
            "{text}"
        );
        let body: Vec<&str> = text.lines().skip(3).collect();
        assert_eq!(
            body,
            [
                "connect {{url}} --namespace /admin --auth {{auth}} -H {{header1}} --query who=me",
                "# changes every run, so only its type is checked: /sid (an id)",
                "expect welcome /sid is string",
                "ack join {\"room\": \"lobby\"}",
                "expect ack . == {\"ok\":true,\"members\":2}",
                "expect joined . == {\"name\":\"bob\"}",
                "wait said",
                "ack slow",
                "# no acknowledgement: no acknowledgement within 10s",
                "ai slow",
                "expect ai-message-response within 7s . == {\"response\":\"ok\"}",
                "expect disconnect \"io server disconnect\"",
                "# sockai connect reconnected here",
                "reconnect",
            ]
        );
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .contains("--var url=http://127.0.0.1:3000 ")
        );
    }

    #[test]
    fn urls_split_into_origin_and_namespace() {
        assert_eq!(split_url("http://h:1"), ("http://h:1".into(), None));
        assert_eq!(split_url("http://h:1/"), ("http://h:1".into(), None));
        assert_eq!(
            split_url("https://h/chat/"),
            ("https://h".into(), Some("/chat".into()))
        );
        assert_eq!(split_url("http://h?x=1"), ("http://h?x=1".into(), None));
    }
}
