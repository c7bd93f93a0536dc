//! In-memory stores for `MemoryClient` instances and `memory://` connection strings.

use napi_derive::napi;
use once_cell::sync::Lazy;
use s3db_core::storage::memory::MemoryStore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// `memory://<bucket>` stores, shared by every database of the process that names the bucket.
static SHARED_BUCKETS: Lazy<Mutex<HashMap<String, Arc<MemoryStore>>>> = Lazy::new(Default::default);

pub fn shared_bucket(name: &str) -> Arc<MemoryStore> {
    let mut buckets = SHARED_BUCKETS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    buckets.entry(name.to_string()).or_default().clone()
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
}
