//! JavaScript value semantics the validator must reproduce: `Number(x)`, `String(x)`,
//! number formatting, truthiness and loose/strict equality, applied to JSON values.

use crate::encoding::jsnum;
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

/// `Number(text)`; `None` stands for `NaN`.
pub(crate) fn string_to_number(text: &str) -> Option<f64> {
    Some(jsnum::parse_js_number(text)).filter(|n| !n.is_nan())
}

pub(crate) use crate::encoding::jsnum::is_js_whitespace;

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
    jsnum::to_js_string(n)
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
