//! In-memory stores for `MemoryClient` instances and `memory://` connection strings.

use crate::errors;
use futures::executor::block_on;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use once_cell::sync::Lazy;
use s3db_core::encoding::metadata::{decode_value, encode_value, sanitize_key, MetaValue};
use s3db_core::storage::memory::MemoryStore;
use s3db_core::storage::{ObjectStore, PutRequest};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// `memory://<bucket>` stores, shared by every database of the process that names the bucket.
static SHARED_BUCKETS: Lazy<Mutex<HashMap<String, Arc<MemoryStore>>>> = Lazy::new(Default::default);

pub fn shared_bucket(name: &str) -> Arc<MemoryStore> {
    let mut buckets = SHARED_BUCKETS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    buckets.entry(name.to_string()).or_default().clone()
}

/// One stored object as `MemoryClient.getObject` reports it.
#[napi(object)]
pub struct MemoryObject {
    pub body: Buffer,
    pub content_type: Option<String>,
    /// JSON object of the decoded metadata values.
    pub metadata: String,
    pub etag: String,
    pub content_length: f64,
    pub last_modified_ms: f64,
}

/// The storage behind one `MemoryClient`.
#[napi]
pub struct NativeMemoryStore {
    pub(crate) store: Arc<MemoryStore>,
}

#[napi]
impl NativeMemoryStore {
    /// A private store, or the process-wide store of the named bucket.
    #[napi(constructor)]
    pub fn new(shared_bucket_name: Option<String>) -> Self {
        let store = match shared_bucket_name {
            Some(name) => shared_bucket(&name),
            None => Arc::new(MemoryStore::new()),
        };
        Self { store }
    }

    /// Number of stored objects.
    #[napi(getter)]
    pub fn object_count(&self) -> u32 {
        self.store.len() as u32
    }

    /// Requests answered so far, by S3 command name (`{PutObjectCommand: 3, …}`).
    #[napi]
    pub fn request_counts(&self) -> String {
        let counts: serde_json::Map<String, serde_json::Value> =
            self.store.requests().snapshot().into_iter().map(|(k, v)| (k.to_string(), v.into())).collect();
        serde_json::Value::Object(counts).to_string()
    }

    /// Every stored key, in order.
    #[napi]
    pub fn keys(&self) -> Vec<String> {
        self.store.keys()
    }

    /// `putObject`: metadata (a JSON object) is stored the way s3db.js's clients send it:
    /// names sanitised, values transport-encoded. Returns the ETag.
    #[napi(catch_unwind)]
    pub fn put_object(&self, key: String, body: Buffer, content_type: Option<String>, metadata: String) -> Result<String> {
        let metadata: Map<String, Value> =
            serde_json::from_str(&metadata).map_err(|e| errors::to_napi(errors::bad_json("metadata", e)))?;
        let metadata = metadata
            .iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Null => "null".into(),
                    other => other.to_string(),
                };
                (sanitize_key(name), encode_value(&text))
            })
            .collect();
        let request = PutRequest { key, metadata, body: body.to_vec(), content_type, if_absent: false };
        match block_on(self.store.put(request)).map_err(errors::to_napi)? {
            s3db_core::storage::PutOutcome::Written { etag } => Ok(etag),
            s3db_core::storage::PutOutcome::Conflict => Ok(String::new()),
        }
    }

    /// `getObject`: the object, or `null` when the key does not exist.
    #[napi(catch_unwind)]
    pub fn get_object(&self, key: String) -> Result<Option<MemoryObject>> {
        let Some(object) = block_on(self.store.get(&key)).map_err(errors::to_napi)? else { return Ok(None) };
        let metadata: Map<String, Value> = object
            .head
            .metadata
            .iter()
            .filter_map(|(name, stored)| match decode_value(stored) {
                MetaValue::Null => Some((name.clone(), Value::Null)),
                MetaValue::Undefined => None,
                MetaValue::Text(text) => Some((name.clone(), Value::String(text))),
            })
            .collect();
        Ok(Some(MemoryObject {
            body: object.body.clone().into(),
            content_type: object.head.content_type.clone(),
            metadata: Value::Object(metadata).to_string(),
            etag: object.head.etag.clone(),
            content_length: object.head.content_length as f64,
            last_modified_ms: object.head.last_modified_ms as f64,
        }))
    }
}
