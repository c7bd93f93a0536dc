//! Partition references (storage-format §1.4, §12): empty objects whose keys carry field values,
//! `resource=<name>/partition=<p>/<field>=<value>/…/id=<id>`.

use crate::clock::iso_string;
use crate::codec::js_string;
use crate::error::{Error, ErrorKind, Result};
use crate::validator::parse_date_ms;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// One partition definition with its fields in key order.
#[derive(Debug, Clone)]
pub struct Partition {
    pub name: String,
    /// `(field path, rule)` sorted as s3db.js sorts them.
    pub fields: Vec<(String, String)>,
}

/// Where a partition listing looks: a key prefix (always ending in `/`, so a partition never
/// lists a sibling whose name starts with its own) and, when a value was given for a field
/// after one without, the segments a listed key must also contain.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionListing {
    pub prefix: String,
    pub required_segments: Vec<String>,
}

impl PartitionListing {
    /// True when a listed key (relative to the database) belongs to the selection.
    pub fn matches(&self, relative_key: &str) -> bool {
        let rest = relative_key.strip_prefix(&self.prefix).unwrap_or(relative_key);
        self.required_segments.iter().all(|segment| rest.starts_with(segment.as_str()) || rest.contains(&format!("/{segment}")))
    }
}

impl Partition {
    /// Parses `{name: {fields: {path: rule}}}`.
    pub fn parse_all(partitions: &Map<String, Value>) -> Result<Vec<Partition>> {
        partitions
            .iter()
            .map(|(name, def)| {
                let fields = def.get("fields").and_then(Value::as_object).ok_or_else(|| {
                    Error::new(ErrorKind::Partition, format!("Partition '{name}' must have a 'fields' property"))
                })?;
                let mut fields: Vec<(String, String)> = fields
                    .iter()
                    .map(|(path, rule)| (path.clone(), rule.as_str().unwrap_or("").to_string()))
                    .collect();
                fields.sort_by(|a, b| locale_compare(&a.0, &b.0));
                Ok(Partition { name: name.clone(), fields })
            })
            .collect()
    }

    fn base(&self, resource: &str) -> String {
        format!("resource={resource}/partition={}", self.name)
    }

    /// The reference key for a record, or `None` when a field value is missing.
    pub fn reference_key(&self, resource: &str, id: &str, record: &Map<String, Value>) -> Option<String> {
        let mut key = self.base(resource);
        for (path, rule) in &self.fields {
            key.push('/');
            push_segment(&mut key, path, lookup(record, path)?, rule)?;
        }
        key.push_str("/id=");
        key.push_str(id);
        Some(key)
    }

    /// The key `getFromPartition` looks for: a segment for each field given a value (as
    /// s3db.js builds it), `None` when no field has one.
    pub fn key_from_values(&self, resource: &str, id: &str, values: &Map<String, Value>) -> Option<String> {
        let segments: Vec<String> =
            self.fields.iter().filter_map(|(path, rule)| segment(path, given_value(values, path)?, rule)).collect();
        if segments.is_empty() {
            return None;
        }
        Some(format!("{}/{}/id={id}", self.base(resource), segments.join("/")))
    }

    /// What to list for `{partition, partitionValues}`: the prefix covers the leading fields
    /// that have a value; values of later fields become segments to match.
    pub fn listing(&self, resource: &str, values: &Map<String, Value>) -> PartitionListing {
        let mut prefix = format!("{}/", self.base(resource));
        let mut required_segments = Vec::new();
        // The prefix stops at the first field without a value.
        let mut prefix_open = true;
        for (path, rule) in &self.fields {
            match given_value(values, path).and_then(|v| segment(path, v, rule)) {
                Some(text) if prefix_open => {
                    prefix.push_str(&text);
                    prefix.push('/');
                }
                Some(text) => required_segments.push(format!("{text}/")),
                None => prefix_open = false,
            }
        }
        PartitionListing { prefix, required_segments }
    }
}

/// A value given in `partitionValues`, by flat key (`'utm.source'`) or nested path.
fn given_value<'a>(values: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    values.get(path).or_else(|| lookup(values, path)).filter(|v| !v.is_null())
}

/// Value at a dotted path.
pub fn lookup<'a>(record: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut segments = path.split('.');
    let mut current = record.get(segments.next()?)?;
    for segment in segments {
        current = current.as_object()?.get(segment)?;
    }
    Some(current)
}

