//! `NativeStore`: the storage behind a client object (MemoryClient, FileSystemClient), with the
//! client's low-level object API and the memory store's extras (snapshots, files, stats).

use crate::errors;
use crate::runner::{run, run_now, Reply};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi_derive::napi;
use once_cell::sync::Lazy;
use s3db_core::encoding::metadata::{decode_value, encode_value, sanitize_key, MetaValue};
use s3db_core::keys;
use s3db_core::storage::counted::Counted;
use s3db_core::storage::observed::{Observed, Phase, RequestEvent};
use s3db_core::storage::requests::RequestCounts;
use s3db_core::storage::s3::{S3Config, S3Store};
use s3db_core::storage::scheduler::QueueStats;
use s3db_core::storage::fs::FsStore;
use s3db_core::storage::memory::{Limits, MemoryStore, Snapshot};
use s3db_core::storage::{persist, ListRequest, ObjectStore, PutOutcome, PutRequest};
use s3db_core::{Error, ErrorKind};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// `memory://<bucket>` stores, shared by every database of the process that names the bucket.
static SHARED_BUCKETS: Lazy<Mutex<HashMap<String, Arc<MemoryStore>>>> = Lazy::new(Default::default);

fn shared_bucket(name: &str) -> Arc<MemoryStore> {
    let mut buckets = SHARED_BUCKETS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    buckets.entry(name.to_string()).or_default().clone()
}

#[napi]
pub struct NativeStore {
    /// What the client's own low-level methods use (they emit their `command.*` events in JS).
    store: Arc<dyn ObjectStore>,
    /// The same store as databases use it: its requests are reported to the client's
    /// `command.*` listeners (`observeRequests`).
    observed: Arc<Observed<dyn ObjectStore>>,
    counter: Counter,
    /// Set for memory stores: snapshots, files and clearing need the concrete store.
    memory: Option<Arc<MemoryStore>>,
    key_prefix: String,
}

/// Where a store's request counts live: the S3 store counts what it sends itself (probes and
/// fallbacks included); the embedded stores are wrapped.
enum Counter {
    Wrapped(Arc<Counted<dyn ObjectStore>>),
    S3(Arc<S3Store>),
}

impl Counter {
    fn counts(&self) -> &RequestCounts {
        match self {
            Counter::Wrapped(counted) => counted.counts(),
            Counter::S3(s3) => s3.requests(),
        }
    }
}

impl NativeStore {
    fn wrapped(store: Arc<dyn ObjectStore>, memory: Option<Arc<MemoryStore>>, key_prefix: String) -> Self {
        let counted = Arc::new(Counted::new(store));
        // `app/data/` and `app/data` name the same place.
        let key_prefix = key_prefix.trim_matches('/').to_string();
        Self::assemble(counted.clone(), Counter::Wrapped(counted), memory, key_prefix)
    }

    fn assemble(store: Arc<dyn ObjectStore>, counter: Counter, memory: Option<Arc<MemoryStore>>, key_prefix: String) -> Self {
        let observed = Arc::new(Observed::new(store.clone()));
        Self { store, observed, counter, memory, key_prefix }
    }

    /// The store a database built on this client sends its requests to.
    pub(crate) fn engine_store(&self) -> Arc<dyn ObjectStore> {
        self.observed.clone()
    }

    /// The store without counting, for the client's own bookkeeping (keys, clear).
    fn uncounted(&self) -> Arc<dyn ObjectStore> {
        match &self.counter {
            Counter::Wrapped(counted) => counted.inner().clone(),
            Counter::S3(s3) => s3.clone(),
        }
    }
}

/// A point-in-time copy of a memory store.
#[napi]
pub struct NativeSnapshot {
    snapshot: Snapshot,
}

#[napi]
impl NativeSnapshot {
    #[napi(getter)]
    pub fn object_count(&self) -> u32 {
        self.snapshot.len() as u32
    }

