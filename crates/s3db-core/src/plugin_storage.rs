//! Plugin storage objects as s3db.js 12.4 writes them (storage-format §14): field names are the
//! metadata names (no attribute map), objects and arrays travel as JSON text, and a behavior
//! decides what goes to metadata and what to a JSON body. Reading turns metadata text that looks
//! like JSON, a number or a boolean back into one and merges the body over it.

use crate::contention::{self, MAX_ATTEMPTS};
use crate::database::Database;
use crate::encoding::jsnum::{parse_js_number, to_js_string};
use crate::encoding::json;
use crate::encoding::metadata::encode_value;
use crate::error::{Error, ErrorKind, Result};
use crate::objects::RawObject;
use crate::storage::{write_stamp, PutOutcome, PutRequest};
use serde_json::{Map, Number, Value};

/// 2047 bytes minus the `_v` overhead s3db.js reserves (`{_v: '1'}`, 3 bytes).
pub const EFFECTIVE_LIMIT: usize = 2044;
/// Expiry field written for `ttl` (S3 returns it lower-cased).
const EXPIRES_AT: &str = "_expiresAt";
const EXPIRES_AT_LOWER: &str = "_expiresat";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageBehavior {
    BodyOverflow,
    BodyOnly,
    EnforceLimits,
}

impl StorageBehavior {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "body-overflow" => Ok(Self::BodyOverflow),
            "body-only" => Ok(Self::BodyOnly),
            "enforce-limits" => Ok(Self::EnforceLimits),
            other => Err(Error::new(ErrorKind::Behavior, format!("Unknown behavior: {other}")).with("behavior", other)),
        }
    }
}

/// Metadata (plain text values; the object layer transport-encodes them) and the JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    pub metadata: Vec<(String, String)>,
    pub body: Option<String>,
}

/// The text a value is stored as in metadata: strings as is, numbers as JS prints them,
/// everything else (objects, arrays, null) as JSON.
fn metadata_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => to_js_string(n.as_f64().unwrap_or(f64::NAN)),
        Value::Bool(b) => b.to_string(),
        other => json::stringify(other),
    }
}

/// Bytes a field costs against the limit: its name plus its transport-encoded value.
fn field_size(name: &str, text: &str) -> usize {
    name.len() + encode_value(text).len()
}

pub fn encode(data: &Map<String, Value>, behavior: StorageBehavior) -> Result<Encoded> {
    match behavior {
        StorageBehavior::BodyOnly => Ok(Encoded { metadata: Vec::new(), body: Some(json::stringify(&Value::Object(data.clone()))) }),
        StorageBehavior::EnforceLimits => {
            let mut total = 0;
            let mut metadata = Vec::with_capacity(data.len());
            for (name, value) in data {
                let text = metadata_text(value);
                total += field_size(name, &text);
                if total > EFFECTIVE_LIMIT {
                    return Err(Error::new(
                        ErrorKind::MetadataLimit,
                        "Data exceeds metadata limit with enforce-limits behavior",
                    )
                    .with("totalSize", total)
                    .with("effectiveLimit", EFFECTIVE_LIMIT)
                    .with("absoluteLimit", 2047)
                    .with("excess", total - EFFECTIVE_LIMIT)
                    .with("operation", "PluginStorage.set"));
                }
                metadata.push((name.clone(), text));
            }
            Ok(Encoded { metadata, body: None })
        }
        StorageBehavior::BodyOverflow => {
            // Smallest fields first (a stable sort, as Array.prototype.sort is).
            let mut fields: Vec<(&String, &Value, String, usize)> = data
                .iter()
                .map(|(name, value)| {
                    let text = metadata_text(value);
                    let size = field_size(name, &text);
                    (name, value, text, size)
                })
                .collect();
            fields.sort_by_key(|field| field.3);
            let mut used = 0;
            let mut metadata = Vec::new();
            let mut body = Map::new();
            for (name, value, text, size) in fields {
                if used + size <= EFFECTIVE_LIMIT {
                    used += size;
                    metadata.push((name.clone(), text));
                } else {
                    body.insert(name.clone(), value.clone());
                }
            }
            let body = (!body.is_empty()).then(|| json::stringify(&Value::Object(body)));
            Ok(Encoded { metadata, body })
        }
    }
}

