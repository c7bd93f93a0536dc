//! Which JSON values stand for a JS `Date`: documents reach us as JSON, so a `Date` arrives
//! as its ISO string (`JSON.stringify`) or, from some callers, as epoch milliseconds.
//!
//! Strings are accepted when `Date.parse` would accept them: the ISO 8601 form, or the
//! legacy forms V8 understands (`March 7, 2024`, `2024/01/01 10:00`, `Tue Mar 05 2024
//! 10:00:00 GMT+0000 (UTC)`, …). The legacy grammar here is a close approximation of V8's,
//! checking field ranges (month 1–12, day 1–31, hour 0–24, minute/second 0–59) but not
//! the days of a given month (V8 rolls `Feb 30` over as well).

/// Largest absolute epoch value a JS `Date` can hold (±100 000 000 days).
const MAX_EPOCH_MS: f64 = 8.64e15;

/// `new Date(ms)` is a valid date.
pub(crate) fn is_valid_epoch_ms(ms: f64) -> bool {
    ms.is_finite() && ms.abs() <= MAX_EPOCH_MS
}

/// `!isNaN(Date.parse(text))`.
pub(crate) fn is_parseable_date(text: &str) -> bool {
    is_iso_date(text) || is_legacy_date(text)
}

/// ES `Date Time String Format`: `YYYY[-MM[-DD]][THH:mm[:ss[.sss]][Z|±HH:mm]]`,
/// also with a six-digit signed year.
fn is_iso_date(text: &str) -> bool {
    let mut cursor = Cursor { bytes: text.as_bytes(), pos: 0 };
    let year_ok = match cursor.peek() {
        Some(b'+') | Some(b'-') => {
            let negative = cursor.peek() == Some(b'-');
            cursor.pos += 1;
            cursor.digits(6).is_some_and(|y| !(negative && y == 0))
        }
        _ => cursor.digits(4).is_some(),
    };
    if !year_ok {
        return false;
    }
    if cursor.eat(b'-') {
        if !cursor.digits(2).is_some_and(|m| (1..=12).contains(&m)) {
            return false;
        }
        if cursor.eat(b'-') && !cursor.digits(2).is_some_and(|d| (1..=31).contains(&d)) {
            return false;
        }
    }
    if cursor.eat(b'T') || cursor.eat(b't') {
        if !iso_time(&mut cursor) {
            return false;
        }
        iso_zone(&mut cursor);
    }
    cursor.at_end()
}

fn iso_time(cursor: &mut Cursor<'_>) -> bool {
    let Some(hour) = cursor.digits(2) else { return false };
    if !cursor.eat(b':') {
        return false;
    }
    let Some(minute) = cursor.digits(2) else { return false };
    let mut second = 0;
    let mut fraction_nonzero = false;
    if cursor.eat(b':') {
        let Some(s) = cursor.digits(2) else { return false };
        second = s;
        if cursor.eat(b'.') {
            let start = cursor.pos;
            while cursor.peek().is_some_and(|b| b.is_ascii_digit()) {
                fraction_nonzero |= cursor.peek() != Some(b'0');
                cursor.pos += 1;
            }
            if cursor.pos == start {
                return false;
            }
        }
    }
    let midnight_24 = hour == 24 && minute == 0 && second == 0 && !fraction_nonzero;
    (hour < 24 || midnight_24) && minute < 60 && second < 60
}

