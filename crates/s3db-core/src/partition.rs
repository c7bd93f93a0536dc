//! Partition references (storage-format §1.4, §12): empty objects whose keys carry field values,
//! `resource=<name>/partition=<p>/<field>=<value>/…/id=<id>`.

use crate::codec::metadata_text;
use crate::error::{Error, ErrorKind, Result};
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// One partition definition with its fields in key order.
#[derive(Debug, Clone)]
pub struct Partition {
    pub name: String,
    /// `(field path, rule)` sorted as s3db.js sorts them.
    pub fields: Vec<(String, String)>,
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

    /// The reference key for a record, or `None` when a field value is missing.
    pub fn reference_key(&self, resource: &str, id: &str, record: &Map<String, Value>) -> Option<String> {
        let mut key = format!("resource={resource}/partition={}", self.name);
        for (path, rule) in &self.fields {
            let value = lookup(record, path)?;
            if value.is_null() {
                return None;
            }
            key.push('/');
            key.push_str(path);
            key.push('=');
            key.push_str(&segment_value(value, rule));
        }
        key.push_str("/id=");
        key.push_str(id);
        Some(key)
    }

    /// Listing prefix for the given values (fields without a value end the prefix).
    pub fn prefix(&self, resource: &str, values: &Map<String, Value>) -> String {
        let mut prefix = format!("resource={resource}/partition={}/", self.name);
        for (path, rule) in &self.fields {
            let Some(value) = values.get(path).or_else(|| lookup(values, path)).filter(|v| !v.is_null()) else {
                break;
            };
            prefix.push_str(path);
            prefix.push('=');
            prefix.push_str(&segment_value(value, rule));
            prefix.push('/');
        }
        prefix
    }
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

/// `String(value)` after the rule: `maxlength:N` cuts, `date` keeps `YYYY-MM-DD`.
fn segment_value(value: &Value, rule: &str) -> String {
    let mut text = match value {
        Value::Object(_) => "[object Object]".to_string(),
        other => metadata_text(other),
    };
    if let Some(max) = rule.split('|').find_map(|p| p.strip_prefix("maxlength:")?.trim().parse::<usize>().ok()) {
        if value.is_string() {
            text = cut_utf16(&text, max);
        }
    }
    if rule.contains("date") && text.contains('T') && text.contains('Z') {
        text.truncate(text.find('T').expect("checked"));
    }
    text
}

fn cut_utf16(text: &str, max_units: usize) -> String {
    let mut units = 0;
    let mut end = text.len();
    for (index, c) in text.char_indices() {
        units += c.len_utf16();
        if units > max_units {
            end = index;
            break;
        }
    }
    text[..end].to_string()
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

    #[test]
    fn fields_sort_like_locale_compare() {
        let mut names = vec!["region", "Region", "category", "createdAt", "a10", "a2", "_x", "b", "B", "a"];
        names.sort_by(|a, b| locale_compare(a, b));
        assert_eq!(names, vec!["_x", "a", "a10", "a2", "b", "B", "category", "createdAt", "region", "Region"]);
    }

    #[test]
    fn reference_keys_follow_s3db_layout() {
        let parts = Partition::parse_all(
            json!({
                "byRegionCategory": {"fields": {"region": "string", "category": "string"}},
                "byUtmSource": {"fields": {"utm.source": "string"}},
                "byCreatedDate": {"fields": {"createdAt": "date|maxlength:10"}},
            })
            .as_object()
            .unwrap(),
        )
        .unwrap();
        let record = json!({"region": "US", "category": "books", "utm": {"source": "google"}, "createdAt": "2025-01-02T03:04:05.678Z"});
        let record = record.as_object().unwrap();
        let keys: Vec<_> = parts.iter().map(|p| p.reference_key("orders", "o1", record).unwrap()).collect();
        assert_eq!(keys[0], "resource=orders/partition=byRegionCategory/category=books/region=US/id=o1");
        assert_eq!(keys[1], "resource=orders/partition=byUtmSource/utm.source=google/id=o1");
        assert_eq!(keys[2], "resource=orders/partition=byCreatedDate/createdAt=2025-01-02/id=o1");
        let missing = json!({"region": "US"});
        assert!(parts[0].reference_key("orders", "o1", missing.as_object().unwrap()).is_none());
    }
}