    /// The snapshot as plain JSON (bodies in base64), for `snapshot().objects`.
    #[napi(catch_unwind)]
    pub fn to_json(&self, bucket: String, key_prefix: String, taken_at: String) -> String {
        persist::to_json(&self.snapshot, &bucket, &key_prefix, &taken_at).to_string()
    }
}

fn memory_only(what: &str) -> napi::Error {
    errors::to_napi(Error::new(
        ErrorKind::Storage,
        format!("{what} is only available on a MemoryClient"),
    ).named("UnsupportedOperation"))
}

/// `{metadataLimit, maxObjectSize}` when the client enforces S3's limits.
fn parse_limits(limits: Option<String>) -> s3db_core::Result<Option<Limits>> {
    let Some(text) = limits else { return Ok(None) };
    let value: Value = serde_json::from_str(&text).map_err(|e| errors::bad_json("limits", e))?;
    Ok(Some(Limits {
        metadata_bytes: value
            .get("metadataLimit")
            .and_then(Value::as_u64)
            .unwrap_or(2048) as usize,
        object_bytes: value
            .get("maxObjectSize")
            .and_then(Value::as_u64)
            .unwrap_or(5 * 1024 * 1024 * 1024),
    }))
}

/// Metadata as s3db.js clients send it: names sanitised, values transport-encoded (`u:`/`b:`/`d:`).
fn encode_metadata(text: &str) -> s3db_core::Result<Vec<(String, String)>> {
    match serde_json::from_str(text).map_err(|e| errors::bad_json("metadata", e))? {
        Value::Object(m) => Ok(m
            .into_iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::String(s) => s,
                    Value::Null => "null".into(),
                    other => other.to_string(),
                };
                (sanitize_key(&name), encode_value(&text))
            })
            .collect()),
        _ => Err(Error::validation("metadata must be an object")),
    }
}

/// Stored metadata decoded the way s3db.js clients return it (`null`/`undefined` texts included).
fn head_json(head: &s3db_core::storage::ObjectHead) -> Map<String, Value> {
    let metadata: Map<String, Value> = head
        .metadata
        .iter()
        .filter_map(|(name, stored)| match decode_value(stored) {
            MetaValue::Null => Some((name.clone(), Value::Null)),
            MetaValue::Undefined => None,
            MetaValue::Text(text) => Some((name.clone(), Value::String(text))),
        })
        .collect();
    let mut out = Map::new();
    out.insert("Metadata".into(), Value::Object(metadata));
    out.insert("ContentType".into(), json!(head.content_type));
    out.insert("ContentLength".into(), json!(head.content_length));
    out.insert(
        "LastModified".into(),
        json!(s3db_core::clock::iso_string(head.last_modified_ms)),
    );
    out.insert("ETag".into(), json!(head.etag));
    out
}

fn no_such_key(key: &str) -> Error {
    Error::new(ErrorKind::NoSuchKey, format!("No such key: {key}")).with("key", key)
}

#[napi]
impl NativeStore {
    /// A memory store: private, or the process-wide store of `sharedBucket`.
    #[napi(factory, catch_unwind)]
    pub fn memory(
        key_prefix: String,
        shared_bucket_name: Option<String>,
        limits: Option<String>,
    ) -> Result<Self> {
        let limits = parse_limits(limits).map_err(errors::to_napi)?;
        let memory = match (shared_bucket_name, limits) {
            (Some(name), _) => shared_bucket(&name),
            (None, Some(limits)) => Arc::new(MemoryStore::with_limits(limits)),
            (None, None) => Arc::new(MemoryStore::new()),
        };
        let store: Arc<dyn ObjectStore> = memory.clone();
        Ok(Self::wrapped(store, Some(memory), key_prefix))
    }

