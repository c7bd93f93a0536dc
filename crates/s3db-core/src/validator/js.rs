//! JavaScript value semantics the validator must reproduce: `Number(x)`, `String(x)`,
//! number formatting, truthiness and loose/strict equality, applied to JSON values.

use serde_json::{Number, Value};

/// Largest integer a JS number holds exactly (2^53).
const MAX_SAFE_MAGNITUDE: f64 = 9_007_199_254_740_992.0;

/// `Number(value)` for a JSON value; `None` stands for `NaN`.
pub(crate) fn to_number(value: &Value) -> Option<f64> {
    let n = match value {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => string_to_number(s)?,
        // Arrays convert through their joined string form; objects become "[object Object]".
        Value::Array(_) => string_to_number(&to_js_string(value))?,
        Value::Object(_) => return None,
    };
    if n.is_nan() {
        None
    } else {
        Some(n)
    }
}

/// `Number(text)`: whitespace-trimmed decimal, `0x`/`0o`/`0b` literals, `Infinity`; empty is 0.
pub(crate) fn string_to_number(text: &str) -> Option<f64> {
    let trimmed = text.trim_matches(is_js_whitespace);
    if trimmed.is_empty() {
        return Some(0.0);
    }
    if let Some(n) = parse_prefixed_integer(trimmed) {
        return n;
    }
    let (sign, unsigned) = match trimmed.as_bytes()[0] {
        b'+' => (1.0, &trimmed[1..]),
        b'-' => (-1.0, &trimmed[1..]),
        _ => (1.0, trimmed),
    };
    if unsigned == "Infinity" {
        return Some(sign * f64::INFINITY);
    }
    if !is_decimal_literal(unsigned) {
        return None;
    }
    unsigned.parse::<f64>().ok().map(|n| sign * n)
}

/// `0x1F`, `0o17`, `0b101` (no sign allowed). Outer `None`: not such a literal.
fn parse_prefixed_integer(text: &str) -> Option<Option<f64>> {
    let bytes = text.as_bytes();
    if bytes.len() < 2 || bytes[0] != b'0' {
        return None;
    }
    let radix = match bytes[1] {
        b'x' | b'X' => 16,
        b'o' | b'O' => 8,
        b'b' | b'B' => 2,
        _ => return None,
    };
    let digits = &text[2..];
    if digits.is_empty() {
        return Some(None);
    }
    let mut acc = 0.0f64;
    for c in digits.chars() {
        match c.to_digit(radix) {
            Some(d) => acc = acc * f64::from(radix) + f64::from(d),
            None => return Some(None),
        }
    }
    Some(Some(acc))
}

/// `digits [. digits] [e[+-]digits]` or `. digits [exponent]`, without sign.
fn is_decimal_literal(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    let int_digits = count_digits(&bytes[i..]);
    i += int_digits;
    let mut frac_digits = 0;
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        frac_digits = count_digits(&bytes[i..]);
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        let exp_digits = count_digits(&bytes[i..]);
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == bytes.len()
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// ECMAScript WhiteSpace and LineTerminator characters (what `String.prototype.trim` removes).
pub(crate) fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

/// A JSON number for a JS number: integral values within the safe range become integers.
pub(crate) fn number_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE_MAGNITUDE && !(n == 0.0 && n.is_sign_negative()) {
        Value::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// `Number.prototype.toString()` (radix 10).
pub(crate) fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if n == 0.0 {
        return "0".into();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    // `{:e}` yields the shortest round-trip digits, e.g. "1.5e-7".
    let scientific = format!("{:e}", n.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    format!("{sign}{}", layout_digits(&digits, exponent + 1))
}

/// Places the decimal point the way ECMAScript Number::toString does; `point` is the
/// position of the decimal point relative to the first digit.
fn layout_digits(digits: &str, point: i32) -> String {
    let count = digits.len() as i32;
    if count <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - count) as usize))
    } else if 0 < point && point <= 21 {
        let (int_part, frac_part) = digits.split_at(point as usize);
        format!("{int_part}.{frac_part}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let exponent = point - 1;
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{exp_sign}{}", exponent.abs())
        } else {
            format!("{first}.{rest}e{exp_sign}{}", exponent.abs())
        }
    }
}

