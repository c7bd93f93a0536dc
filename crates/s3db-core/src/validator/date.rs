//! Which JSON values stand for a JS `Date`: documents reach us as JSON, so a `Date` arrives
//! as its ISO string (`JSON.stringify`) or, from some callers, as epoch milliseconds.
//!
//! Strings are accepted when `Date.parse` would accept them: the ISO 8601 form, or the
//! legacy forms V8 understands (`March 7, 2024`, `2024/01/01 10:00`, `Tue Mar 05 2024
//! 10:00:00 GMT+0000 (UTC)`, …). The legacy grammar here is a close approximation of V8's,
//! checking field ranges (month 1–12, day 1–31, hour 0–24, minute/second 0–59) but not
//! the days of a given month (V8 rolls `Feb 30` over as well, and so does [`parse_date_ms`]).

use crate::clock::days_from_civil;

/// Largest absolute epoch value a JS `Date` can hold (±100 000 000 days).
const MAX_EPOCH_MS: f64 = 8.64e15;
const MS_PER_DAY: i64 = 86_400_000;

/// `new Date(ms)` is a valid date.
pub(crate) fn is_valid_epoch_ms(ms: f64) -> bool {
    ms.is_finite() && ms.abs() <= MAX_EPOCH_MS
}

/// `!isNaN(Date.parse(text))`.
pub(crate) fn is_parseable_date(text: &str) -> bool {
    parse_date_ms(text).is_some()
}

/// `Date.parse(text)` in a process whose local time zone is UTC: epoch milliseconds, or `None`
/// where JS gives `NaN`. (s3db.js parses date text in local time; we read it as UTC so the
/// result does not depend on the machine.)
pub fn parse_date_ms(text: &str) -> Option<i64> {
    let ms = parse_iso(text).or_else(|| parse_legacy(text))?;
    is_valid_epoch_ms(ms as f64).then_some(ms)
}

/// A calendar date and time; `offset_minutes` east of UTC when the text named a zone.
#[derive(Debug, Default, Clone, Copy)]
struct DateTimeParts {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millisecond: i64,
    offset_minutes: i64,
}

impl DateTimeParts {
    /// Epoch milliseconds, with ECMAScript `MakeDay` roll-over (`Feb 30` is `Mar 1`).
    fn epoch_ms(&self) -> i64 {
        let days = days_from_civil(self.year, self.month, 1) + self.day - 1;
        let time = ((self.hour * 60 + self.minute - self.offset_minutes) * 60 + self.second) * 1000 + self.millisecond;
        days * MS_PER_DAY + time
    }
}

/// ES `Date Time String Format`: `YYYY[-MM[-DD]][THH:mm[:ss[.sss]][Z|±HH:mm]]`,
/// also with a six-digit signed year.
fn parse_iso(text: &str) -> Option<i64> {
    let mut cursor = Cursor { bytes: text.as_bytes(), pos: 0 };
    let mut parts = DateTimeParts { month: 1, day: 1, ..Default::default() };
    parts.year = match cursor.peek() {
        Some(b'+') | Some(b'-') => {
            let negative = cursor.peek() == Some(b'-');
            cursor.pos += 1;
            let year = i64::from(cursor.digits(6)?);
            if negative && year == 0 {
                return None;
            }
            if negative {
                -year
            } else {
                year
            }
        }
        _ => i64::from(cursor.digits(4)?),
    };
    if cursor.eat(b'-') {
        parts.month = i64::from(cursor.digits(2).filter(|m| (1..=12).contains(m))?);
        if cursor.eat(b'-') {
            parts.day = i64::from(cursor.digits(2).filter(|d| (1..=31).contains(d))?);
        }
    }
    if cursor.eat(b'T') || cursor.eat(b't') {
        iso_time(&mut cursor, &mut parts)?;
        parts.offset_minutes = iso_zone(&mut cursor);
    }
    cursor.at_end().then(|| parts.epoch_ms())
}

fn iso_time(cursor: &mut Cursor<'_>, parts: &mut DateTimeParts) -> Option<()> {
    let hour = cursor.digits(2)?;
    if !cursor.eat(b':') {
        return None;
    }
    let minute = cursor.digits(2)?;
    let mut second = 0;
    let mut millisecond = 0;
    if cursor.eat(b':') {
        second = cursor.digits(2)?;
        if cursor.eat(b'.') {
            let start = cursor.pos;
            let mut scale = 100;
            while let Some(digit) = cursor.peek().filter(u8::is_ascii_digit) {
                millisecond += u32::from(digit - b'0') * scale;
                scale /= 10;
                cursor.pos += 1;
            }
            if cursor.pos == start {
                return None;
            }
        }
    }
    let midnight_24 = hour == 24 && minute == 0 && second == 0 && millisecond == 0;
    if !((hour < 24 || midnight_24) && minute < 60 && second < 60) {
        return None;
    }
    parts.hour = i64::from(hour);
    parts.minute = i64::from(minute);
    parts.second = i64::from(second);
    parts.millisecond = i64::from(millisecond);
    Some(())
}