/// Optional `Z` or `±HH:mm`; a malformed zone leaves trailing text, failing `at_end`.
fn iso_zone(cursor: &mut Cursor<'_>) {
    if cursor.eat(b'Z') || cursor.eat(b'z') {
        return;
    }
    if matches!(cursor.peek(), Some(b'+') | Some(b'-')) {
        let saved = cursor.pos;
        cursor.pos += 1;
        let valid =
            cursor.digits(2).is_some_and(|h| h < 24) && cursor.eat(b':') && cursor.digits(2).is_some_and(|m| m < 60);
        if !valid {
            cursor.pos = saved;
        }
    }
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
const ZONE_WORDS: [&str; 12] = ["ut", "utc", "gmt", "z", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt"];

/// Fields collected by the legacy parser.
#[derive(Default)]
struct LegacyDate {
    date_numbers: Vec<(u64, usize)>,
    named_month: Option<u64>,
    hour: Option<u64>,
    seen_number: bool,
}

fn is_legacy_date(text: &str) -> bool {
    let Some(tokens) = tokenize(text) else { return false };
    let mut date = LegacyDate::default();
    let mut i = 0;
    while i < tokens.len() {
        match scan_token(&tokens, i, &mut date) {
            Some(next) => i = next,
            None => return false,
        }
    }
    compose_day(&date)
}

/// Consumes the token(s) at `i`; returns the next index, or `None` when the text is invalid.
fn scan_token(tokens: &[Token], i: usize, date: &mut LegacyDate) -> Option<usize> {
    match &tokens[i] {
        Token::Number { .. } if tokens.get(i + 1) == Some(&Token::Symbol(':')) => {
            if date.hour.is_some() {
                return None;
            }
            date.seen_number = true;
            scan_time(tokens, i, date)
        }
        Token::Number { value, digits } => {
            date.seen_number = true;
            if date.date_numbers.len() == 3 {
                return None;
            }
            date.date_numbers.push((*value, *digits));
            Some(i + 1)
        }
        Token::Word(word) => scan_word(word, tokens, i, date),
        Token::Symbol('+') | Token::Symbol('-') if date.hour.is_some() => scan_offset(tokens, i),
        Token::Symbol(_) => Some(i + 1),
    }
}

/// `HH:mm[:ss[.fff]]`, each field range-checked.
fn scan_time(tokens: &[Token], start: usize, date: &mut LegacyDate) -> Option<usize> {
    let number_at = |idx: usize| match tokens.get(idx) {
        Some(Token::Number { value, .. }) => Some(*value),
        _ => None,
    };
    let hour = number_at(start)?;
    let minute = number_at(start + 2)?;
    let mut next = start + 3;
    let mut second = 0;
    if tokens.get(next) == Some(&Token::Symbol(':')) {
        second = number_at(next + 1)?;
        next += 2;
        if tokens.get(next) == Some(&Token::Symbol('.')) && number_at(next + 1).is_some() {
            next += 2;
        }
    }
    if hour > 24 || minute > 59 || second > 59 {
        return None;
    }
    date.hour = Some(hour);
    Some(next)
}

/// `+hhmm`, `+hh:mm` or `+hh` after a time or zone name.
fn scan_offset(tokens: &[Token], start: usize) -> Option<usize> {
    match tokens.get(start + 1) {
        Some(Token::Number { digits, .. }) if *digits <= 4 => {
            let mut next = start + 2;
            if tokens.get(next) == Some(&Token::Symbol(':')) {
                if let Some(Token::Number { .. }) = tokens.get(next + 1) {
                    next += 2;
                }
            }
            Some(next)
        }
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
        return date.hour.filter(|h| *h <= 12).map(|_| i + 1);
    }
    if ZONE_WORDS.contains(&word) {
        return match tokens.get(i + 1) {
            Some(Token::Symbol('+')) | Some(Token::Symbol('-')) => scan_offset(tokens, i + 1),
            _ => Some(i + 1),
        };
    }
    if word == "t" && date.seen_number {
        return Some(i + 1);
    }
    // V8 ignores unknown words only before the first number.
    (!date.seen_number).then_some(i + 1)
}

/// Year/month/day from the collected numbers, in V8's preference order.
fn compose_day(date: &LegacyDate) -> bool {
    let numbers = &date.date_numbers;
    let is_year_like = |(value, digits): (u64, usize)| digits >= 3 || value > 31;
    let (month, day) = match (date.named_month, numbers.as_slice()) {
        (_, []) => return false,
        (Some(month), [first, ..]) => {
            let day = if is_year_like(*first) { numbers.get(1).map_or(1, |d| d.0) } else { first.0 };
            (month, day)
        }
        (None, [first, second, ..]) if is_year_like(*first) => (second.0, numbers.get(2).map_or(1, |d| d.0)),
        (None, [first, rest @ ..]) => (first.0, rest.first().map_or(1, |d| d.0)),
    };
    (1..=12).contains(&month) && (1..=31).contains(&day)
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
            assert!(!is_iso_date(bad), "{bad} is not ISO");
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

    #[test]
    fn epoch_range() {
        assert!(is_valid_epoch_ms(0.0));
        assert!(is_valid_epoch_ms(8.64e15));
        assert!(!is_valid_epoch_ms(8.64e15 + 1.0));
        assert!(!is_valid_epoch_ms(f64::INFINITY));
    }
}
