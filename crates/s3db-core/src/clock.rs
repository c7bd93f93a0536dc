//! Time as s3db.js writes it: `Date.prototype.toISOString()` text, from a clock that tests can fix.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the epoch.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub fn system_clock() -> Clock {
    Arc::new(now_ms)
}

/// A clock frozen at `ms` (tests, vectors).
pub fn fixed_clock(ms: i64) -> Clock {
    Arc::new(move || ms)
}

/// `Date.prototype.toISOString()`: `YYYY-MM-DDTHH:mm:ss.sssZ`, with a signed six-digit year
/// outside 0000–9999.
pub fn iso_string(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (h, m, s, milli) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
    // Digits pushed by hand: this runs for every timestamped write and every read (`_lastModified`),
    // where `format!` was a visible share of the time.
    let mut out = String::with_capacity(27);
    match year {
        0..=9999 => push_digits(&mut out, year, 4),
        y if y < 0 => {
            out.push('-');
            push_digits(&mut out, -y, 6);
        }
        y => {
            out.push('+');
            push_digits(&mut out, y, 6);
        }
    }
    for (separator, value, width) in [('-', month, 2), ('-', day, 2), ('T', h, 2), (':', m, 2), (':', s, 2), ('.', milli, 3)] {
        out.push(separator);
        push_digits(&mut out, value, width);
    }
    out.push('Z');
    out
}

/// `value` in decimal, zero-padded to `width` digits (more when it needs them).
fn push_digits(out: &mut String, value: i64, width: usize) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(value);
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(digits);
}

/// Parses `YYYY-MM-DDTHH:mm:ss(.sss)Z` (what `toISOString` writes) into epoch milliseconds.
pub fn parse_iso(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || !text.ends_with('Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, m, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let milli = match text.get(19..text.len() - 1)? {
        "" => 0,
        frac => format!("{:0<3}", frac.strip_prefix('.')?).get(0..3)?.parse::<i64>().ok()?,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400_000 + ((h * 60 + m) * 60 + s) * 1000 + milli)
}

// Howard Hinnant's civil-calendar conversions.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (`day` may run past the month).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        let ms = parse_iso("2025-01-02T03:04:05.678Z").unwrap();
        assert_eq!(ms, 1_735_787_045_678);
        assert_eq!(iso_string(ms), "2025-01-02T03:04:05.678Z");
        assert_eq!(iso_string(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse_iso("2024-02-29T23:59:59Z").map(iso_string).unwrap(), "2024-02-29T23:59:59.000Z");
        assert!(parse_iso("not a date").is_none());
        assert_eq!(iso_string(8_640_000_000_000_000), "+275760-09-13T00:00:00.000Z");
        assert_eq!(iso_string(-62_198_755_200_000), "-000001-01-01T00:00:00.000Z");
    }
}