/// Optional `Z` or `±HH:mm` (minutes east of UTC); a malformed zone leaves trailing text,
/// failing `at_end`.
fn iso_zone(cursor: &mut Cursor<'_>) -> i64 {
    if cursor.eat(b'Z') || cursor.eat(b'z') {
        return 0;
    }
    if let Some(sign @ (b'+' | b'-')) = cursor.peek() {
        let saved = cursor.pos;
        cursor.pos += 1;
        let hours = cursor.digits(2).filter(|h| *h < 24);
        let minutes = hours.and_then(|_| cursor.eat(b':').then(|| cursor.digits(2)).flatten()).filter(|m| *m < 60);
        if let (Some(h), Some(m)) = (hours, minutes) {
            let offset = i64::from(h * 60 + m);
            return if sign == b'-' { -offset } else { offset };
        }
        cursor.pos = saved;
    }
    0
}
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Exactly `count` ASCII digits.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let slice = self.bytes.get(self.pos..self.pos + count)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos += count;
        Some(slice.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
    }

    fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number { value: u64, digits: usize },
    Word(String),
    Symbol(char),
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
/// Zone names V8 knows, with their offsets in hours east of UTC.
const ZONE_WORDS: [(&str, i64); 12] = [
    ("ut", 0),
    ("utc", 0),
    ("gmt", 0),
    ("z", 0),
    ("est", -5),
    ("edt", -4),
    ("cst", -6),
    ("cdt", -5),
    ("mst", -7),
    ("mdt", -6),
    ("pst", -8),
    ("pdt", -7),
];

/// Fields collected by the legacy parser.
#[derive(Default)]
struct LegacyDate {
    date_numbers: Vec<u64>,
    named_month: Option<u64>,
    /// `(hour, minute, second, millisecond)`.
    time: Option<(u64, u64, u64, u64)>,
    /// `Some(0)` for am, `Some(12)` for pm.
    hour_offset: Option<u64>,
    zone_minutes: Option<i64>,
    seen_number: bool,
}

fn parse_legacy(text: &str) -> Option<i64> {
    let tokens = tokenize(text)?;
    let mut date = LegacyDate::default();
    let mut i = 0;
    while i < tokens.len() {
        i = scan_token(&tokens, i, &mut date)?;
    }
    compose(&date).map(|parts| parts.epoch_ms())
}

/// Consumes the token(s) at `i`; returns the next index, or `None` when the text is invalid.
fn scan_token(tokens: &[Token], i: usize, date: &mut LegacyDate) -> Option<usize> {
    match &tokens[i] {
        Token::Number { .. } if tokens.get(i + 1) == Some(&Token::Symbol(':')) => {
            if date.time.is_some() {
                return None;
            }
            date.seen_number = true;
            scan_time(tokens, i, date)
        }
        Token::Number { value, .. } => {
            date.seen_number = true;
            if date.date_numbers.len() == 3 {
                return None;
            }
            date.date_numbers.push(*value);
            Some(i + 1)
        }
        Token::Word(word) => scan_word(word, tokens, i, date),
        Token::Symbol(sign @ ('+' | '-')) if date.time.is_some() || date.zone_minutes.is_some() => {
            let (minutes, next) = scan_offset(tokens, i)?;
            date.zone_minutes = Some(if *sign == '-' { -minutes } else { minutes });
            Some(next)
        }
        Token::Symbol(_) => Some(i + 1),
    }
}

/// `HH:mm[:ss[.fff]]`, each field range-checked.
fn scan_time(tokens: &[Token], start: usize, date: &mut LegacyDate) -> Option<usize> {
    let number_at = |idx: usize| match tokens.get(idx) {
        Some(Token::Number { value, digits }) => Some((*value, *digits)),
        _ => None,
    };
    let hour = number_at(start)?.0;
    let minute = number_at(start + 2)?.0;
    let mut next = start + 3;
    let mut second = 0;
    let mut millisecond = 0;
    if tokens.get(next) == Some(&Token::Symbol(':')) {
        second = number_at(next + 1)?.0;
        next += 2;
        if tokens.get(next) == Some(&Token::Symbol('.')) {
            if let Some((fraction, digits)) = number_at(next + 1) {
                millisecond = leading_milliseconds(fraction, digits);
                next += 2;
            }
        }
    }
    if hour > 24 || minute > 59 || second > 59 {
        return None;
    }
    date.time = Some((hour, minute, second, millisecond));
    Some(next)
}

