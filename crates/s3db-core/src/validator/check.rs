//! Validation walk: presence (required/optional/nullable/default) and the container rules
//! (object, array, tuple, record, multi); scalar rules live in `scalars`.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::js::{number_value, strict_equals, to_js_string};
use super::messages::{allowed_values, FieldPath};
use super::report::report;
use super::rules::{ArrayRule, Check, ObjectRule, RecordRule, Rule, Strictness, TupleRule};
use super::scalars;
use super::ValidationIssue;

/// What the container must do with the checked value afterwards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Outcome {
    Keep,
    /// `forbidden` with `remove`: the field is deleted.
    Remove,
}

/// How an undefined or null value is handled.
enum Absent {
    Skip,
    UseDefault,
    Required,
}

/// Rule used where fastest-validator reports with default messages and no label.
static PLAIN_RULE: Rule =
    Rule { optional: false, nullable: false, default: None, label: None, messages: Vec::new(), check: Check::Any };

/// Validates the document's top level in place.
pub(crate) fn check_document(root: &ObjectRule, doc: &mut Map<String, Value>, issues: &mut Vec<ValidationIssue>) {
    check_object_body(&PLAIN_RULE, root, doc, &FieldPath::Root, issues);
}

fn when_undefined(rule: &Rule) -> Absent {
    if rule.default.is_some() {
        Absent::UseDefault
    } else if rule.skips_missing() {
        Absent::Skip
    } else {
        Absent::Required
    }
}

fn when_null(rule: &Rule) -> Absent {
    if rule.default.is_some() && !rule.nullable {
        Absent::UseDefault
    } else if rule.skips_null() {
        Absent::Skip
    } else {
        Absent::Required
    }
}

/// Checks `map[name]`, which may be absent (JS `undefined`).
fn check_property(
    rule: &Rule,
    map: &mut Map<String, Value>,
    name: &str,
    path: &FieldPath<'_>,
    issues: &mut Vec<ValidationIssue>,
    parent: Option<&Map<String, Value>>,
) {
    let Some(value) = map.get_mut(name) else {
        match when_undefined(rule) {
            Absent::Skip => {}
            Absent::UseDefault => {
                map.insert(name.to_string(), rule.default.clone().unwrap_or(Value::Null));
            }
            Absent::Required => report(issues, rule, "required", path, None, None),
        }
        return;
    };
    if check_slot(rule, value, path, issues, parent) == Outcome::Remove {
        map.shift_remove(name);
    }
}

/// Checks a value that exists (possibly null): properties, array items, alternatives.
fn check_slot(
    rule: &Rule,
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Vec<ValidationIssue>,
    parent: Option<&Map<String, Value>>,
) -> Outcome {
    if !value.is_null() {
        return check_present(rule, value, path, issues, parent);
    }
    match when_null(rule) {
        Absent::Skip => {}
        Absent::UseDefault => *value = rule.default.clone().unwrap_or(Value::Null),
        Absent::Required => report(issues, rule, "required", path, None, Some(Value::Null)),
    }
    Outcome::Keep
}

fn check_present(
    rule: &Rule,
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Vec<ValidationIssue>,
    parent: Option<&Map<String, Value>>,
) -> Outcome {
    match &rule.check {
        Check::Any => {}
        Check::Forbidden { remove: true } => return Outcome::Remove,
        Check::Forbidden { remove: false } => report(issues, rule, "forbidden", path, None, Some(value.clone())),
        Check::Function => report(issues, rule, "function", path, None, Some(value.clone())),
        Check::String(string) => scalars::check_string(rule, string, value, path, issues),
        Check::Number(number) => scalars::check_number(rule, number, value, path, issues),
        Check::Boolean { convert } => scalars::check_boolean(rule, *convert, value, path, issues),
        Check::Date { convert } => scalars::check_date(rule, *convert, value, path, issues),
        Check::Email(email) => scalars::check_email(rule, email, value, path, issues),
        Check::Url { allow_empty } => scalars::check_url(rule, *allow_empty, value, path, issues),
        Check::Uuid { version } => scalars::check_uuid_value(rule, *version, value, path, issues),
        Check::Mac => scalars::check_mac(rule, value, path, issues),
        Check::Luhn => scalars::check_luhn(rule, value, path, issues),
        Check::Currency(regex) => scalars::check_currency(rule, regex, value, path, issues),
        Check::Enum { values } => scalars::check_enum(rule, values, value, path, issues),
        Check::Equal(equal) => scalars::check_equal(rule, equal, value, path, issues, parent),
        Check::Array(array) => check_array(rule, array, value, path, issues),
        Check::Tuple(tuple) => check_tuple(rule, tuple, value, path, issues),
        Check::Object(object) => match value {
            Value::Object(map) => check_object_body(rule, object, map, path, issues),
            other => report(issues, rule, "object", path, None, Some(other.clone())),
        },
        Check::Record(record) => check_record(rule, record, value, path, issues),
        Check::Multi(alternatives) => return check_alternatives(alternatives, value, path, issues, parent),
    }
    Outcome::Keep
}

