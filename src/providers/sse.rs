//! A small Server-Sent Events parser, fed with whatever bytes the network hands over.
//!
//! Hand-written rather than a crate: both providers need only `data:` (and `event:`) fields,
//! and the cases that matter here are easy to get wrong in a general parser and easy to test
//! in a small one: LF, CRLF and lone-CR line ends (Gemini frames with CRLF), a CRLF split across
//! two reads, an event split across reads, comment lines (`: ping`), and a line that never ends.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The `event:` field, if any (the SSE default type is `message`).
    pub event: Option<String>,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an event stream line is longer than {0} bytes")]
pub struct LineTooLong(pub usize);

/// Longest line accepted; a peer that never ends a line must not grow memory without bound.
const MAX_LINE: usize = 4 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes of the current, unfinished line.
    line: Vec<u8>,
    /// The previous read ended with `\r`: a `\n` at the start of the next one belongs to it.
    after_cr: bool,
    /// Nothing has been read yet: a leading byte-order mark is skipped.
    started: bool,
    event: Option<String>,
    data: Option<String>,
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed bytes; returns the events they complete, in order.
    pub fn push(&mut self, mut bytes: &[u8]) -> Result<Vec<Event>, LineTooLong> {
        let mut events = Vec::new();
        if bytes.is_empty() {
            return Ok(events);
        }
        if !self.started {
            self.started = true;
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        if self.after_cr {
            self.after_cr = false;
            bytes = bytes.strip_prefix(b"\n").unwrap_or(bytes);
        }
        while let Some(end) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.line.extend_from_slice(&bytes[..end]);
            let line = std::mem::take(&mut self.line);
            self.process_line(&line, &mut events);
            let crlf = bytes[end] == b'\r';
            bytes = &bytes[end + 1..];
            if crlf {
                if bytes.is_empty() {
                    self.after_cr = true;
                } else {
                    bytes = bytes.strip_prefix(b"\n").unwrap_or(bytes);
                }
            }
        }
        self.line.extend_from_slice(bytes);
        if self.line.len() > MAX_LINE {
            return Err(LineTooLong(MAX_LINE));
        }
        Ok(events)
    }

    /// The stream ended. An event whose blank line never came is still dispatched: a truncated
    /// event then fails to parse as JSON and is reported, rather than silently lost.
    pub fn finish(&mut self) -> Option<Event> {
        let line = std::mem::take(&mut self.line);
        let mut events = Vec::new();
        if !line.is_empty() {
            self.process_line(&line, &mut events);
        }
        self.process_line(b"", &mut events);
        events.pop()
    }

    fn process_line(&mut self, line: &[u8], events: &mut Vec<Event>) {
        if line.is_empty() {
            if let Some(data) = self.data.take() {
                events.push(Event {
                    event: self.event.take(),
                    data,
                });
            }
            self.event = None;
            return;
        }
        // Bytes are split only at line ends, so a line holds whole UTF-8 characters.
        let line = String::from_utf8_lossy(line);
        if line.starts_with(':') {
            return; // a comment, e.g. a keep-alive `: ping`
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            "event" => self.event = Some(value.to_owned()),
            _ => {} // `id`, `retry` and unknown fields do not matter to a one-shot request
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(events: &[Event]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    fn all_at_once(input: &str) -> Vec<Event> {
        let mut parser = Parser::new();
        let mut events = parser.push(input.as_bytes()).unwrap();
        events.extend(parser.finish());
        events
    }

    #[test]
    fn lf_crlf_and_cr_framing_give_the_same_events() {
        for input in [
            "data: one\n\ndata: two\n\n",
            "data: one\r\n\r\ndata: two\r\n\r\n",
            "data: one\r\rdata: two\r\r",
        ] {
            assert_eq!(data(&all_at_once(input)), ["one", "two"], "{input:?}");
        }
    }

    #[test]
    fn every_split_point_gives_the_same_events() {
        let input =
            "\u{feff}: ping\r\nevent: delta\r\ndata: {\"a\":\r\ndata: \"é\"}\r\n\r\ndata:x\n\n";
        let whole = all_at_once(input);
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[0].event.as_deref(), Some("delta"));
        assert_eq!(whole[0].data, "{\"a\":\n\"é\"}");
        assert_eq!(whole[1].data, "x");
        let bytes = input.as_bytes();
        for split in 0..=bytes.len() {
            for second in split..=bytes.len() {
                let mut parser = Parser::new();
                let mut events = parser.push(&bytes[..split]).unwrap();
                events.extend(parser.push(&bytes[split..second]).unwrap());
                events.extend(parser.push(&bytes[second..]).unwrap());
                events.extend(parser.finish());
                assert_eq!(events, whole, "split at {split} and {second}");
            }
        }
    }

    #[test]
    fn comments_and_other_fields_are_skipped() {
        let events = all_at_once(": ping - 2026-11-25\nid: 7\nretry: 10\ndata: [DONE]\n\n");
        assert_eq!(data(&events), ["[DONE]"]);
        assert_eq!(events[0].event, None);
    }

    #[test]
    fn an_unterminated_last_event_is_dispatched_at_the_end() {
        assert_eq!(
            data(&all_at_once("data: {\"partial\": tr")),
            ["{\"partial\": tr"]
        );
        assert!(all_at_once("").is_empty());
        assert!(all_at_once(": only a comment\n").is_empty());
    }

    #[test]
    fn a_line_that_never_ends_is_an_error() {
        let mut parser = Parser::new();
        let long = vec![b'a'; MAX_LINE + 1];
        assert_eq!(parser.push(&long), Err(LineTooLong(MAX_LINE)));
    }
}