/// The first three digits of a fraction written with `digits` digits, as milliseconds.
fn leading_milliseconds(fraction: u64, digits: usize) -> u64 {
    match digits {
        0 => 0,
        1 => fraction * 100,
        2 => fraction * 10,
        3 => fraction,
        n => fraction / 10u64.pow((n - 3) as u32),
    }
}

/// `+hhmm`, `+hh:mm` or `+hh` after a time or zone name: minutes east of UTC (unsigned) and
/// the next index.
fn scan_offset(tokens: &[Token], start: usize) -> Option<(i64, usize)> {
    let Some(Token::Number { value, digits }) = tokens.get(start + 1) else { return None };
    let value = *value as i64;
    let next = start + 2;
    if tokens.get(next) == Some(&Token::Symbol(':')) {
        if let Some(Token::Number { value: minutes, .. }) = tokens.get(next + 1) {
            return Some((value * 60 + *minutes as i64, next + 2));
        }
        return Some((value * 60, next));
    }
    match digits {
        1 | 2 => Some((value * 60, next)),
        3 | 4 => Some(((value / 100) * 60 + value % 100, next)),
        _ => None,
    }
}

fn scan_word(word: &str, tokens: &[Token], i: usize, date: &mut LegacyDate) -> Option<usize> {
    let prefix = word.get(..3).unwrap_or(word);
    if word.len() >= 3 {
        if let Some(index) = MONTHS.iter().position(|m| *m == prefix) {
            date.named_month = Some(index as u64 + 1);
            return Some(i + 1);
        }
        if WEEKDAYS.contains(&prefix) {
            return Some(i + 1);
        }
    }
    if word == "am" || word == "pm" {
        date.time.filter(|t| t.0 <= 12)?;
        date.hour_offset = Some(if word == "pm" { 12 } else { 0 });
        return Some(i + 1);
    }
    if let Some((_, hours)) = ZONE_WORDS.iter().find(|(name, _)| *name == word) {
        date.zone_minutes = Some(hours * 60);
        return match tokens.get(i + 1) {
            Some(Token::Symbol(sign @ ('+' | '-'))) => {
                let (minutes, next) = scan_offset(tokens, i + 1)?;
                date.zone_minutes = Some(hours * 60 + if *sign == '-' { -minutes } else { minutes });
                Some(next)
            }
            _ => Some(i + 1),
        };
    }
    if word == "t" && date.seen_number {
        return Some(i + 1);
    }
    // V8 ignores unknown words only before the first number.
    (!date.seen_number).then_some(i + 1)
}

/// V8's `DayComposer` and `TimeComposer`: year/month/day from the collected numbers in V8's
/// preference order (a missing year is 2001, two-digit years are 19xx/20xx), then the time.
fn compose(date: &LegacyDate) -> Option<DateTimeParts> {
    if date.date_numbers.is_empty() {
        return None;
    }
    let mut numbers = date.date_numbers.clone();
    numbers.resize(3, 1);
    let is_day = |n: u64| (1..=31).contains(&n);
    let (year, month, day) = match date.named_month {
        None if !is_day(numbers[0]) => (numbers[0], numbers[1], numbers[2]),
        None => (numbers[2], numbers[0], numbers[1]),
        Some(month) if !is_day(numbers[0]) => (numbers[0], month, numbers[1]),
        Some(month) => (numbers[1], month, numbers[0]),
    };
    let year = match year {
        0..=49 => year + 2000,
        50..=99 => year + 1900,
        other => other,
    };
    // Far outside the JS date range (and small enough for the day arithmetic).
    if year > 300_000 || !(1..=12).contains(&month) || !is_day(day) {
        return None;
    }
    let (mut hour, minute, second, millisecond) = date.time.unwrap_or_default();
    if let Some(offset) = date.hour_offset {
        hour = hour % 12 + offset;
    }
    if hour == 24 && (minute, second, millisecond) != (0, 0, 0) {
        return None;
    }
    Some(DateTimeParts {
        year: year as i64,
        month: month as i64,
        day: day as i64,
        hour: hour as i64,
        minute: minute as i64,
        second: second as i64,
        millisecond: millisecond as i64,
        offset_minutes: date.zone_minutes.unwrap_or(0),
    })
}

fn tokenize(text: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let value = digits.parse::<u64>().ok()?;
            tokens.push(Token::Number { value, digits: i - start });
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect::<String>().to_lowercase()));
        } else if c == '(' {
            i = skip_comment(&chars, i);
        } else {
            if !c.is_whitespace() {
                tokens.push(Token::Symbol(c));
            }
            i += 1;
        }
    }
    Some(tokens)
}