/// `<path>=<value after the rule>`, `None` for a null value. A `/` in the value is written
/// `%2F`: left bare it would start another key segment, and a value such as `x/id=zzz` would
/// forge a record id in the listing of `x`.
fn segment(path: &str, value: &Value, rule: &str) -> Option<String> {
    let mut out = String::new();
    push_segment(&mut out, path, value, rule)?;
    Some(out)
}

/// [`segment`] appended to `out` (which is left as it was for a null value).
fn push_segment(out: &mut String, path: &str, value: &Value, rule: &str) -> Option<()> {
    if value.is_null() {
        return None;
    }
    let text = apply_rule(value, rule);
    out.push_str(path);
    out.push('=');
    for (index, part) in text.split('/').enumerate() {
        if index > 0 {
            out.push_str("%2F");
        }
        out.push_str(part);
    }
    Some(())
}

/// s3db.js `applyPartitionRule` then `String()`: `maxlength:N` cuts strings to N UTF-16 units;
/// with `date`, ISO timestamps keep their date part and other date text is parsed as JS
/// `new Date(text)` would in UTC, becoming `YYYY-MM-DD` (unparseable text stays as it is).
pub fn apply_rule<'a>(value: &'a Value, rule: &str) -> Cow<'a, str> {
    let Value::String(text) = value else { return Cow::Owned(js_string(value)) };
    let text = match max_length(rule) {
        Some(max) => cut_utf16(text, max),
        None => text.as_str(),
    };
    if rule.contains("date") {
        if text.contains('T') && text.contains('Z') {
            return Cow::Borrowed(&text[..text.find('T').expect("checked")]);
        }
        if let Some(ms) = parse_date_ms(text) {
            let iso = iso_string(ms);
            return Cow::Owned(iso[..iso.find('T').expect("ISO text has a T")].to_string());
        }
    }
    Cow::Borrowed(text)
}