    /// An S3 bucket. `config`: JSON of `{bucket, keyPrefix, region, endpoint, forcePathStyle,
    /// accessKeyId, secretAccessKey, sessionToken, requestChecksumCalculation, requestTimeout,
    /// connectTimeout, maxAttempts, parallelism, conditionalWrites}`. Nothing is sent until the
    /// first request.
    #[napi(factory, catch_unwind)]
    pub fn s3(config: String) -> Result<Self> {
        let options: Value = serde_json::from_str(&config).map_err(|e| errors::to_napi(errors::bad_json("S3 options", e)))?;
        let config = S3Config::from_json(&options).map_err(errors::to_napi)?;
        let key_prefix = options.get("keyPrefix").and_then(Value::as_str).unwrap_or_default().trim_matches('/').to_string();
        let s3 = Arc::new(S3Store::new(config));
        let store: Arc<dyn ObjectStore> = s3.clone();
        Ok(Self::assemble(store, Counter::S3(s3), None, key_prefix))
    }

    /// A filesystem store rooted at `basePath` (created when missing).
    #[napi(factory, catch_unwind)]
    pub fn filesystem(base_path: String, key_prefix: String, fsync: bool) -> Result<Self> {
        let fs = FsStore::open(&base_path, fsync).map_err(errors::to_napi)?;
        let store: Arc<dyn ObjectStore> = Arc::new(fs);
        Ok(Self::wrapped(store, None, key_prefix))
    }

    /// A store answered by JavaScript (`dispatch(requestJson) => Promise<answerJson>`): an
    /// s3db.js-style client object the app passed. Keys go to it as they are (the client
    /// applies its own key prefix).
    #[napi(factory, catch_unwind)]
    pub fn from_js(dispatch: Function<String, Promise<String>>) -> Result<Self> {
        let dispatcher = dispatch.build_threadsafe_function().callee_handled::<false>().weak::<true>().build()?;
        let store: Arc<dyn ObjectStore> = Arc::new(crate::js_store::JsStore::new(dispatcher));
        Ok(Self::wrapped(store, None, String::new()))
    }

    fn key(&self, relative: &str) -> String {
        keys::join(&self.key_prefix, relative)
    }

    /// Requests answered so far, by S3 command name (`{PutObjectCommand: 3, …}`).
    #[napi]
    pub fn request_counts(&self) -> String {
        self.counter.counts().to_json()
    }

    /// The request scheduler's state (`getQueueStats`): `{concurrency, queueSize, activeCount,
    /// processedCount, errorCount, retryCount}`. Local stores answer at once: nothing queues
    /// and `concurrency` is `null`.
    #[napi(catch_unwind)]
    pub fn queue_stats(&self) -> String {
        match &self.counter {
            Counter::S3(s3) => s3.scheduler().stats().to_json(s3.retry_count()).to_string(),
            Counter::Wrapped(counted) => {
                let processed_count = counted.counts().snapshot().iter().map(|(_, n)| n).sum();
                QueueStats { processed_count, ..QueueStats::default() }.to_json(0).to_string()
            }
        }
    }

    /// Request latencies over the last 1024 requests (`getAggregateMetrics`): `{count,
    /// sampleSize, avgExecution, p50, p95, p99}` in ms; `null` before any request or on a local store.
    #[napi(catch_unwind)]
    pub fn request_latencies(&self) -> String {
        match &self.counter {
            Counter::S3(s3) => s3.scheduler().latency_summary().unwrap_or(Value::Null).to_string(),
            Counter::Wrapped(_) => "null".into(),
        }
    }

    /// Sets how many requests may be in flight (1–1000); `false` on a local store, which has no limit.
    #[napi(catch_unwind)]
    pub fn set_concurrency(&self, concurrency: u32) -> bool {
        self.s3_store().map(|s3| s3.scheduler().set_concurrency(concurrency as usize)).is_some()
    }