/// A metadata text turned back into what it probably was (s3db.js `_parseMetadataValues`).
fn parse_metadata_text(text: &str) -> Value {
    let looks_like_json =
        (text.starts_with('{') && text.ends_with('}')) || (text.starts_with('[') && text.ends_with(']'));
    if looks_like_json {
        if let Ok(parsed) = serde_json::from_str::<Value>(text) {
            return parsed;
        }
    }
    if !text.trim().is_empty() {
        let number = parse_js_number(text);
        if number.fract() == 0.0 && number.abs() < 9_007_199_254_740_992.0 {
            return Value::Number(Number::from(number as i64));
        }
        if let Some(n) = Number::from_f64(number) {
            return Value::Number(n);
        }
    }
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(text.to_string()),
    }
}

/// The stored fields: parsed metadata with the JSON body merged over it.
pub fn decode(object: &RawObject) -> Result<Map<String, Value>> {
    let mut data: Map<String, Value> = object
        .metadata
        .iter()
        .map(|(name, value)| {
            let parsed = match value {
                Value::String(text) => parse_metadata_text(text),
                other => other.clone(),
            };
            (name.clone(), parsed)
        })
        .collect();
    let body = String::from_utf8_lossy(&object.body);
    if !body.trim().is_empty() {
        match serde_json::from_str::<Value>(&body) {
            Ok(Value::Object(fields)) => data.extend(fields),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::new(ErrorKind::Storage, format!("Failed to parse JSON body: {e}")).named("DamagedObject"));
            }
        }
    }
    Ok(data)
}

/// Expiry of a decoded object, in epoch milliseconds.
fn expires_at(data: &Map<String, Value>) -> Option<f64> {
    data.get(EXPIRES_AT_LOWER).or_else(|| data.get(EXPIRES_AT)).and_then(Value::as_f64)
}

impl Database {
    /// `PluginStorage.set`: writes `data` at `key` with `behavior`; `ttl_seconds` adds `_expiresAt`.
    pub async fn put_plugin_object(
        &self,
        key: &str,
        data: &Map<String, Value>,
        behavior: StorageBehavior,
        content_type: Option<String>,
        ttl_seconds: Option<f64>,
    ) -> Result<()> {
        let request = self.plugin_object_request(key, data, behavior, content_type, ttl_seconds)?;
        self.context().store.put(request).await?;
        Ok(())
    }

    fn plugin_object_request(
        &self,
        key: &str,
        data: &Map<String, Value>,
        behavior: StorageBehavior,
        content_type: Option<String>,
        ttl_seconds: Option<f64>,
    ) -> Result<PutRequest> {
        let mut fields = data.clone();
        if let Some(ttl) = ttl_seconds.filter(|t| *t > 0.0) {
            let expires = self.context().now_ms() as f64 + ttl * 1000.0;
            fields.insert(EXPIRES_AT.into(), Number::from_f64(expires.floor()).map_or(Value::Null, Value::Number));
        }
        let encoded = encode(&fields, behavior)?;
        let mut body = encoded.body.map(String::into_bytes).unwrap_or_default();
        let stamped = write_stamp::stamp(&mut body);
        let content_type = content_type.unwrap_or_else(|| "application/json".into());
        Ok(PutRequest { stamped, ..self.object_request(key, body, &encoded.metadata, Some(content_type)) })
    }

