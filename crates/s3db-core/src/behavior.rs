//! The five behaviors for S3's 2 KB metadata limit (storage-format §7, §8): how mapped fields
//! are split between metadata and body on write, and merged back on read.
//!
//! Sizes are s3db.js's (UTF-8 bytes of each key and value text, before transport encoding) or,
//! where larger, what the header really weighs once transport-encoded (`u:`/`b:` text of
//! non-ASCII values, `true` for booleans): s3db.js's own measure lets such records through and
//! S3 then refuses them. For ASCII text both measures agree, so the limits fall exactly where
//! s3db.js puts them.

use crate::codec::{header_text, metadata_text, Mapped};
use crate::encoding::{json, metadata};
use crate::error::{Error, ErrorKind, Result};
use serde_json::{json, Map, Value};

/// S3's user-metadata limit as s3db.js counts it.
pub const METADATA_LIMIT: usize = 2047;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    UserManaged,
    EnforceLimits,
    TruncateData,
    BodyOverflow,
    BodyOnly,
}

impl Behavior {
    /// Parses a behavior name, accepting the old spellings `user-management` and `data-truncate`.
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "user-managed" | "user-management" => Behavior::UserManaged,
            "enforce-limits" => Behavior::EnforceLimits,
            "truncate-data" | "data-truncate" => Behavior::TruncateData,
            "body-overflow" => Behavior::BodyOverflow,
            "body-only" => Behavior::BodyOnly,
            other => return Err(Error::new(ErrorKind::Behavior, format!("Unknown behavior: {other}"))),
        })
    }

    /// s3db.js counts the record's id against the limit of an update only in these two.
    pub fn counts_id_on_update(self) -> bool {
        matches!(self, Behavior::UserManaged | Behavior::EnforceLimits)
    }

    pub fn name(self) -> &'static str {
        match self {
            Behavior::UserManaged => "user-managed",
            Behavior::EnforceLimits => "enforce-limits",
            Behavior::TruncateData => "truncate-data",
            Behavior::BodyOverflow => "body-overflow",
            Behavior::BodyOnly => "body-only",
        }
    }
}

/// Which write is being planned (only used in messages and events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOp {
    Insert,
    Update,
    Replace,
}

impl WriteOp {
    pub fn name(self) -> &'static str {
        match self {
            WriteOp::Insert => "insert",
            WriteOp::Update => "update",
            WriteOp::Replace => "replace",
        }
    }
}

/// Mapped fields split for storage: what goes to metadata, what goes to the JSON body.
#[derive(Debug, Clone, Default)]
pub struct Split {
    pub metadata: Mapped,
    pub body: Option<Mapped>,
    /// `exceedsLimit` event payload (user-managed over the limit).
    pub exceeds_limit: Option<Value>,
}

/// UTF-8 size of a value's size-text (storage-format §7).
fn value_size(value: &Value) -> usize {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Array(items) if items.is_empty() => 2,
        other => metadata_text(other).len(),
    }
}

/// What one field costs against the limit: s3db.js's size, or the header's transport-encoded
/// size when that is larger.
fn field_cost(key: &str, value: &Value) -> usize {
    // The common case without encoding: ASCII text that travels as it is weighs the same both
    // ways (a shorter dictionary form never makes it heavier).
    if let Value::String(text) = value {
        if key.is_ascii() && metadata::travels_verbatim(text) && !matches!(text.as_str(), "null" | "undefined") {
            return key.len() + text.len();
        }
    }
    let s3db = key.len() + value_size(value);
    let wire = metadata::sanitize_key(key).len() + header_text(value).len();
    s3db.max(wire)
}

/// Σ field costs: s3db.js's `calculateTotalSize` (value sizes + key sizes) for ASCII text.
pub fn metadata_size(mapped: &Mapped) -> usize {
    mapped.iter().map(|(k, v)| field_cost(k, v)).sum()
}