/// N of the first `maxlength:N` in a rule.
fn max_length(rule: &str) -> Option<usize> {
    let rest = &rule[rule.find("maxlength:")? + "maxlength:".len()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    rest[..digits].parse().ok()
}

fn cut_utf16(text: &str, max_units: usize) -> &str {
    let mut units = 0;
    let mut end = text.len();
    for (index, c) in text.char_indices() {
        units += c.len_utf16();
        if units > max_units {
            end = index;
            break;
        }
    }
    &text[..end]
}

/// An approximation of ICU root collation (`localeCompare`) good for field names:
/// punctuation before digits before letters, letters case-insensitively, lower case first on ties.
pub fn locale_compare(a: &str, b: &str) -> Ordering {
    fn class(c: char) -> u8 {
        if c.is_alphabetic() {
            2
        } else if c.is_numeric() {
            1
        } else {
            0
        }
    }
    let primary = |s: &str| s.chars().map(|c| (class(c), c.to_lowercase().next().unwrap_or(c))).collect::<Vec<_>>();
    primary(a).cmp(&primary(b)).then_with(|| {
        let tertiary = |s: &str| s.chars().map(|c| c.is_uppercase()).collect::<Vec<_>>();
        tertiary(a).cmp(&tertiary(b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn partitions(def: Value) -> Vec<Partition> {
        Partition::parse_all(def.as_object().unwrap()).unwrap()
    }

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn fields_sort_like_locale_compare() {
        let mut names = vec!["region", "Region", "category", "createdAt", "a10", "a2", "_x", "b", "B", "a"];
        names.sort_by(|a, b| locale_compare(a, b));
        assert_eq!(names, vec!["_x", "a", "a10", "a2", "b", "B", "category", "createdAt", "region", "Region"]);
    }

    #[test]
    fn reference_keys_follow_s3db_layout() {
        let parts = partitions(json!({
            "byRegionCategory": {"fields": {"region": "string", "category": "string"}},
            "byUtmSource": {"fields": {"utm.source": "string"}},
            "byCreatedDate": {"fields": {"createdAt": "date|maxlength:10"}},
        }));
        let record = map(json!({"region": "US", "category": "books", "utm": {"source": "google"}, "createdAt": "2025-01-02T03:04:05.678Z"}));
        let keys: Vec<_> = parts.iter().map(|p| p.reference_key("orders", "o1", &record).unwrap()).collect();
        assert_eq!(keys[0], "resource=orders/partition=byRegionCategory/category=books/region=US/id=o1");
        assert_eq!(keys[1], "resource=orders/partition=byUtmSource/utm.source=google/id=o1");
        assert_eq!(keys[2], "resource=orders/partition=byCreatedDate/createdAt=2025-01-02/id=o1");
        assert!(parts[0].reference_key("orders", "o1", &map(json!({"region": "US"}))).is_none());
        assert!(parts[0].reference_key("orders", "o1", &map(json!({"region": "US", "category": null}))).is_none());
    }

    #[test]
    fn rules_cut_and_turn_dates_into_days() {
        assert_eq!(apply_rule(&json!("abcdefgh"), "string|maxlength:3"), "abc");
        assert_eq!(apply_rule(&json!("日本語テキスト"), "maxlength:2"), "日本");
        assert_eq!(apply_rule(&json!("2025-01-02T03:04:05.678Z"), "date"), "2025-01-02");
        assert_eq!(apply_rule(&json!("March 7, 2024"), "date"), "2024-03-07");
        assert_eq!(apply_rule(&json!("Dec 25 1995 23:00:00 EST"), "date"), "1995-12-26");
        assert_eq!(apply_rule(&json!("2024-03-07T02:00:00+05:00"), "date"), "2024-03-06");
        assert_eq!(apply_rule(&json!("not a date"), "date"), "not a date");
        assert_eq!(apply_rule(&json!("2025-01-02T03:04:05.678Z"), "date|maxlength:10"), "2025-01-02");
        // Values that are not strings are written with JS String().
        assert_eq!(apply_rule(&json!(42), "number"), "42");
        assert_eq!(apply_rule(&json!(-1.5), "number"), "-1.5");
        assert_eq!(apply_rule(&json!(true), "boolean"), "true");
        assert_eq!(apply_rule(&json!(["a", "b"]), "array"), "a,b");
        assert_eq!(apply_rule(&json!({"x": 1}), "object"), "[object Object]");
    }

    #[test]
    fn listing_prefixes_end_with_a_slash() {
        let parts = partitions(json!({
            "byRegion": {"fields": {"region": "string"}},
            "byRegionCategory": {"fields": {"region": "string", "category": "string"}},
        }));
        let all = parts[0].listing("orders", &Map::new());
        assert_eq!(all.prefix, "resource=orders/partition=byRegion/");
        assert!(!"resource=orders/partition=byRegionCategory/category=a/region=US/id=1".starts_with(&all.prefix));
        let us = parts[0].listing("orders", &map(json!({"region": "US"})));
        assert_eq!(us, PartitionListing { prefix: "resource=orders/partition=byRegion/region=US/".into(), required_segments: vec![] });
    }

    #[test]
    fn listing_by_a_later_field_filters_instead_of_listing_everything() {
        let part = &partitions(json!({"byRegionCategory": {"fields": {"region": "string", "category": "string"}}}))[0];
        let listing = part.listing("orders", &map(json!({"region": "US"})));
        assert_eq!(listing.prefix, "resource=orders/partition=byRegionCategory/");
        assert_eq!(listing.required_segments, vec!["region=US/".to_string()]);
        assert!(listing.matches("resource=orders/partition=byRegionCategory/category=books/region=US/id=o1"));
        assert!(!listing.matches("resource=orders/partition=byRegionCategory/category=books/region=BR/id=o2"));
        assert!(!listing.matches("resource=orders/partition=byRegionCategory/category=books/region=USA/id=o3"));
    }

    #[test]
    fn a_slash_in_a_value_stays_inside_its_segment() {
        let p = &partitions(json!({"byName": {"fields": {"name": "string"}}}))[0];
        let key = p.reference_key("users", "real", &map(json!({"name": "x/id=zzz"}))).unwrap();
        assert_eq!(key, "resource=users/partition=byName/name=x%2Fid=zzz/id=real");
        assert_eq!(crate::keys::id_from_key(&key), Some("real"));
        let listing = p.listing("users", &map(json!({"name": "x"})));
        assert!(!key.starts_with(&listing.prefix), "the value 'x' does not list a record whose value is 'x/id=zzz'");
        let own = p.listing("users", &map(json!({"name": "x/id=zzz"})));
        assert!(key.starts_with(&own.prefix));
    }

    #[test]
    fn key_from_values_uses_the_given_fields() {
        let part = &partitions(json!({"byRegionCategory": {"fields": {"region": "string", "category": "string"}}}))[0];
        let values = map(json!({"region": "US", "category": "books"}));
        assert_eq!(
            part.key_from_values("orders", "o1", &values).unwrap(),
            "resource=orders/partition=byRegionCategory/category=books/region=US/id=o1"
        );
        assert!(part.key_from_values("orders", "o1", &Map::new()).is_none());
    }
}
