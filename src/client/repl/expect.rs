//! The scenario's checking steps at the prompt: `expect` (an event, `no`, `ack`,
//! `disconnect`), a check on a line of its own, and `capture`. Their checks are the scenario
//! language's, through the [`ScenarioSyntax`](super::steps::ScenarioSyntax) main hands over.

use serde_json::Value;

use super::arrivals::{PayloadCheck, WaitKind};
use super::session::Session;
use crate::client::command;
use crate::duration::parse_duration;

impl Session<'_> {
    fn checks(&self, words: &[String]) -> Result<Vec<PayloadCheck>, String> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let syntax = self
            .settings
            .syntax
            .ok_or("checks are not available in this build")?;
        Ok(vec![(syntax.check)(words)?])
    }

    pub(super) fn expect(&mut self, words: &[String]) -> Result<(), String> {
        let usage = "usage: expect EVENT [within DURATION] [CHECK], expect no EVENT within \
                     DURATION, expect ack [CHECK], expect disconnect [REASON]";
        let what = words.get(1).ok_or(usage)?;
        match what.as_str() {
            "no" => match &words[2..] {
                [event, w, d] if w == "within" => {
                    let event = unquote(event);
                    let within = parse_duration(d)?;
                    if let Some(arrival) = self.take_arrival(&event, false) {
                        return Err(format!(
                            "`{event}` arrived: {}",
                            crate::client::render::compact(&arrival.payload)
                        ));
                    }
                    self.wait_for(&event, Some(within), WaitKind::No);
                }
                _ => return Err("usage: expect no EVENT within DURATION".to_owned()),
            },
            "ack" => {
                let checks = self.checks(&words[2..])?;
                if !self.acks.is_empty() {
                    let within = Some(self.settings.ack_timeout);
                    self.wait_for("", within, WaitKind::Ack(checks));
                } else if let Some(ack) = self.last_ack.clone() {
                    self.last = Some(ack.clone());
                    self.check(&checks, &ack, "ack");
                } else {
                    return Err("no acknowledgement yet: `ack EVENT …` first".to_owned());
                }
            }
            "disconnect" => {
                let reason = match &words[2..] {
                    [] => None,
                    [reason] => Some(unquote(reason)),
                    _ => return Err("usage: expect disconnect [REASON]".to_owned()),
                };
                self.wait_for("disconnect", None, WaitKind::Disconnect(reason));
                if let Some(arrival) = self.take_arrival("disconnect", false)
                    && let Some(waiting) = self.waiting.take()
                {
                    self.end_wait(waiting, Some(arrival.payload));
                }
            }
            "connect_error" => {
                return Err(
                    "`expect connect_error` follows a scenario's `connect` line; \
                            `sockai connect` itself exits 3 when it is refused"
                        .to_owned(),
                );
            }
            event => {
                let event = unquote(event);
                let (within, rest) = match &words[2..] {
                    [w, d, rest @ ..] if w == "within" => (Some(parse_duration(d)?), rest),
                    rest => (None, rest),
                };
                let checks = self.checks(rest)?;
                self.wait_for(&event, within, WaitKind::Expect(checks));
                if let Some(arrival) = self.take_arrival(&event, false)
                    && let Some(waiting) = self.waiting.take()
                {
                    self.end_wait(waiting, Some(arrival.payload));
                }
            }
        }
        Ok(())
    }

    /// A check on a line of its own: on the last payload waited for (or acknowledgement).
    pub(super) fn check_last(&mut self, words: &[String]) -> Result<(), String> {
        let checks = self.checks(words)?;
        let last = self
            .last
            .clone()
            .ok_or("nothing to check yet: expect an event or an acknowledgement first")?;
        self.check(&checks, &last, "");
        Ok(())
    }

    pub(super) fn capture(&mut self, words: &[String]) -> Result<(), String> {
        let usage = "usage: capture NAME = POINTER [matches REGEX]";
        let (name, pointer, regex) = match words {
            [_, name, eq, pointer] if eq == "=" => (name, pointer, None),
            [_, name, eq, pointer, m, re] if eq == "=" && m == "matches" => {
                (name, pointer, Some(unquote_text(re)))
            }
            _ => return Err(usage.to_owned()),
        };
        if !crate::client::collection::valid_name(name) {
            return Err(format!("{name:?} is not a variable name"));
        }
        let pointer = match pointer.as_str() {
            "." => "",
            p if p.starts_with('/') => p,
            p => return Err(format!("{p:?} is not a JSON pointer (. or /a/0/b)")),
        };
        let last = self
            .last
            .as_ref()
            .ok_or("nothing to capture from: no event or acknowledgement yet")?;
        let shown = if pointer.is_empty() { "." } else { pointer };
        let found = last.pointer(pointer).ok_or_else(|| {
            format!(
                "{shown} not found in {}",
                crate::client::render::compact(last)
            )
        })?;
        let text = match found {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let value = match regex {
            None => text,
            Some(re) => {
                let re = regex::RegexBuilder::new(&re)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| format!("bad regular expression: {e}"))?;
                let caps = re
                    .captures(&text)
                    .ok_or_else(|| format!("{shown} is {text:?}, which does not match {re}"))?;
                caps.get(1)
                    .or_else(|| caps.get(0))
                    .map_or_else(String::new, |m| m.as_str().to_owned())
            }
        };
        self.info(&format!("{name} = {value}"));
        self.vars.insert(name.clone(), value);
        Ok(())
    }
}

/// An event name may be written "quoted".
fn unquote(word: &str) -> String {
    command::unquote(word)
}

/// A `"…"` regex that is not valid JSON (`"m-(\d+)"`) is its text between the quotes, as in a
/// scenario.
fn unquote_text(word: &str) -> String {
    match serde_json::from_str::<Value>(word) {
        Ok(Value::String(s)) if word.starts_with('"') => s,
        _ if word.len() >= 2 && word.starts_with('"') && word.ends_with('"') => {
            word[1..word.len() - 1].to_owned()
        }
        _ => word.to_owned(),
    }
}