    /// `PluginStorage.get`: the fields at `key`, or `None` when missing or expired (an expired
    /// object is deleted, as s3db.js does).
    pub async fn get_plugin_object(&self, key: &str) -> Result<Option<Map<String, Value>>> {
        let Some((data, _)) = self.read_plugin_object(key).await? else { return Ok(None) };
        if data.is_none() {
            self.delete_objects(&[key.to_string()]).await?;
        }
        Ok(data)
    }

    /// The live fields at `key` and its ETag; the fields are `None` when the object has expired.
    async fn read_plugin_object(&self, key: &str) -> Result<Option<(Option<Map<String, Value>>, String)>> {
        let Some(object) = self.get_object(key).await? else { return Ok(None) };
        let mut data = decode(&object)?;
        if let Some(expiry) = expires_at(&data) {
            if (self.context().now_ms() as f64) > expiry {
                return Ok(Some((None, object.etag)));
            }
            data.remove(EXPIRES_AT_LOWER);
            data.remove(EXPIRES_AT);
        }
        Ok(Some((Some(data), object.etag)))
    }

    /// Writes `data` at `key` only if the object is still at `etag` (or, with `None`, still
    /// missing). False when another writer changed it first.
    async fn put_plugin_object_if(
        &self,
        key: &str,
        data: &Map<String, Value>,
        ttl_seconds: Option<f64>,
        etag: Option<String>,
    ) -> Result<bool> {
        self.put_plugin_object_if_as(key, data, StorageBehavior::BodyOverflow, ttl_seconds, etag).await
    }

    async fn put_plugin_object_if_as(
        &self,
        key: &str,
        data: &Map<String, Value>,
        behavior: StorageBehavior,
        ttl_seconds: Option<f64>,
        etag: Option<String>,
    ) -> Result<bool> {
        let mut request = self.plugin_object_request(key, data, behavior, None, ttl_seconds)?;
        request.if_absent = etag.is_none();
        request.if_match = etag;
        Ok(matches!(self.context().store.put(request).await?, PutOutcome::Written { .. }))
    }

    /// `PluginStorage.increment`: adds `amount` to the `value` at `key` (a missing or expired
    /// counter counts from 0) and returns the new value. Each read-add-write is conditional on
    /// the ETag it read, so concurrent increments, from any process, all count.
    pub async fn increment_plugin_counter(&self, key: &str, amount: f64, ttl_seconds: Option<f64>) -> Result<f64> {
        for attempt in 0..MAX_ATTEMPTS {
            let (mut data, etag) = match self.read_plugin_object(key).await? {
                None => (Map::new(), None),
                Some((data, etag)) => (data.unwrap_or_default(), Some(etag)),
            };
            let value = data.get("value").and_then(Value::as_f64).unwrap_or(0.0) + amount;
            data.insert("value".into(), Number::from_f64(value).map_or(Value::Null, Value::Number));
            if self.put_plugin_object_if(key, &data, ttl_seconds, etag).await? {
                return Ok(value);
            }
            contention::pause(attempt).await;
        }
        Err(contended(key, "increment"))
    }

    /// `PluginStorage.getTTL` / `isExpired`: `None` when nothing is stored at `key`; else its
    /// expiry in epoch milliseconds, `None` inside when it has no TTL.
    pub async fn plugin_object_expiry(&self, key: &str) -> Result<Option<Option<f64>>> {
        let Some(object) = self.get_object(key).await? else { return Ok(None) };
        Ok(Some(expires_at(&decode(&object)?)))
    }

    /// `PluginStorage.touch`: moves a live object's expiry `extra_seconds` later, keeping its
    /// fields. False when nothing live is there or it has no TTL.
    pub async fn touch_plugin_object(&self, key: &str, extra_seconds: f64) -> Result<bool> {
        for attempt in 0..MAX_ATTEMPTS {
            let Some(object) = self.get_object(key).await? else { return Ok(false) };
            let mut data = decode(&object)?;
            let Some(expiry) = expires_at(&data) else { return Ok(false) };
            let now = self.context().now_ms() as f64;
            if now > expiry {
                return Ok(false);
            }
            data.remove(EXPIRES_AT_LOWER);
            data.remove(EXPIRES_AT);
            let ttl_seconds = (expiry - now) / 1000.0 + extra_seconds;
            // An object written body-only (no metadata) stays body-only.
            let behavior = if object.metadata.is_empty() { StorageBehavior::BodyOnly } else { StorageBehavior::BodyOverflow };
            if self.put_plugin_object_if_as(key, &data, behavior, Some(ttl_seconds), Some(object.etag.clone())).await? {
                return Ok(true);
            }
            contention::pause(attempt).await;
        }
        Err(contended(key, "touch"))
    }