fn check_object_body(
    rule: &Rule,
    object: &ObjectRule,
    map: &mut Map<String, Value>,
    path: &FieldPath<'_>,
    issues: &mut Vec<ValidationIssue>,
) {
    if let Some(props) = &object.props {
        let snapshot = object.reads_parent.then(|| map.clone());
        for (name, prop_rule) in props {
            let prop_path = FieldPath::Prop(path, name);
            check_property(prop_rule, map, name, &prop_path, issues, snapshot.as_ref());
        }
        // fastest-validator only looks for extra keys while no error has been found.
        if object.strict != Strictness::Keep && issues.is_empty() {
            handle_unknown_keys(rule, object.strict, props, map, path, issues);
        }
    }
    let count = map.len() as f64;
    if let Some(min) = object.min_props.filter(|min| count < *min) {
        report(issues, rule, "objectMinProps", path, Some(number_value(min)), Some(Value::from(map.len())));
    }
    if let Some(max) = object.max_props.filter(|max| count > *max) {
        report(issues, rule, "objectMaxProps", path, Some(number_value(max)), Some(Value::from(map.len())));
    }
}

fn handle_unknown_keys(
    rule: &Rule,
    strict: Strictness,
    props: &[(String, Rule)],
    map: &mut Map<String, Value>,
    path: &FieldPath<'_>,
    issues: &mut Vec<ValidationIssue>,
) {
    let unknown: Vec<String> = map.keys().filter(|key| !props.iter().any(|(name, _)| name == *key)).cloned().collect();
    if unknown.is_empty() {
        return;
    }
    if strict == Strictness::Remove {
        for key in &unknown {
            map.shift_remove(key);
        }
        return;
    }
    let allowed: Vec<&str> = props.iter().map(|(name, _)| name.as_str()).collect();
    report(
        issues,
        rule,
        "objectStrict",
        path,
        Some(Value::String(allowed.join(", "))),
        Some(Value::String(unknown.join(", "))),
    );
}

fn check_array(
    rule: &Rule,
    array: &ArrayRule,
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Vec<ValidationIssue>,
) {
    let Value::Array(items) = value else {
        report(issues, rule, "array", path, None, Some(value.clone()));
        return;
    };
    let len = items.len();
    let len_value = || Some(Value::from(len));
    if array.reject_empty && len == 0 {
        report(issues, rule, "arrayEmpty", path, None, Some(Value::Array(Vec::new())));
    }
    if let Some(min) = array.min.filter(|min| (len as f64) < *min) {
        report(issues, rule, "arrayMin", path, Some(number_value(min)), len_value());
    }
    if let Some(max) = array.max.filter(|max| (len as f64) > *max) {
        report(issues, rule, "arrayMax", path, Some(number_value(max)), len_value());
    }
    if let Some(length) = array.length.filter(|length| len as f64 != *length) {
        report(issues, rule, "arrayLength", path, Some(number_value(length)), len_value());
    }
    if let Some(needle) = &array.contains {
        if !items.iter().any(|item| strict_equals(item, needle)) {
            report(issues, rule, "arrayContains", path, Some(needle.clone()), Some(Value::Array(items.clone())));
        }
    }
    if array.unique {
        let duplicates = duplicate_primitives(items);
        if !duplicates.is_empty() {
            report(
                issues,
                rule,
                "arrayUnique",
                path,
                Some(Value::Array(duplicates)),
                Some(Value::Array(items.clone())),
            );
        }
    }
    if let Some(allowed) = &array.enum_values {
        for item in items.iter() {
            if !allowed.iter().any(|a| strict_equals(a, item)) {
                report(issues, rule, "arrayEnum", path, Some(allowed_values(allowed)), Some(item.clone()));
            }
        }
    }
    if let Some(item_rule) = &array.items {
        for (index, item) in items.iter_mut().enumerate() {
            let item_path = FieldPath::Item(path, index);
            if check_slot(item_rule, item, &item_path, issues, None) == Outcome::Remove {
                *item = Value::Null;
            }
        }
    }
}