/// Skips a parenthesised comment (nesting allowed); returns the index after it.
fn skip_comment(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    for (offset, &c) in chars[start..].iter().enumerate() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return start + offset + 1;
                }
            }
            _ => {}
        }
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_strings() {
        for ok in [
            "1990-05-17T00:00:00.000Z",
            "2001-02-03T04:05:06.000Z",
            "2024-03-05T10:00:00Z",
            "2024-01-01",
            "2024-01",
            "2024",
            "2024-03-05T10:00",
            "2024-03-05T10:00:00+05:30",
            "+275760-09-13T00:00:00.000Z",
            "2024-01-01T24:00:00Z",
        ] {
            assert!(is_parseable_date(ok), "{ok} should parse");
        }
        for bad in ["2024-13-01", "2024-01-32", "2024-01-01T25:00", "2024-01-01T10:60", "-000000-01-01"] {
            assert!(parse_iso(bad).is_none(), "{bad} is not ISO");
        }
    }

    #[test]
    fn legacy_strings() {
        for ok in [
            "March 7, 2024",
            "7 March 2024",
            "2024/01/01",
            "01/02/2024",
            "2024-03-05 10:00:00",
            "Tue Mar 05 2024 10:00:00 GMT+0000 (Coordinated Universal Time)",
            "Mon, 25 Dec 1995 13:30:00 +0430",
            "Dec 25, 1995 1:30 PM",
        ] {
            assert!(is_parseable_date(ok), "{ok} should parse");
        }
        for bad in ["not a date", "", "hello 2024 world", "10:00", "2024-01-01 25:00", "13/45/2024", "abc"] {
            assert!(!is_parseable_date(bad), "{bad:?} should not parse");
        }
    }

    /// `new Date(text).toISOString()` under TZ=UTC, as checked in Node 20.
    fn iso(text: &str) -> Option<String> {
        parse_date_ms(text).map(crate::clock::iso_string)
    }

    #[test]
    fn parses_to_the_instant_js_gives_in_utc() {
        for (text, expected) in [
            ("March 7, 2024", "2024-03-07T00:00:00.000Z"),
            ("7 March 2024", "2024-03-07T00:00:00.000Z"),
            ("Mar 7 2024 23:30", "2024-03-07T23:30:00.000Z"),
            ("2024/01/31", "2024-01-31T00:00:00.000Z"),
            ("01/02/2024", "2024-01-02T00:00:00.000Z"),
            ("3/7/24", "2024-03-07T00:00:00.000Z"),
            ("3/7/70", "1970-03-07T00:00:00.000Z"),
            ("March 7", "2001-03-07T00:00:00.000Z"),
            ("Feb 30, 2023", "2023-03-02T00:00:00.000Z"),
            ("Dec 25, 1995 1:30 PM", "1995-12-25T13:30:00.000Z"),
            ("Dec 25, 1995 12:15 am", "1995-12-25T00:15:00.000Z"),
            ("Mon, 25 Dec 1995 13:30:00 +0430", "1995-12-25T09:00:00.000Z"),
            ("Dec 25 1995 23:00:00 EST", "1995-12-26T04:00:00.000Z"),
            ("Tue Mar 05 2024 10:00:00 GMT+0100 (CET)", "2024-03-05T09:00:00.000Z"),
            ("2024-03-05 10:00:00.5", "2024-03-05T10:00:00.500Z"),
            ("2024-03-07", "2024-03-07T00:00:00.000Z"),
            ("2024-03", "2024-03-01T00:00:00.000Z"),
            ("2024-03-07T02:00:00+05:00", "2024-03-06T21:00:00.000Z"),
            ("2024-03-07T10:00", "2024-03-07T10:00:00.000Z"),
            ("2024-03-07T10:00:00.1234Z", "2024-03-07T10:00:00.123Z"),
            ("2024-01-01T24:00:00Z", "2024-01-02T00:00:00.000Z"),
        ] {
            assert_eq!(iso(text).as_deref(), Some(expected), "{text}");
        }
        assert_eq!(iso("not a date"), None);
        assert_eq!(iso("+275761-01-01T00:00:00Z"), None, "beyond the JS date range");
    }

    #[test]
    fn epoch_range() {
        assert!(is_valid_epoch_ms(0.0));
        assert!(is_valid_epoch_ms(8.64e15));
        assert!(!is_valid_epoch_ms(8.64e15 + 1.0));
        assert!(!is_valid_epoch_ms(f64::INFINITY));
    }
}
