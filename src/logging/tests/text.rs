//! Tests of `text.rs`: the layer's lines against tracing-subscriber's, and the direct path's
//! against the layer's.

use super::*;
use tracing_subscriber::layer::SubscriberExt;

/// The lines `log` produces, each without its timestamp.
fn lines(ansi: bool, log: impl FnOnce()) -> Vec<String> {
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    struct Into(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Into {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let (sink, worker) = super::super::writer::spawn(Into(calls.clone())).unwrap();
    let subscriber = tracing_subscriber::registry().with(TextLayer { sink, ansi });
    tracing::subscriber::with_default(subscriber, log);
    drop(worker);
    let text = String::from_utf8(calls.lock().unwrap().clone()).unwrap();
    text.lines()
        .map(|line| line.split_once(' ').unwrap().1.to_owned())
        .collect()
}

#[test]
fn lines_read_as_tracing_subscribers_default_ones() {
    let got = lines(false, || {
        let prompt = "say \"hi\"";
        tracing::info!(prompt = %prompt, id = "x-1", n = 3, "received AI message");
        tracing::warn!(sid = Some("abc"), missing = None::<&str>, "refused");
        tracing::error!("no fields");
    });
    assert_eq!(
        got,
        [
            " INFO received AI message prompt=say \"hi\" id=\"x-1\" n=3",
            " WARN refused sid=\"abc\"",
            "ERROR no fields",
        ]
    );
}

#[test]
fn text_from_a_peer_cannot_break_the_line_or_reach_the_terminal() {
    let got = lines(false, || {
        let prompt = "hi\n2026-12-01T00:00:00.000000Z ERROR forged\r\x1b[31mred\ttab";
        tracing::info!(prompt = %prompt, "received AI message");
        tracing::info!("{prompt}");
    });
    let escaped = r"hi\n2026-12-01T00:00:00.000000Z ERROR forged\r\u{1b}[31mred\ttab";
    assert_eq!(
        got,
        [
            format!(" INFO received AI message prompt={escaped}"),
            format!(" INFO {escaped}"),
        ]
    );
}

#[test]
fn controls_are_found_wherever_they_are() {
    // Every byte value at every position of 1..=17-byte strings, among bytes that stress
    // the word-at-a-time test (borrows from 0x00/0x20 neighbours, 0x7f, 0x80, 0xff).
    for len in 1..=17 {
        for at in 0..len {
            for filler in [b'a', b' ', 0x21, 0x7e, 0x80, 0xff] {
                for byte in 0..=255u8 {
                    let mut bytes = vec![filler; len];
                    bytes[at] = byte;
                    let want = bytes.iter().any(u8::is_ascii_control);
                    assert_eq!(has_controls(&bytes), want, "{bytes:?}");
                }
            }
        }
    }
}

#[test]
fn typed_fields_read_as_their_debug_form() {
    let got = lines(false, || {
        tracing::info!(
            quoted = "a \"b\" \\ c",
            unicode = "é\u{7f}",
            neg = -5i64,
            big = u64::MAX,
            yes = true,
            no = false,
            "typed"
        );
        tracing::info!(message = "a str message");
    });
    assert_eq!(
        got,
        [
            format!(
                " INFO typed quoted={:?} unicode={:?} neg=-5 big={} yes=true no=false",
                "a \"b\" \\ c",
                "é\u{7f}",
                u64::MAX
            ),
            " INFO \"a str message\"".to_owned(),
        ]
    );
}

#[test]
fn timestamps_are_rfc3339_utc_with_microseconds() {
    let mut queue = Vec::new();
    let timestamp = humantime::format_rfc3339_micros(std::time::SystemTime::now());
    let _ = write!(Line(&mut queue), "{timestamp}");
    let text = String::from_utf8(queue).unwrap();
    assert_eq!(text.len(), "2026-12-01T21:40:33.116874Z".len(), "{text}");
    assert!(text.ends_with('Z') && text.as_bytes()[10] == b'T', "{text}");
}

#[test]
fn colour_marks_the_level_and_field_names() {
    let got = lines(true, || tracing::info!(k = 1, "m"));
    assert_eq!(
        got,
        ["\x1b[32m INFO\x1b[0m m \x1b[3mk\x1b[0m\x1b[2m=\x1b[0m1"]
    );
}

/// The direct path's line without its timestamp, as `lines` gives the layer's.
fn direct_line(ansi: bool, message: &str, fields: &[(&str, Field<'_>)]) -> String {
    let mut queue = Vec::new();
    write_direct(&mut queue, Level::INFO, ansi, message, fields);
    let text = String::from_utf8(queue).unwrap();
    let line = text.strip_suffix('\n').unwrap();
    line.split_once(' ').unwrap().1.to_owned()
}

#[test]
fn direct_lines_are_the_layers_lines() {
    let prompt = "say \"hi\"\n2026 ERROR forged\r\u{1b}[31m é\ttab";
    let odd = "é \"q\" \u{7f}\u{1}";
    for ansi in [false, true] {
        // As the seed's lines were logged through tracing, field kinds as they were.
        let traced = lines(ansi, || {
            tracing::info!(prompt = %prompt, id = %"x-1", reason = "stop", odd, r#type = "t", "received AI message");
        });
        // The macro without the writer installed: a tracing event of `?Field`s.
        let fallback = lines(ansi, || {
            crate::logging::log_direct!(
                INFO,
                "received AI message",
                prompt = Field::Display(prompt),
                id = Field::Display("x-1"),
                reason = Field::Str("stop"),
                odd = Field::Str(odd),
                r#type = Field::Str("t"),
            );
        });
        let direct = direct_line(
            ansi,
            "received AI message",
            &[
                ("prompt", Field::Display(prompt)),
                ("id", Field::Display("x-1")),
                ("reason", Field::Str("stop")),
                ("odd", Field::Str(odd)),
                ("r#type", Field::Str("t")),
            ],
        );
        assert_eq!(traced.len(), 1);
        assert_eq!(fallback, traced, "ansi {ansi}");
        assert_eq!(direct, traced[0], "ansi {ansi}");
    }
}