/// Values that occur more than once, in first-repeat order. Like a JS `Set`, only
/// primitives can repeat: every object or array is a distinct reference.
fn duplicate_primitives(items: &[Value]) -> Vec<Value> {
    let mut seen = HashSet::new();
    let mut reported = HashSet::new();
    let mut duplicates = Vec::new();
    for item in items {
        let Some(key) = primitive_key(item) else { continue };
        if !seen.insert(key.clone()) && reported.insert(key) {
            duplicates.push(item.clone());
        }
    }
    duplicates
}

/// Identity of a primitive under strict equality (`1` and `1.0` are the same number).
fn primitive_key(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(format!("b:{b}")),
        Value::Number(n) => n.as_f64().map(|f| format!("n:{}", if f == 0.0 { 0.0 } else { f })),
        Value::String(s) => Some(format!("s:{s}")),
        Value::Array(_) | Value::Object(_) => None,
    }
}

fn check_tuple(
    rule: &Rule,
    tuple: &TupleRule,
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Vec<ValidationIssue>,
) {
    let Value::Array(items) = value else {
        report(issues, rule, "tuple", path, None, Some(value.clone()));
        return;
    };
    if tuple.reject_empty && items.is_empty() {
        report(issues, rule, "tupleEmpty", path, None, Some(Value::Array(Vec::new())));
        return;
    }
    let Some(item_rules) = &tuple.items else { return };
    if items.is_empty() {
        return;
    }
    if items.len() != item_rules.len() {
        let (expected, actual) = (Value::from(item_rules.len()), Value::from(items.len()));
        report(issues, rule, "tupleLength", path, Some(expected), Some(actual));
        return;
    }
    for (index, (item, item_rule)) in items.iter_mut().zip(item_rules).enumerate() {
        let item_path = FieldPath::Item(path, index);
        if check_slot(item_rule, item, &item_path, issues, None) == Outcome::Remove {
            *item = Value::Null;
        }
    }
}

/// Every key and value is checked; keys the key rule rewrites are renamed.
fn check_record(
    rule: &Rule,
    record: &RecordRule,
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Vec<ValidationIssue>,
) {
    let Value::Object(map) = value else {
        report(issues, rule, "record", path, None, Some(value.clone()));
        return;
    };
    let entries = std::mem::take(map);
    for (key, mut entry) in entries {
        let entry_path = FieldPath::Entry(path, &key);
        let mut checked_key = Value::String(key.clone());
        check_slot(&record.key, &mut checked_key, &entry_path, issues, None);
        let keep = check_slot(&record.value, &mut entry, &entry_path, issues, None) == Outcome::Keep;
        let final_key = match checked_key {
            Value::String(text) => text,
            other => to_js_string(&other),
        };
        if keep {
            map.insert(final_key, entry);
        }
    }
}

/// The first alternative without errors wins (its converted value is kept); otherwise
/// the errors of every alternative are reported.
fn check_alternatives(
    alternatives: &[Rule],
    value: &mut Value,
    path: &FieldPath<'_>,
    issues: &mut Vec<ValidationIssue>,
    parent: Option<&Map<String, Value>>,
) -> Outcome {
    let mut collected = Vec::new();
    for alternative in alternatives {
        let mut candidate = value.clone();
        let mut local = Vec::new();
        let outcome = check_slot(alternative, &mut candidate, path, &mut local, parent);
        if local.is_empty() {
            *value = candidate;
            return outcome;
        }
        collected.append(&mut local);
    }
    issues.append(&mut collected);
    Outcome::Keep
}