/// 2047 minus what s3db.js reserves: `_v`, sample timestamps, and the id when known.
pub fn effective_limit(version: &str, timestamps: bool, id: Option<&str>) -> usize {
    let mut overhead = "_v".len() + version.len();
    if timestamps {
        overhead += 2 * ("createdAt".len() + "2024-01-01T00:00:00.000Z".len());
    }
    if let Some(id) = id {
        overhead += "id".len() + id.len();
    }
    METADATA_LIMIT.saturating_sub(overhead)
}

/// Splits mapped fields per behavior. `limit` comes from [`effective_limit`].
pub fn split(behavior: Behavior, op: WriteOp, mapped: Mapped, limit: usize) -> Result<Split> {
    match behavior {
        Behavior::UserManaged => Ok(user_managed(op, mapped, limit)),
        Behavior::EnforceLimits => enforce_limits(op, mapped, limit),
        Behavior::TruncateData => Ok(truncate_data(mapped, limit)),
        Behavior::BodyOverflow => Ok(body_overflow(mapped, limit)),
        Behavior::BodyOnly => Ok(body_only(mapped)),
    }
}

fn only_version(mapped: &Mapped) -> Mapped {
    mapped.iter().filter(|(k, _)| k.as_str() == "_v").map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Everything in metadata when it fits; otherwise `_v` in metadata and all fields in the body.
/// (Updates are written the same way as inserts: s3db.js 12.4's unbounded update metadata is
/// rejected by S3.)
fn user_managed(op: WriteOp, mapped: Mapped, limit: usize) -> Split {
    let size = metadata_size(&mapped);
    if size <= limit {
        return Split { metadata: mapped, body: None, exceeds_limit: None };
    }
    let event = json!({
        "operation": op.name(),
        "totalSize": size,
        "limit": METADATA_LIMIT,
        "effectiveLimit": limit,
        "excess": size - limit,
    });
    Split { metadata: only_version(&mapped), body: Some(mapped), exceeds_limit: Some(event) }
}

fn enforce_limits(op: WriteOp, mapped: Mapped, limit: usize) -> Result<Split> {
    let size = metadata_size(&mapped);
    if size > limit {
        return Err(Error::new(
            ErrorKind::MetadataLimit,
            // s3db.js's exact wording (users match on it); the sizes travel as fields.
            format!("Metadata size exceeds 2KB limit on {}", op.name()),
        )
        .with("totalSize", size)
        .with("effectiveLimit", limit)
        .with("limit", METADATA_LIMIT)
        .with("excess", size - limit)
        .with("operation", op.name()));
    }
    Ok(Split { metadata: mapped, body: None, exceeds_limit: None })
}

/// Fields sorted by value size, ascending (stable), `_v` excluded.
fn by_size(mapped: &Mapped) -> Vec<(&String, &Value, usize)> {
    let mut fields: Vec<_> = mapped.iter().filter(|(k, _)| k.as_str() != "_v").map(|(k, v)| (k, v, value_size(v))).collect();
    fields.sort_by_key(|(_, _, size)| *size);
    fields
}

/// Smallest fields first into metadata; from the first that does not fit, the rest go to the
/// body. Room for the `$overflow` flag is kept once the record overflows.
fn body_overflow(mapped: Mapped, limit: usize) -> Split {
    if metadata_size(&mapped) <= limit {
        return Split { metadata: mapped, body: None, exceeds_limit: None };
    }
    let mut metadata = only_version(&mapped);
    let mut used = metadata_size(&metadata) + field_cost("$overflow", &flag_value());
    let mut body = Map::new();
    for (key, value, _) in by_size(&mapped) {
        let cost = field_cost(key, value);
        if body.is_empty() && used + cost <= limit {
            used += cost;
            metadata.insert(key.clone(), value.clone());
        } else {
            body.insert(key.clone(), value.clone());
        }
    }
    metadata.insert("$overflow".into(), flag_value());
    Split { metadata: json::js_key_order(metadata), body: Some(json::js_key_order(body)), exceeds_limit: None }
}

/// Value of the `$overflow`/`$truncated` flags.
fn flag_value() -> Value {
    Value::String("true".into())
}

/// Longest prefix of `text` (whole chars) whose cost under `key` is at most `budget`, or
/// `None` when not even the empty value fits. Starts from s3db.js's cut (UTF-8 bytes) and
/// shrinks it while the transport encoding makes it too big.
fn fitting_prefix(key: &str, text: &str, budget: usize) -> Option<String> {
    let fits = |candidate: &str| field_cost(key, &Value::String(candidate.to_string())) <= budget;
    if !fits("") {
        return None;
    }
    let mut end = 0;
    for (index, c) in text.char_indices() {
        if key.len() + index + c.len_utf8() > budget {
            break;
        }
        end = index + c.len_utf8();
    }
    if fits(&text[..end]) {
        return Some(text[..end].to_string());
    }
    // Binary search on char boundaries: `lo` always fits, `hi` never does.
    let boundaries: Vec<usize> = text[..end].char_indices().map(|(i, _)| i).chain([end]).collect();
    let (mut lo, mut hi) = (0, boundaries.len() - 1);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if fits(&text[..boundaries[mid]]) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(text[..boundaries[lo]].to_string())
}

/// A record that fits is kept whole; otherwise the smallest fields are kept whole, the first
/// that does not fit is cut, the rest are dropped.
/// Every size is counted, so the result always fits and the cut is found in a bounded number
/// of steps (s3db.js could loop forever here).
fn truncate_data(mapped: Mapped, limit: usize) -> Split {
    if metadata_size(&mapped) <= limit {
        // Nothing to cut (s3db.js still reserves room for the flag and may cut here).
        return Split { metadata: mapped, body: None, exceeds_limit: None };
    }
    let flag = field_cost("$truncated", &flag_value());
    let mut metadata = only_version(&mapped);
    let mut used = metadata_size(&metadata);
    let mut truncated = false;
    for (key, value, _) in by_size(&mapped) {
        let cost = field_cost(key, value);
        if used + cost + flag <= limit {
            used += cost;
            metadata.insert(key.clone(), value.clone());
            continue;
        }
        let budget = limit.saturating_sub(used + flag);
        if let Some(cut) = fitting_prefix(key, &metadata_text(value), budget) {
            metadata.insert(key.clone(), Value::String(cut));
        }
        truncated = true;
        break;
    }
    if truncated {
        metadata.insert("$truncated".into(), flag_value());
    }
    Split { metadata: json::js_key_order(metadata), body: None, exceeds_limit: None }
}

/// Metadata holds `_v` and the attribute map; all fields (with `_v`) go to the body.
fn body_only(mapped: Mapped) -> Split {
    let metadata = only_version(&mapped);
    Split { metadata, body: Some(mapped), exceeds_limit: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(fields: &[(&str, &str)]) -> Mapped {
        let mut m: Mapped = fields.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
        m.insert("_v".into(), Value::String("v1".into()));
        m
    }

    #[test]
    fn effective_limits_match_s3db() {
        assert_eq!(effective_limit("v1", false, None), 2043);
        assert_eq!(effective_limit("v1", true, None), 1977);
    }

    /// `{name, bio}` on v1 (keys `0`, `1`); limit 2043 = 2047 − `_v` + `v1`.
    fn record(name: &str, bio: &str) -> Mapped {
        mapped(&[("0", name), ("1", bio)])
    }

    const LIMIT: usize = 2043;

    /// Records at the edge: ASCII just under (2042), exactly at (2043) and just over (2044);
    /// then multi-byte text exactly at the limit once transport-encoded (`é` is 2 UTF-8 bytes
    /// but its header is base64: 762 × `é` weigh 2034 bytes on the wire, not 1524), and one
    /// `é` more.
    fn edge_cases() -> Vec<(&'static str, Mapped, bool)> {
        let under = record("x", &"b".repeat(2035));
        let at = record("x", &"b".repeat(2036));
        let over = record("x", &"b".repeat(2037));
        let multibyte_at = record("xyz", &"é".repeat(762));
        let multibyte_over = record("xyz", &"é".repeat(763));
        assert_eq!(metadata_size(&under), LIMIT - 1);
        assert_eq!(metadata_size(&at), LIMIT);
        assert_eq!(metadata_size(&over), LIMIT + 1);
        assert_eq!(metadata_size(&multibyte_at), LIMIT);
        assert!(metadata_size(&multibyte_over) > LIMIT);
        vec![
            ("just under", under, true),
            ("exactly at", at, true),
            ("just over", over, false),
            ("multi-byte exactly at", multibyte_at, true),
            ("multi-byte just over", multibyte_over, false),
        ]
    }

    /// Bytes the metadata headers of a split weigh on the wire (what S3 limits).
    fn wire_size(metadata: &Mapped) -> usize {
        metadata.iter().map(|(k, v)| metadata::sanitize_key(k).len() + header_text(v).len()).sum()
    }

    #[test]
    fn sizes_are_s3db_sizes_for_ascii_and_wire_sizes_for_other_text() {
        assert_eq!(metadata_size(&record("x", "abc")), 1 + 1 + 1 + 3 + 2 + 2);
        // `é` counts 2 UTF-8 bytes in s3db.js; its header is `b:w6k=` (6 bytes).
        assert_eq!(metadata_size(&record("x", "é")), 2 + 1 + 6 + 4);
        // Booleans count 1 in s3db.js but are written `true`.
        let mut with_bool = record("x", "");
        with_bool.insert("2".into(), Value::Bool(true));
        assert_eq!(metadata_size(&with_bool), 2 + 1 + 4 + 1 + 4);
    }

    #[test]
    fn enforce_limits_at_the_edge() {
        for (case, record, fits) in edge_cases() {
            let outcome = split(Behavior::EnforceLimits, WriteOp::Insert, record.clone(), LIMIT);
            match outcome {
                Ok(s) => {
                    assert!(fits, "{case}: accepted");
                    assert_eq!(s.metadata, record, "{case}: everything in metadata");
                    assert!(s.body.is_none());
                }
                Err(err) => {
                    assert!(!fits, "{case}: refused");
                    assert_eq!(err.kind, ErrorKind::MetadataLimit);
                    assert_eq!(err.message, "Metadata size exceeds 2KB limit on insert");
                    assert_eq!(err.details["totalSize"], metadata_size(&record));
                    assert_eq!(err.details["effectiveLimit"], LIMIT);
                    assert_eq!(err.details["limit"], METADATA_LIMIT);
                    assert_eq!(err.details["excess"], metadata_size(&record) - LIMIT);
                }
            }
        }
        let over = record("x", &"b".repeat(2037));
        let err = split(Behavior::EnforceLimits, WriteOp::Update, over, LIMIT).unwrap_err();
        assert_eq!(err.message, "Metadata size exceeds 2KB limit on update");
    }

    #[test]
    fn user_managed_at_the_edge() {
        for (case, record, fits) in edge_cases() {
            let s = split(Behavior::UserManaged, WriteOp::Insert, record.clone(), LIMIT).unwrap();
            if fits {
                assert_eq!(s.metadata, record, "{case}");
                assert!(s.body.is_none() && s.exceeds_limit.is_none(), "{case}");
            } else {
                assert_eq!(s.metadata.keys().collect::<Vec<_>>(), vec!["_v"], "{case}");
                assert_eq!(s.body.as_ref(), Some(&record), "{case}: every field (and _v) in the body");
                let event = s.exceeds_limit.expect("exceedsLimit");
                let size = metadata_size(&record);
                assert_eq!(event["totalSize"], size);
                assert_eq!(event["limit"], 2047);
                assert_eq!(event["effectiveLimit"], LIMIT);
                assert_eq!(event["excess"], size - LIMIT);
                assert_eq!(event["operation"], "insert");
            }
        }
    }

    #[test]
    fn truncate_data_at_the_edge() {
        for (case, record, fits) in edge_cases() {
            let s = split(Behavior::TruncateData, WriteOp::Insert, record.clone(), LIMIT).unwrap();
            assert!(s.body.is_none(), "{case}");
            assert!(wire_size(&s.metadata) <= LIMIT, "{case}: fits on the wire");
            assert!(metadata_size(&s.metadata) <= LIMIT, "{case}");
            let bio = s.metadata["1"].as_str().unwrap();
            let original = record["1"].as_str().unwrap();
            assert!(original.starts_with(bio), "{case}: a prefix of the value");
            if fits {
                assert_eq!(s.metadata, record, "{case}: kept whole, no flag");
            } else {
                assert_eq!(s.metadata["$truncated"], "true", "{case}");
                assert!(bio.len() < original.len(), "{case}");
                // As long as possible: one more character would not fit.
                let next = original[bio.len()..].chars().next().unwrap();
                let mut longer = s.metadata.clone();
                longer.insert("1".into(), Value::String(format!("{bio}{next}")));
                assert!(metadata_size(&longer) > LIMIT, "{case}: cut to the longest fitting prefix");
            }
        }
    }

    #[test]
    fn body_overflow_at_the_edge() {
        for (case, record, fits) in edge_cases() {
            let s = split(Behavior::BodyOverflow, WriteOp::Insert, record.clone(), LIMIT).unwrap();
            assert!(wire_size(&s.metadata) <= LIMIT, "{case}: metadata fits on the wire");
            if fits {
                assert_eq!(s.metadata, record, "{case}");
                assert!(s.body.is_none(), "{case}");
            } else {
                assert_eq!(s.metadata["$overflow"], "true", "{case}");
                assert_eq!(s.metadata["0"], record["0"], "{case}: the small field stays");
                assert_eq!(s.body.unwrap()["1"], record["1"], "{case}: the big one moves whole");
            }
        }
    }

    #[test]
    fn body_only_ignores_the_limit() {
        for (case, record, _) in edge_cases() {
            let s = split(Behavior::BodyOnly, WriteOp::Insert, record.clone(), LIMIT).unwrap();
            assert_eq!(s.metadata.keys().collect::<Vec<_>>(), vec!["_v"], "{case}");
            assert_eq!(s.body.as_ref(), Some(&record), "{case}");
        }
    }

    #[test]
    fn truncate_data_never_loops_on_multibyte_or_many_fields() {
        let many: Vec<(String, String)> = (0..40).map(|i| (format!("{i}"), "日本語テキスト".repeat(20))).collect();
        let fields: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let s = split(Behavior::TruncateData, WriteOp::Insert, mapped(&fields), LIMIT).unwrap();
        assert!(wire_size(&s.metadata) <= LIMIT);
        assert_eq!(s.metadata["$truncated"], "true");
    }

    #[test]
    fn only_user_managed_and_enforce_limits_count_the_id_on_update() {
        assert!(Behavior::UserManaged.counts_id_on_update());
        assert!(Behavior::EnforceLimits.counts_id_on_update());
        assert!(!Behavior::TruncateData.counts_id_on_update());
        assert!(!Behavior::BodyOverflow.counts_id_on_update());
        assert_eq!(effective_limit("v1", false, Some("e1")), 2043 - 4);
    }

    #[test]
    fn legacy_behavior_names_are_accepted() {
        assert_eq!(Behavior::parse("user-management").unwrap(), Behavior::UserManaged);
        assert_eq!(Behavior::parse("data-truncate").unwrap(), Behavior::TruncateData);
        assert_eq!(Behavior::parse("nope").unwrap_err().message, "Unknown behavior: nope");
    }
}
