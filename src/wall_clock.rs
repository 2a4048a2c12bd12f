//! Wall-clock times: `--start-at` (so runs started on several machines line up) and the
//! `started_at`/`ended_at` of every `--json` summary.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Furthest `--start-at` accepted: a typo in the date should not leave a generator waiting
/// for days.
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

/// `--start-at`: unix seconds (`1765144800`, `1765144800.5`) or an RFC 3339 time, in UTC
/// (`2026-12-07T22:00:00Z`) or with an offset (`2026-12-07T23:00:00+01:00`).
pub fn parse_start_at(text: &str) -> Result<SystemTime, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        if !secs.is_finite() || !(0.0..=1e11).contains(&secs) {
            return Err(format!("{text}: not a time (unix seconds)"));
        }
        return Ok(UNIX_EPOCH + Duration::from_secs_f64(secs));
    }
    let bad = || {
        format!(
            "{text}: not a time: give unix seconds (1765144800) or RFC 3339 \
             (2026-12-07T22:00:00Z, 2026-12-07T23:00:00+01:00)"
        )
    };
    // humantime reads UTC only: take a `+HH:MM`/`-HH:MM` offset off first.
    let (utc, offset) = match text.len().checked_sub(6).and_then(|at| {
        let (head, tail) = (text.get(..at)?, text.get(at..)?);
        let sign = match tail.as_bytes() {
            [b'+', _, _, b':', _, _] => 1i64,
            [b'-', _, _, b':', _, _] => -1,
            _ => return None,
        };
        let hours: i64 = tail.get(1..3)?.parse().ok()?;
        let minutes: i64 = tail.get(4..6)?.parse().ok()?;
        (hours < 24 && minutes < 60)
            .then(|| (format!("{head}Z"), sign * (hours * 60 + minutes) * 60))
    }) {
        Some(split) => split,
        None => (text.to_owned(), 0),
    };
    let at = humantime::parse_rfc3339(&utc).map_err(|_| bad())?;
    let shift = Duration::from_secs(offset.unsigned_abs());
    // 12:00+01:00 is 11:00Z.
    let at = if offset >= 0 {
        at.checked_sub(shift)
    } else {
        at.checked_add(shift)
    };
    at.ok_or_else(bad)
}

/// How long to wait until `at`: `Ok(None)` when it has passed (the run starts now), an error
/// past [`MAX_WAIT`].
pub fn wait_until(at: SystemTime, now: SystemTime) -> Result<Option<Duration>, String> {
    match at.duration_since(now) {
        Err(_) => Ok(None),
        Ok(wait) if wait > MAX_WAIT => Err(format!(
            "--start-at {} is more than 1h away (in {}); give a nearer time",
            rfc3339(at),
            humantime::format_duration(Duration::from_secs(wait.as_secs()))
        )),
        Ok(wait) => Ok(Some(wait)),
    }
}

/// A time as `2026-12-07T22:00:00.123Z`.
pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// A time `rfc3339` wrote (for `sockai bench merge`).
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_and_rfc3339_with_or_without_an_offset() {
        let noon = UNIX_EPOCH + Duration::from_secs(1_765_108_800); // 2025-12-07T12:00:00Z
        assert_eq!(parse_start_at("1765108800").unwrap(), noon);
        assert_eq!(
            parse_start_at("1765108800.5").unwrap(),
            noon + Duration::from_millis(500)
        );
        assert_eq!(parse_start_at("2025-12-07T12:00:00Z").unwrap(), noon);
        assert_eq!(parse_start_at("2025-12-07T13:30:00+01:30").unwrap(), noon);
        assert_eq!(parse_start_at("2025-12-07T07:00:00-05:00").unwrap(), noon);
        for bad in [
            "",
            "soon",
            "-5",
            "2025-12-07",
            "2025-12-07T12:00:00+25:00",
            "nan",
            "1e300",
        ] {
            assert!(parse_start_at(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_past_time_starts_now_and_a_far_one_is_refused() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
        assert_eq!(wait_until(at(999_000), now), Ok(None));
        assert_eq!(
            wait_until(at(1_000_030), now),
            Ok(Some(Duration::from_secs(30)))
        );
        assert!(wait_until(at(1_003_600), now).is_ok());
        let far = wait_until(at(1_003_601), now).unwrap_err();
        assert!(far.contains("more than 1h away"), "{far}");
        assert_eq!(rfc3339(at(0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse_rfc3339(&rfc3339(now)), Some(now));
    }
}
