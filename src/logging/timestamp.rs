//! The timestamp of every log line, text or JSON: `2026-12-01T21:40:33.116874Z`.

use std::cell::Cell;
use std::fmt::Write as _;

thread_local! {
    /// The second last formatted on this thread and its `YYYY-MM-DDTHH:MM:SS.` text: lines
    /// come many per second, and only the microseconds change between them.
    static SECOND: Cell<(u64, [u8; 20])> = const { Cell::new((u64::MAX, [0; 20])) };
}

/// `2026-12-01T21:40:33.116874Z`: RFC 3339, UTC, microseconds (humantime's
/// `format_rfc3339_micros`, with the date and time of day worked out once a second).
pub fn write_timestamp(queue: &mut Vec<u8>, now: std::time::SystemTime) {
    let Ok(since_epoch) = now.duration_since(std::time::UNIX_EPOCH) else {
        let mut text = String::new();
        let _ = write!(text, "{}", humantime::format_rfc3339_micros(now));
        queue.extend_from_slice(text.as_bytes());
        return;
    };
    let seconds = since_epoch.as_secs();
    let prefix = SECOND.with(|cached| {
        let (second, prefix) = cached.get();
        if second == seconds {
            return prefix;
        }
        let whole = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
        let text = humantime::format_rfc3339_seconds(whole).to_string();
        let mut prefix = [b'.'; 20];
        // `…:SSZ`: everything but the `Z`, then the `.` already there.
        if let Some(head) = text.as_bytes().get(..19) {
            prefix[..19].copy_from_slice(head);
        }
        cached.set((seconds, prefix));
        prefix
    });
    queue.extend_from_slice(&prefix);
    let micros = since_epoch.subsec_micros();
    let mut digits = [b'0'; 7];
    let mut rest = micros;
    for digit in digits[..6].iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    digits[6] = b'Z';
    queue.extend_from_slice(&digits);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_humantimes_rfc3339_micros() {
        use std::time::{Duration, UNIX_EPOCH};
        // Within one second (the cached date), across seconds, days and years, and the epoch.
        for micros in [
            1_764_625_233_116_874u64,
            1_764_625_233_999_999,
            1_764_625_234_000_000,
            1_764_625_233_000_001,
            1_767_225_599_999_999,
            1_767_225_600_000_000,
            0,
            951_782_400_123_456,
        ] {
            let time = UNIX_EPOCH + Duration::from_micros(micros);
            let mut queue = Vec::new();
            write_timestamp(&mut queue, time);
            let want = humantime::format_rfc3339_micros(time).to_string();
            assert_eq!(String::from_utf8(queue).unwrap(), want);
        }
    }
}
