//! Checks of single values: strings, numbers, booleans, dates and string formats.

use once_cell::sync::Lazy;
use serde_json::{Map, Value};

use super::date::{is_parseable_date, is_valid_epoch_ms};
use super::formats::{self, UuidCheck};
use super::js::{
    is_js_whitespace, loose_equals, number_value, strict_equals, string_to_number, to_js_string, to_number, utf16_len,
};
use super::messages::{allowed_values, FieldPath, LATITUDE_RANGE, LONGITUDE_RANGE, MONEY_NEGATIVE};
use super::regex::JsRegex;
use super::report::{report, report_with_template};
use super::rules::{
    EmailRule, EqualRule, EqualTarget, IpVersion, NumberDomain, NumberRule, Rule, Sanitizers, StringRule,
};
use super::ValidationIssue;

/// fastest-validator's base64 pattern (its class also admits a backslash).
static BASE64: Lazy<JsRegex> = Lazy::new(|| {
    JsRegex::new(r"^(?:[A-Za-z0-9+\\/]{4})*(?:[A-Za-z0-9+\\/]{2}==|[A-Za-z0-9+/]{3}=)?$", "")
        .expect("base64 pattern compiles")
});

type Issues = Vec<ValidationIssue>;

/// (enabled, error type, acceptance test) for the character-class string rules.
type CharacterCheck = (bool, &'static str, fn(&str) -> bool);

pub(crate) fn check_string(
    rule: &Rule,
    string: &StringRule,
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Issues,
) {
    if string.convert && !value.is_string() {
        *value = Value::String(to_js_string(value));
    }
    let Value::String(original) = value else {
        report(issues, rule, "string", path, None, Some(value.clone()));
        return;
    };
    let sanitized = string.sanitize.any().then(|| sanitize(original, &string.sanitize));
    let text = sanitized.as_deref().unwrap_or(original.as_str());
    check_string_rules(rule, string, text, original, path, issues);
    if let Some(new_text) = sanitized {
        if new_text != *original {
            *original = new_text;
        }
    }
}

fn check_string_rules(
    rule: &Rule,
    string: &StringRule,
    text: &str,
    original: &str,
    path: &FieldPath<'_>,
    issues: &mut Issues,
) {
    let len = utf16_len(text);
    let original_value = || Some(Value::String(original.to_string()));
    let mut fail = |kind: &'static str, expected: Option<Value>, actual: Option<Value>| {
        report(issues, rule, kind, path, expected, actual);
    };
    if string.empty == Some(false) && len == 0 {
        fail("stringEmpty", None, Some(Value::String(text.to_string())));
    }
    if let Some(min) = string.min.filter(|min| (len as f64) < *min) {
        fail("stringMin", Some(number_value(min)), Some(Value::from(len)));
    }
    if let Some(max) = string.max.filter(|max| (len as f64) > *max) {
        fail("stringMax", Some(number_value(max)), Some(Value::from(len)));
    }
    if let Some(length) = string.length.filter(|length| len as f64 != *length) {
        fail("stringLength", Some(number_value(length)), Some(Value::from(len)));
    }
    if let Some(pattern) = &string.pattern {
        let skipped = string.empty == Some(true) && len == 0;
        if !skipped && !pattern.is_match(text) {
            fail("stringPattern", Some(Value::String(pattern.display().to_string())), original_value());
        }
    }
    if let Some(needle) = string.contains.as_deref().filter(|needle| !text.contains(needle)) {
        fail("stringContains", Some(Value::String(needle.to_string())), original_value());
    }
    if let Some(allowed) = &string.enum_values {
        if !allowed.iter().any(|a| a.as_str() == Some(text)) {
            fail("stringEnum", Some(allowed_values(allowed)), original_value());
        }
    }
    let character_checks: [CharacterCheck; 6] = [
        (string.numeric, "stringNumeric", is_numeric_text),
        (string.alpha, "stringAlpha", |t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphabetic())),
        (string.alphanum, "stringAlphanum", |t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric())),
        (string.alphadash, "stringAlphadash", |t| {
            !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        }),
        (string.hex, "stringHex", |t| t.len() % 2 == 0 && !t.is_empty() && t.bytes().all(|b| b.is_ascii_hexdigit())),
        (string.base64, "stringBase64", |t| BASE64.is_match(t)),
    ];
    for (enabled, kind, accepts) in character_checks {
        if enabled && !accepts(text) {
            fail(kind, None, original_value());
        }
    }
    if string.single_line && text.contains('\n') {
        fail("stringSingleLine", None, None);
    }
    match string.address {
        Some(IpVersion::V4) if !formats::is_ipv4(text) => fail("ip4", None, original_value()),
        Some(IpVersion::V6) if !formats::is_ipv6(text) => fail("ip6", None, original_value()),
        _ => {}
    }
}