/// `String(value)`.
pub(crate) fn to_js_string(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_to_string(n),
        Value::String(s) => s.clone(),
        Value::Array(items) => join_array(items),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// How fastest-validator writes a value into a message: like `String()`, but null is empty.
pub(crate) fn to_message_string(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        other => to_js_string(other),
    }
}

/// `Array.prototype.join(",")`: null items become empty strings.
fn join_array(items: &[Value]) -> String {
    let parts: Vec<String> = items.iter().map(to_message_string).collect();
    parts.join(",")
}

pub(crate) fn number_to_string(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return format_number(u as f64);
    }
    format_number(n.as_f64().unwrap_or(f64::NAN))
}

/// JS truthiness.
pub(crate) fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `a === b` for values compared with a literal: containers are never identical.
pub(crate) fn strict_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// `a == b` (abstract equality) for JSON values.
pub(crate) fn loose_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Array(_) | Value::Object(_), Value::Array(_) | Value::Object(_)) => false,
        (Value::Array(_) | Value::Object(_), _) => loose_equals(&Value::String(to_js_string(a)), b),
        (_, Value::Array(_) | Value::Object(_)) => loose_equals(a, &Value::String(to_js_string(b))),
        (Value::String(x), Value::String(y)) => x == y,
        _ if std::mem::discriminant(a) == std::mem::discriminant(b) => strict_equals(a, b),
        // Mixed primitives compare as numbers.
        _ => matches!((to_number(a), to_number(b)), (Some(x), Some(y)) if x == y),
    }
}

/// Length of a string in UTF-16 code units (JS `length`).
pub(crate) fn utf16_len(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().map(char::len_utf16).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn number_conversion_follows_js() {
        assert_eq!(string_to_number("42"), Some(42.0));
        assert_eq!(string_to_number("  -1.5e3 "), Some(-1500.0));
        assert_eq!(string_to_number(""), Some(0.0));
        assert_eq!(string_to_number("0x1F"), Some(31.0));
        assert_eq!(string_to_number("0b101"), Some(5.0));
        assert_eq!(string_to_number(".5"), Some(0.5));
        assert_eq!(string_to_number("5."), Some(5.0));
        assert_eq!(string_to_number("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(string_to_number("12abc"), None);
        assert_eq!(string_to_number("inf"), None);
        assert_eq!(string_to_number("-0x10"), None);
        assert_eq!(string_to_number("1_000"), None);
        assert_eq!(to_number(&json!(true)), Some(1.0));
        assert_eq!(to_number(&json!([])), Some(0.0));
        assert_eq!(to_number(&json!(["7"])), Some(7.0));
        assert_eq!(to_number(&json!([1, 2])), None);
        assert_eq!(to_number(&json!({})), None);
    }

    #[test]
    fn number_formatting_follows_js() {
        assert_eq!(format_number(42.0), "42");
        assert_eq!(format_number(19.99), "19.99");
        assert_eq!(format_number(-0.5), "-0.5");
        assert_eq!(format_number(1.5e-7), "1.5e-7");
        assert_eq!(format_number(1e21), "1e+21");
        assert_eq!(format_number(1e20), "100000000000000000000");
        assert_eq!(format_number(0.000001), "0.000001");
        assert_eq!(format_number(123456789012.0), "123456789012");
        assert_eq!(format_number(-4.56789), "-4.56789");
    }

    #[test]
    fn js_strings_and_equality() {
        assert_eq!(to_js_string(&json!([1, "a", null, [2, 3]])), "1,a,,2,3");
        assert_eq!(to_js_string(&json!({"a": 1})), "[object Object]");
        assert_eq!(to_message_string(&json!(null)), "");
        assert!(loose_equals(&json!("5"), &json!(5)));
        assert!(loose_equals(&json!(true), &json!(1)));
        assert!(!loose_equals(&json!(null), &json!(0)));
        assert!(!strict_equals(&json!("5"), &json!(5)));
        assert_eq!(number_value(3.0), json!(3));
        assert_eq!(number_value(2.5), json!(2.5));
        assert_eq!(utf16_len("a😀"), 3);
    }
}