    /// Holds back S3 requests that have not started (`pausePool`); resolves to `true` once the
    /// running ones have ended, or to `false` on a local store, which has no pool.
    #[napi(catch_unwind)]
    pub fn pause_pool<'env>(&self, env: &'env Env) -> Result<Reply<'env>> {
        self.wait_for_pool(env, |s3| async move { s3.scheduler().pause().await })
    }

    /// Lets held-back requests start (`resumePool`): whether the pool was paused; `null` on a
    /// local store.
    #[napi(catch_unwind)]
    pub fn resume_pool(&self) -> Option<bool> {
        self.s3_store().map(|s3| s3.scheduler().resume())
    }

    /// Resolves to `true` once no S3 request runs or waits to start (`drainPool`); `false` on a
    /// local store.
    #[napi(catch_unwind)]
    pub fn drain_pool<'env>(&self, env: &'env Env) -> Result<Reply<'env>> {
        self.wait_for_pool(env, |s3| async move { s3.scheduler().drain().await })
    }

    /// Refuses every S3 request that has not started, now and later (`stopPool`): they fail
    /// with `PoolStoppedError`; running ones finish. `false` on a local store.
    #[napi(catch_unwind)]
    pub fn stop_pool(&self) -> bool {
        self.s3_store().map(|s3| s3.scheduler().stop()).is_some()
    }

    /// Resolves to `true` once `wait` (a wait on the S3 scheduler) has, or to `false` on a local store.
    fn wait_for_pool<'env, F, Fut>(&self, env: &'env Env, wait: F) -> Result<Reply<'env>>
    where
        F: FnOnce(Arc<S3Store>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let s3 = self.s3_store();
        run(env, async move {
            let Some(s3) = s3 else { return Ok("false".to_string()) };
            wait(s3).await;
            Ok("true".to_string())
        })
    }

    fn s3_store(&self) -> Option<Arc<S3Store>> {
        match &self.counter {
            Counter::S3(s3) => Some(s3.clone()),
            Counter::Wrapped(_) => None,
        }
    }

    /// Bytes those requests carried: `{uploaded, downloaded}` (bodies and metadata up, bodies down).
    #[napi]
    pub fn transfer_counts(&self) -> String {
        self.counter.counts().transfer_json()
    }

    /// Reports every request a database sends through this store to `listener`, one JSON text
    /// `{id, phase: 'request' | 'retry' | 'response' | 'error', command, key, error?, ms?,
    /// attempt?}` each, delivered on the JS thread; `null` stops. The callback never keeps the
    /// process alive.
    #[napi(catch_unwind)]
    pub fn observe_requests(&self, listener: Option<Function<String, ()>>) -> Result<()> {
        let Some(listener) = listener else {
            self.observed.listen(None);
            return Ok(());
        };
        let callback = listener.build_threadsafe_function().callee_handled::<false>().weak::<true>().build()?;
        self.observed.listen(Some(Arc::new(move |event: RequestEvent| {
            let (phase, attempt) = match event.phase {
                Phase::Request => ("request", None),
                Phase::Retry { attempt } => ("retry", Some(attempt)),
                Phase::Response => ("response", None),
                Phase::Error => ("error", None),
            };
            let ms = event.elapsed.map(|d| d.as_secs_f64() * 1000.0);
            let text = json!({ "id": event.id, "phase": phase, "command": event.command.name(), "key": event.key, "error": event.error, "ms": ms, "attempt": attempt }).to_string();
            callback.call(text, ThreadsafeFunctionCallMode::NonBlocking);
        })));
        Ok(())
    }

    /// Every stored key (absolute), in order.
    #[napi(catch_unwind)]
    pub fn keys(&self) -> Result<Vec<String>> {
        let store = self.uncounted();
        run_now(async move { s3db_core::storage::list_all(store.as_ref(), "").await })
    }

    #[napi(catch_unwind)]
    pub fn snapshot(&self) -> Result<NativeSnapshot> {
        let memory = self
            .memory
            .as_ref()
            .ok_or_else(|| memory_only("snapshot()"))?;
        Ok(NativeSnapshot {
            snapshot: memory.snapshot(),
        })
    }

    #[napi(catch_unwind)]
    pub fn restore(&self, snapshot: &NativeSnapshot) -> Result<()> {
        let memory = self
            .memory
            .as_ref()
            .ok_or_else(|| memory_only("restore()"))?;
        memory.restore(&snapshot.snapshot);
        Ok(())
    }

    /// Replaces the store's content with a snapshot given as JSON (`{objects: {...}}`).
    #[napi(catch_unwind)]
    pub fn restore_json(&self, snapshot: String) -> Result<u32> {
        let memory = self.memory.as_ref().ok_or_else(|| memory_only("restore()"))?;
        let document: Value = serde_json::from_str(&snapshot)
            .map_err(|e| errors::to_napi(Error::new(ErrorKind::Storage, format!("Invalid snapshot format: {e}")).named("InvalidSnapshot")))?;
        let snapshot = persist::from_json(&document, "the snapshot").map_err(errors::to_napi)?;
        memory.restore(&snapshot);
        Ok(snapshot.len() as u32)
    }

    /// Removes every object under the client's key prefix (the whole store when it has none).
    #[napi(catch_unwind)]
    pub fn clear<'env>(&self, env: &'env Env) -> Result<Reply<'env>> {
        if let (Some(memory), true) = (&self.memory, self.key_prefix.is_empty()) {
            memory.clear();
            return run(env, async { Ok("null".to_string()) });
        }
        let store = self.uncounted();
        let prefix = if self.key_prefix.is_empty() { String::new() } else { format!("{}/", self.key_prefix) };
        run(env, async move {
            let keys = s3db_core::storage::list_all(store.as_ref(), &prefix).await?;
            for batch in keys.chunks(1000) {
                store.delete_many(batch.to_vec()).await?;
            }
            Ok("null".to_string())
        })
    }

    /// `{objectCount, totalSize}` of a memory store.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> Result<String> {
        let memory = self
            .memory
            .as_ref()
            .ok_or_else(|| memory_only("getStats()"))?;
        Ok(json!({"objectCount": memory.len(), "totalSize": memory.total_size()}).to_string())
    }

    #[napi(catch_unwind)]
    pub fn save_to_disk(&self, path: String, bucket: String, saved_at: String) -> Result<()> {
        let memory = self
            .memory
            .as_ref()
            .ok_or_else(|| memory_only("saveToDisk()"))?;
        persist::save(
            &memory.snapshot(),
            &bucket,
            &self.key_prefix,
            &saved_at,
            Path::new(&path),
        )
        .map_err(errors::to_napi)
    }

    #[napi(catch_unwind)]
    pub fn load_from_disk(&self, path: String) -> Result<u32> {
        let memory = self
            .memory
            .as_ref()
            .ok_or_else(|| memory_only("loadFromDisk()"))?;
        let snapshot = persist::load(Path::new(&path)).map_err(errors::to_napi)?;
        memory.restore(&snapshot);
        Ok(snapshot.len() as u32)
    }

    /// `metadata`: JSON object of strings; resolves to `{ETag}`.
    #[napi(catch_unwind)]
    pub fn put_object<'env>(
        &self,
        env: &'env Env,
        key: String,
        metadata: String,
        body: Option<Buffer>,
        content_type: Option<String>,
        if_none_match: Option<bool>,
        if_match: Option<String>,
    ) -> Result<Reply<'env>> {
        let store = self.store.clone();
        let key = self.key(&key);
        let body = body.map(|b| b.to_vec()).unwrap_or_default();
        run(env, async move {
            let metadata = encode_metadata(&metadata)?;
            let request = PutRequest {
                key: key.clone(),
                metadata,
                body,
                content_type,
                if_absent: if_none_match.unwrap_or(false),
                if_match: if_match.clone(),
                ..Default::default()
            };
            match store.put(request).await? {
                PutOutcome::Written { etag } => Ok(json!({"ETag": etag}).to_string()),
                PutOutcome::Conflict => {
                    let why = match &if_match {
                        Some(etag) => format!("Precondition failed: {key} is not at ETag {etag}"),
                        None => format!("Precondition failed: {key} already exists"),
                    };
                    Err(Error::new(ErrorKind::Storage, why).named("PreconditionFailed").with("code", "PreconditionFailed").with("statusCode", 412))
                }
            }
        })
    }

    /// Resolves to `{Metadata, ContentType, ContentLength, LastModified, ETag, Body (base64)}`.
    #[napi(catch_unwind)]
    pub fn get_object<'env>(&self, env: &'env Env, key: String) -> Result<Reply<'env>> {
        let store = self.store.clone();
        let key = self.key(&key);
        run(env, async move {
            let object = store.get(&key).await?.ok_or_else(|| no_such_key(&key))?;
            let mut out = head_json(&object.head);
            out.insert("Body".into(), Value::String(STANDARD.encode(&object.body)));
            Ok(Value::Object(out).to_string())
        })
    }

    #[napi(catch_unwind)]
    pub fn head_object<'env>(&self, env: &'env Env, key: String) -> Result<Reply<'env>> {
        let store = self.store.clone();
        let key = self.key(&key);
        run(env, async move {
            let head = store.head(&key).await?.ok_or_else(|| no_such_key(&key))?;
            Ok(Value::Object(head_json(&head)).to_string())
        })
    }

    /// `metadata` (JSON) replaces the source's when given.
    #[napi(catch_unwind)]
    pub fn copy_object<'env>(
        &self,
        env: &'env Env,
        from: String,
        to: String,
        metadata: Option<String>,
        content_type: Option<String>,
    ) -> Result<Reply<'env>> {
        let store = self.store.clone();
        let (from, to) = (self.key(&from), self.key(&to));
        run(env, async move {
            let metadata = metadata.as_deref().map(encode_metadata).transpose()?;
            if !store.copy(&from, &to, metadata, content_type).await? {
                return Err(no_such_key(&from));
            }
            Ok(json!({"CopyObjectResult": {}}).to_string())
        })
    }

    #[napi(catch_unwind)]
    pub fn delete_object<'env>(&self, env: &'env Env, key: String) -> Result<Reply<'env>> {
        let store = self.store.clone();
        let key = self.key(&key);
        run(env, async move {
            store.delete(&key).await?;
            Ok("{}".into())
        })
    }

    /// `keys`: JSON array; resolves to `{Deleted: [{Key}], Errors: []}`.
    #[napi(catch_unwind)]
    pub fn delete_objects<'env>(&self, env: &'env Env, keys: String) -> Result<Reply<'env>> {
        let store = self.store.clone();
        let prefix = self.key_prefix.clone();
        run(env, async move {
            let relative: Vec<String> =
                serde_json::from_str(&keys).map_err(|e| errors::bad_json("keys", e))?;
            for batch in relative.chunks(1000) {
                store
                    .delete_many(batch.iter().map(|k| keys::join(&prefix, k)).collect())
                    .await?;
            }
            let deleted: Vec<Value> = relative.iter().map(|k| json!({"Key": k})).collect();
            Ok(json!({"Deleted": deleted, "Errors": []}).to_string())
        })
    }

    /// ListObjectsV2-shaped page; keys are returned as stored (with the prefix).
    #[napi(catch_unwind)]
    pub fn list_objects<'env>(
        &self,
        env: &'env Env,
        prefix: Option<String>,
        continuation_token: Option<String>,
        max_keys: Option<u32>,
    ) -> Result<Reply<'env>> {
        let store = self.store.clone();
        let full_prefix = match prefix.as_deref() {
            None | Some("") if self.key_prefix.is_empty() => String::new(),
            None | Some("") => format!("{}/", self.key_prefix),
            Some(p) => self.key(p),
        };
        run(env, async move {
            let max_keys = max_keys.unwrap_or(1000) as usize;
            let page = store
                .list(ListRequest {
                    prefix: full_prefix.clone(),
                    continuation_token,
                    max_keys,
                })
                .await?;
            let contents: Vec<Value> = page.keys.iter().map(|k| json!({"Key": k})).collect();
            Ok(json!({
                "Contents": contents,
                "KeyCount": page.keys.len(),
                "IsTruncated": page.next_token.is_some(),
                "NextContinuationToken": page.next_token,
                "Prefix": full_prefix,
                "MaxKeys": max_keys,
            })
            .to_string())
        })
    }
}