/// `^-?[0-9]\d*(\.\d+)?$`.
fn is_numeric_text(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int_part, frac_part) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    all_digits(int_part) && frac_part.is_none_or(all_digits)
}

fn sanitize(text: &str, rules: &Sanitizers) -> String {
    let mut out = text.to_string();
    if rules.trim {
        out = out.trim_matches(is_js_whitespace).to_string();
    }
    if rules.trim_left {
        out = out.trim_start_matches(is_js_whitespace).to_string();
    }
    if rules.trim_right {
        out = out.trim_end_matches(is_js_whitespace).to_string();
    }
    let pad_char = rules.pad_char.as_deref().unwrap_or(" ");
    if let Some(target) = rules.pad_start {
        out = format!("{}{out}", padding(&out, target, pad_char));
    }
    if let Some(target) = rules.pad_end {
        out = format!("{out}{}", padding(&out, target, pad_char));
    }
    if rules.lowercase {
        out = out.to_lowercase();
    }
    if rules.uppercase {
        out = out.to_uppercase();
    }
    out
}

/// The filler `padStart`/`padEnd` add to reach `target` UTF-16 units.
fn padding(text: &str, target: usize, pad: &str) -> String {
    let missing = target.saturating_sub(utf16_len(text));
    if missing == 0 || pad.is_empty() {
        return String::new();
    }
    pad.chars()
        .cycle()
        .scan(0, |units, c| {
            *units += c.len_utf16();
            (*units <= missing).then_some(c)
        })
        .collect()
}

pub(crate) fn check_number(
    rule: &Rule,
    number: &NumberRule,
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Issues,
) {
    let (parsed, converted) = match &*value {
        Value::Number(n) => (n.as_f64(), false),
        other if number.convert => (to_number(other), true),
        _ => (None, false),
    };
    let Some(n) = parsed.filter(|n| n.is_finite()) else {
        report(issues, rule, "number", path, None, Some(value.clone()));
        return;
    };
    check_number_rules(rule, number, n, value, path, issues);
    if converted {
        *value = number_value(n);
    }
}

fn check_number_rules(
    rule: &Rule,
    number: &NumberRule,
    n: f64,
    original: &Value,
    path: &FieldPath<'_>,
    issues: &mut Issues,
) {
    let actual = || Some(original.clone());
    let (below_domain, above_domain) = check_domain(rule, number.domain, n, original, path, issues);
    if let Some(min) = number.min.filter(|min| n < *min && !below_domain) {
        report(issues, rule, "numberMin", path, Some(number_value(min)), actual());
    }
    if let Some(max) = number.max.filter(|max| n > *max && !above_domain) {
        report(issues, rule, "numberMax", path, Some(number_value(max)), actual());
    }
    if let Some(equal) = number.equal.filter(|equal| n != *equal) {
        report(issues, rule, "numberEqual", path, Some(number_value(equal)), actual());
    }
    if let Some(not_equal) = number.not_equal.filter(|not_equal| n == *not_equal) {
        report(issues, rule, "numberNotEqual", path, Some(number_value(not_equal)), actual());
    }
    if number.integer && n.fract() != 0.0 {
        report(issues, rule, "numberInteger", path, None, actual());
    }
    if number.positive && n <= 0.0 {
        report(issues, rule, "numberPositive", path, None, actual());
    }
    if number.negative && n >= 0.0 {
        report(issues, rule, "numberNegative", path, None, actual());
    }
}

