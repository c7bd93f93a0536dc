//! s3db.js's metadata size calculator (`calculateTotalSize` and family), as its users call it:
//! the UTF-8 bytes of each value's text form plus the bytes of the attribute names. The engine
//! itself measures the encoded header form instead (`behavior::metadata_size`), which is what
//! S3 enforces; these figures are the ones s3db.js apps print and compare.

use crate::codec;
use crate::encoding::json;
use serde_json::{Map, Value};

/// The text s3db.js measures for a mapped value (`transformValue`).
pub fn transform_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Value::Array(items) if items.is_empty() => "[]".to_string(),
        Value::Array(items) => items.iter().map(codec::js_string).collect::<Vec<_>>().join("|"),
        Value::Object(_) => json::stringify(value),
        other => codec::metadata_text(other),
    }
}

/// Bytes of each value, by attribute name, in the object's order.
pub fn attribute_sizes(mapped: &Map<String, Value>) -> Map<String, Value> {
    mapped.iter().map(|(key, value)| (key.clone(), Value::from(transform_value(value).len()))).collect()
}

/// Bytes of the attribute names.
pub fn names_size(mapped: &Map<String, Value>) -> usize {
    mapped.keys().map(String::len).sum()
}

/// Values plus names.
pub fn total_size(mapped: &Map<String, Value>) -> usize {
    mapped.values().map(|v| transform_value(v).len()).sum::<usize>() + names_size(mapped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn measures_like_s3db_js() {
        let mapped = json!({"a": "héllo", "bb": 12.5, "c": true, "d": null, "e": ["x", 1], "f": [], "g": {"k": 1}});
        let mapped = mapped.as_object().unwrap();
        let sizes = attribute_sizes(mapped);
        assert_eq!(Value::Object(sizes), json!({"a": 6, "bb": 4, "c": 1, "d": 0, "e": 3, "f": 2, "g": 7}));
        assert_eq!(names_size(mapped), 8);
        assert_eq!(total_size(mapped), 23 + 8);
    }
}