    /// `PluginStorage.acquireLock`, one try: takes the lock at `key` for `holder` when it is free
    /// or its holder's `ttl` ran out. Creating and taking over are both conditional writes, so two
    /// processes never both hold it.
    pub async fn try_plugin_lock(&self, key: &str, holder: &Map<String, Value>, ttl_seconds: f64) -> Result<bool> {
        for attempt in 0..MAX_ATTEMPTS {
            let etag = match self.read_plugin_object(key).await? {
                Some((Some(_), _)) => return Ok(false),
                Some((None, etag)) => Some(etag),
                None => None,
            };
            if self.put_plugin_object_if(key, holder, Some(ttl_seconds), etag).await? {
                return Ok(true);
            }
            contention::pause(attempt).await;
        }
        Err(contended(key, "acquireLock"))
    }
}

fn contended(key: &str, operation: &str) -> Error {
    Error::new(ErrorKind::Storage, format!("{operation} of '{key}' gave up after {MAX_ATTEMPTS} attempts: other writers kept changing it")).named("WriteContention")
        .with("key", key)
        .with("operation", operation)
        .with("attempts", MAX_ATTEMPTS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::fixed_clock;
    use crate::storage::memory::MemoryStore;
    use crate::DatabaseOptions;
    use futures::executor::block_on;
    use serde_json::json;
    use std::sync::Arc;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn body_overflow_fills_metadata_smallest_first() {
        let big = "x".repeat(2100);
        let data = map(json!({"big": big, "n": 5, "ok": true, "tags": ["a", "b"], "none": null}));
        let encoded = encode(&data, StorageBehavior::BodyOverflow).unwrap();
        assert_eq!(
            encoded.metadata,
            vec![
                ("n".to_string(), "5".to_string()),
                ("ok".to_string(), "true".to_string()),
                ("none".to_string(), "null".to_string()),
                ("tags".to_string(), "[\"a\",\"b\"]".to_string()),
            ]
        );
        assert_eq!(encoded.body, Some(format!("{{\"big\":\"{big}\"}}")));
    }

    #[test]
    fn body_overflow_counts_the_encoded_size() {
        // 1000 'é' are 2000 UTF-8 bytes but far more once URL- or base64-encoded: it must overflow.
        let data = map(json!({"text": "é".repeat(1000)}));
        let encoded = encode(&data, StorageBehavior::BodyOverflow).unwrap();
        assert!(encoded.metadata.is_empty());
        assert!(encoded.body.unwrap().starts_with("{\"text\":"));
    }

    #[test]
    fn body_only_and_enforce_limits() {
        let data = map(json!({"a": 1, "b": "two"}));
        let body_only = encode(&data, StorageBehavior::BodyOnly).unwrap();
        assert_eq!(body_only, Encoded { metadata: vec![], body: Some("{\"a\":1,\"b\":\"two\"}".into()) });
        let limited = encode(&data, StorageBehavior::EnforceLimits).unwrap();
        assert_eq!(limited.metadata, vec![("a".to_string(), "1".to_string()), ("b".to_string(), "two".to_string())]);
        let too_big = map(json!({"a": "y".repeat(2045)}));
        let error = encode(&too_big, StorageBehavior::EnforceLimits).unwrap_err();
        assert_eq!(error.kind, ErrorKind::MetadataLimit);
        assert_eq!(error.details["excess"], json!(2));
        assert_eq!(StorageBehavior::parse("nope").unwrap_err().message, "Unknown behavior: nope");
    }

    #[test]
    fn metadata_text_is_parsed_back() {
        assert_eq!(parse_metadata_text("{\"a\":1}"), json!({"a": 1}));
        assert_eq!(parse_metadata_text("[1,2]"), json!([1, 2]));
        assert_eq!(parse_metadata_text("{not json}"), json!("{not json}"));
        assert_eq!(parse_metadata_text("42"), json!(42));
        assert_eq!(parse_metadata_text("2.5"), json!(2.5));
        assert_eq!(parse_metadata_text(" 1e3 "), json!(1000));
        assert_eq!(parse_metadata_text("true"), json!(true));
        assert_eq!(parse_metadata_text("   "), json!("   "));
        assert_eq!(parse_metadata_text("abc"), json!("abc"));
    }

    #[test]
    fn set_and_get_round_trip_with_ttl() {
        let store = Arc::new(MemoryStore::new());
        let options = DatabaseOptions { clock: fixed_clock(1_000_000), ..Default::default() };
        let db = Database::new(store.clone(), options);
        let data = map(json!({"name": "José", "count": 3, "nested": {"k": [1, 2]}, "big": "z".repeat(3000)}));
        block_on(db.put_plugin_object("plugin=demo/a", &data, StorageBehavior::BodyOverflow, None, Some(60.0))).unwrap();
        let read = block_on(db.get_plugin_object("plugin=demo/a")).unwrap().unwrap();
        assert_eq!(read["name"], "José");
        assert_eq!(read["count"], json!(3));
        assert_eq!(read["nested"], json!({"k": [1, 2]}));
        assert_eq!(read["big"].as_str().unwrap().len(), 3000);
        assert!(!read.contains_key("_expiresat") && !read.contains_key("_expiresAt"));

        let expired = Database::new(store.clone(), DatabaseOptions { clock: fixed_clock(1_060_001), ..Default::default() });
        assert!(block_on(expired.get_plugin_object("plugin=demo/a")).unwrap().is_none());
        assert!(store.keys().is_empty(), "an expired object is deleted on read");
    }

    #[test]
    fn touch_extends_a_live_ttl_and_keeps_a_body_only_object_body_only() {
        let store = Arc::new(MemoryStore::new());
        let db = Database::new(store.clone(), DatabaseOptions { clock: fixed_clock(1_000_000), ..Default::default() });
        let data = map(json!({"user": "ana"}));
        block_on(db.put_plugin_object("plugin=p/s", &data, StorageBehavior::BodyOnly, None, Some(60.0))).unwrap();
        block_on(db.put_plugin_object("plugin=p/forever", &data, StorageBehavior::BodyOverflow, None, None)).unwrap();
        assert_eq!(block_on(db.plugin_object_expiry("plugin=p/s")).unwrap(), Some(Some(1_060_000.0)));
        assert_eq!(block_on(db.plugin_object_expiry("plugin=p/forever")).unwrap(), Some(None));
        assert_eq!(block_on(db.plugin_object_expiry("plugin=p/missing")).unwrap(), None);

        assert!(block_on(db.touch_plugin_object("plugin=p/s", 100.0)).unwrap());
        assert_eq!(block_on(db.plugin_object_expiry("plugin=p/s")).unwrap(), Some(Some(1_160_000.0)));
        let object = block_on(db.get_object("plugin=p/s")).unwrap().unwrap();
        assert!(object.metadata.is_empty(), "still body-only");
        assert_eq!(block_on(db.get_plugin_object("plugin=p/s")).unwrap().unwrap(), data);
        assert!(!block_on(db.touch_plugin_object("plugin=p/forever", 10.0)).unwrap());
        assert!(!block_on(db.touch_plugin_object("plugin=p/missing", 10.0)).unwrap());
    }
}