/// s3db range rules with their own messages; returns (too low, too high).
fn check_domain(
    rule: &Rule,
    domain: Option<NumberDomain>,
    n: f64,
    original: &Value,
    path: &FieldPath<'_>,
    issues: &mut Issues,
) -> (bool, bool) {
    let (low, high, message) = match domain {
        None => return (false, false),
        Some(NumberDomain::Money) => (0.0, f64::INFINITY, MONEY_NEGATIVE),
        Some(NumberDomain::Latitude) => (-90.0, 90.0, LATITUDE_RANGE),
        Some(NumberDomain::Longitude) => (-180.0, 180.0, LONGITUDE_RANGE),
    };
    let actual = Some(original.clone());
    if n < low {
        report_with_template(issues, rule, "numberMin", message, path, Some(number_value(low)), actual);
        return (true, false);
    }
    if n > high {
        report_with_template(issues, rule, "numberMax", message, path, Some(number_value(high)), actual);
        return (false, true);
    }
    (false, false)
}

/// Real booleans only, unless `convert` (1/"true"/"1"/"on", 0/"false"/"0"/"off").
pub(crate) fn check_boolean(rule: &Rule, convert: bool, value: &mut Value, path: &FieldPath<'_>, issues: &mut Issues) {
    if value.is_boolean() {
        return;
    }
    if let Some(b) = convert.then(|| converted_boolean(value)).flatten() {
        *value = Value::Bool(b);
        return;
    }
    report(issues, rule, "boolean", path, None, Some(value.clone()));
}

