//! Replaying s3db.js vector scenarios against the engine: a store that records writes, input
//! conversion from the vectors' tagged JSON, and comparison of stored objects.

#![allow(dead_code)]

use parking_lot::Mutex;
use s3db_core::storage::intercept::{self, InterceptedStore, WriteHook};
use s3db_core::storage::memory::MemoryStore;
use s3db_core::storage::{Metadata, ObjectStore, PutRequest};
use s3db_core::Result;
use serde_json::{Map, Value};
use std::sync::Arc;

pub const FROZEN_CLOCK: &str = "2025-01-02T03:04:05.678Z";

pub fn load(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

/// One storage write as the vectors log it.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    Put { key: String, metadata: Map<String, Value>, content_type: Option<String>, body: String },
    Delete { key: String },
}

impl Write {
    pub fn key(&self) -> &str {
        match self {
            Write::Put { key, .. } | Write::Delete { key } => key,
        }
    }
}

/// A memory store that logs every put and delete.
pub type RecordingStore = InterceptedStore<MemoryStore, WriteLog>;

#[derive(Default)]
pub struct WriteLog(Mutex<Vec<Write>>);

impl WriteHook for WriteLog {
    fn before(&self, write: intercept::Write<'_>) -> Result<()> {
        let mut log = self.0.lock();
        match write {
            intercept::Write::Put(request) => log.push(Write::Put {
                key: request.key.clone(),
                metadata: metadata_map(&request.metadata),
                content_type: request.content_type.clone(),
                body: String::from_utf8_lossy(&request.body).into_owned(),
            }),
            intercept::Write::Delete(key) => log.push(Write::Delete { key: key.to_string() }),
            intercept::Write::DeleteMany(keys) => log.extend(keys.iter().map(|k| Write::Delete { key: k.clone() })),
        }
        Ok(())
    }
}

/// The writes logged since the last call.
pub trait Recorded {
    fn take(&self) -> Vec<Write>;
}

impl Recorded for RecordingStore {
    fn take(&self) -> Vec<Write> {
        std::mem::take(&mut *self.hook.0.lock())
    }
}

fn metadata_map(metadata: &Metadata) -> Map<String, Value> {
    metadata.iter().map(|(k, v)| (k.to_ascii_lowercase(), Value::String(v.clone()))).collect()
}

/// Vector input to engine input: `{"$date": iso}` -> iso text, `{"$undefined": true}` -> absent,
/// `"<function …>"` hook placeholders -> null.
pub fn untag(value: &Value) -> Option<Value> {
    match value {
        Value::Object(map) if map.contains_key("$undefined") => None,
        Value::Object(map) if map.len() == 1 && map.contains_key("$date") => Some(map["$date"].clone()),
        Value::Object(map) => Some(Value::Object(
            map.iter().filter_map(|(k, v)| untag(v).map(|v| (k.clone(), v))).collect(),
        )),
        Value::Array(items) => Some(Value::Array(items.iter().map(|v| untag(v).unwrap_or(Value::Null)).collect())),
        Value::String(s) if s.starts_with("<function") => Some(Value::Null),
        other => Some(other.clone()),
    }
}

/// The vectors' logged writes of a step (copies are logged as the put they perform).
pub fn expected_writes(step: &Value) -> Vec<Write> {
    let mut writes = Vec::new();
    for w in step.get("writes").and_then(Value::as_array).into_iter().flatten() {
        match w["op"].as_str() {
            Some("put") => writes.push(Write::Put {
                key: w["key"].as_str().unwrap().to_string(),
                metadata: w["metadata"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                    .collect(),
                content_type: w["contentType"].as_str().map(str::to_string),
                body: w["body"].as_str().unwrap_or("").to_string(),
            }),
            Some("delete") => writes.push(Write::Delete { key: w["key"].as_str().unwrap().to_string() }),
            Some("deleteMany") => {
                for k in w["keys"].as_array().unwrap() {
                    writes.push(Write::Delete { key: k.as_str().unwrap().to_string() });
                }
            }
            _ => {}
        }
    }
    writes
}

/// The last write per key, in first-seen key order.
pub fn final_effects(writes: &[Write]) -> Vec<Write> {
    let mut order: Vec<String> = Vec::new();
    let mut last: std::collections::HashMap<String, Write> = Default::default();
    for w in writes {
        if !last.contains_key(w.key()) {
            order.push(w.key().to_string());
        }
        last.insert(w.key().to_string(), w.clone());
    }
    order.into_iter().map(|k| last.remove(&k).unwrap()).collect()
}

/// Loads `finalObjects` into a memory store, metadata names lower-cased as S3 returns them.
pub fn store_from_final_objects(final_objects: &Value) -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    for (key, object) in final_objects.as_object().unwrap() {
        let metadata = object["metadata"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_string()))
            .collect();
        let body = match (object.get("body"), object.get("bodyBase64")) {
            (Some(Value::String(b)), _) => b.clone().into_bytes(),
            (_, Some(Value::String(b64))) => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.decode(b64).unwrap()
            }
            _ => Vec::new(),
        };
        let request = PutRequest {
            key: key.clone(),
            metadata,
            body,
            content_type: object["contentType"].as_str().map(str::to_string),
            ..Default::default()
        };
        futures::executor::block_on(store.put(request)).unwrap();
    }
    store
}

/// Values equal as JSON, numbers by value.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| json_equal(v, w)),
        _ => a == b,
    }
}