fn converted_boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Number(n) if n.as_f64() == Some(1.0) => Some(true),
        Value::Number(n) if n.as_f64() == Some(0.0) => Some(false),
        Value::String(s) => match s.as_str() {
            "true" | "1" | "on" => Some(true),
            "false" | "0" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A JSON stand-in for a `Date`: a `Date.parse`-able string or epoch milliseconds
/// (numeric strings too with `convert`). The value is kept as it is.
pub(crate) fn check_date(rule: &Rule, convert: bool, value: &mut Value, path: &FieldPath<'_>, issues: &mut Issues) {
    let valid = match value {
        Value::String(text) => {
            is_parseable_date(text)
                || (convert && !text.is_empty() && string_to_number(text).is_some_and(is_valid_epoch_ms))
        }
        Value::Number(n) => n.as_f64().is_some_and(is_valid_epoch_ms),
        _ => false,
    };
    if !valid {
        report(issues, rule, "date", path, None, Some(value.clone()));
    }
}

pub(crate) fn check_email(
    rule: &Rule,
    email: &EmailRule,
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Issues,
) {
    let Value::String(text) = value else {
        report(issues, rule, "string", path, None, Some(value.clone()));
        return;
    };
    if text.is_empty() {
        if !email.allow_empty {
            report(issues, rule, "emailEmpty", path, None, Some(Value::String(String::new())));
        }
        return;
    }
    if email.normalize {
        *text = text.trim_matches(is_js_whitespace).to_lowercase();
    }
    let len = utf16_len(text);
    if let Some(min) = email.min.filter(|min| (len as f64) < *min) {
        report(issues, rule, "emailMin", path, Some(number_value(min)), Some(Value::from(len)));
    }
    if let Some(max) = email.max.filter(|max| (len as f64) > *max) {
        report(issues, rule, "emailMax", path, Some(number_value(max)), Some(Value::from(len)));
    }
    let well_formed = if email.precise { formats::is_precise_email(text) } else { formats::is_quick_email(text) };
    if !well_formed {
        report(issues, rule, "email", path, None, Some(Value::String(text.clone())));
    }
}

pub(crate) fn check_url(rule: &Rule, allow_empty: bool, value: &mut Value, path: &FieldPath<'_>, issues: &mut Issues) {
    let Value::String(text) = value else {
        report(issues, rule, "string", path, None, Some(value.clone()));
        return;
    };
    if text.is_empty() {
        if !allow_empty {
            report(issues, rule, "urlEmpty", path, None, Some(Value::String(String::new())));
        }
        return;
    }
    if !formats::is_url(text) {
        report(issues, rule, "url", path, None, Some(value.clone()));
    }
}

pub(crate) fn check_uuid_value(
    rule: &Rule,
    version: Option<i64>,
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Issues,
) {
    let Value::String(text) = value else {
        report(issues, rule, "string", path, None, Some(value.clone()));
        return;
    };
    match formats::check_uuid(text, version) {
        UuidCheck::Valid => {}
        UuidCheck::Invalid => report(issues, rule, "uuid", path, None, Some(value.clone())),
        UuidCheck::WrongVersion { actual } => {
            let expected = version.map(Value::from);
            report(issues, rule, "uuidVersion", path, expected, Some(Value::from(actual)));
        }
    }
}

pub(crate) fn check_mac(rule: &Rule, value: &mut Value, path: &FieldPath<'_>, issues: &mut Issues) {
    check_string_format(rule, value, path, issues, "mac", formats::is_mac_address);
}

pub(crate) fn check_luhn(rule: &Rule, value: &mut Value, path: &FieldPath<'_>, issues: &mut Issues) {
    check_string_format(rule, value, path, issues, "luhn", formats::passes_luhn);
}

/// A string that `accepts` must approve, else `kind`.
fn check_string_format(
    rule: &Rule,
    value: &Value,
    path: &FieldPath<'_>,
    issues: &mut Issues,
    kind: &'static str,
    accepts: fn(&str) -> bool,
) {
    match value {
        Value::String(text) if accepts(text) => {}
        Value::String(_) => report(issues, rule, kind, path, None, Some(value.clone())),
        other => report(issues, rule, "string", path, None, Some(other.clone())),
    }
}

/// Non-strings fail with `currency` too (fastest-validator would throw a TypeError).
pub(crate) fn check_currency(
    rule: &Rule,
    regex: &JsRegex,
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Issues,
) {
    let valid = value.as_str().is_some_and(|text| regex.is_match(text));
    if !valid {
        report(issues, rule, "currency", path, None, Some(value.clone()));
    }
}

pub(crate) fn check_enum(rule: &Rule, allowed: &[Value], value: &mut Value, path: &FieldPath<'_>, issues: &mut Issues) {
    if !allowed.iter().any(|a| strict_equals(a, value)) {
        report(issues, rule, "enumValue", path, Some(allowed_values(allowed)), Some(value.clone()));
    }
}

pub(crate) fn check_equal(
    rule: &Rule,
    equal: &EqualRule,
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Issues,
    parent: Option<&Map<String, Value>>,
) {
    let compare = |other: &Value| if equal.strict { strict_equals(value, other) } else { loose_equals(value, other) };
    match &equal.target {
        EqualTarget::Value(expected) => {
            if !compare(expected) {
                report(issues, rule, "equalValue", path, Some(expected.clone()), Some(value.clone()));
            }
        }
        EqualTarget::Field(field) => {
            // An absent sibling is `undefined`, which no present value equals.
            let matches = parent.and_then(|p| p.get(field)).is_some_and(compare);
            if !matches {
                report(issues, rule, "equalField", path, Some(Value::String(field.clone())), Some(value.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_text() {
        assert!(is_numeric_text("-12.5"));
        assert!(is_numeric_text("007"));
        assert!(!is_numeric_text("1."));
        assert!(!is_numeric_text("+1"));
        assert!(!is_numeric_text(""));
    }

    #[test]
    fn padding_like_js() {
        assert_eq!(padding("5", 3, "0"), "00");
        assert_eq!(padding("abc", 2, "0"), "");
        assert_eq!(padding("a", 6, "xy"), "xyxyx");
    }
}
