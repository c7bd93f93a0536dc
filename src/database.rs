//! `NativeDatabase`: one s3db database over a store.

use crate::errors;
use crate::memory::{shared_bucket, NativeMemoryStore};
use crate::resource::NativeResource;
use crate::runner::{run, run_now, Reply};
use crate::s3::NativeS3Store;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use s3db_core::clock::{fixed_clock, parse_iso};
use s3db_core::storage::ObjectStore;
use s3db_core::{Database, DatabaseOptions, Error};
use serde_json::{json, Value};
use std::sync::Arc;

#[napi]
pub struct NativeDatabase {
    inner: Arc<Database>,
}

/// Options the facade resolved from the constructor (connection string already parsed).
fn parse_options(options_json: &str) -> s3db_core::Result<(DatabaseOptions, Value)> {
    let options: Value = serde_json::from_str(options_json).map_err(|e| errors::bad_json("database options", e))?;
    let mut parsed = DatabaseOptions::default();
    if let Some(bucket) = options.get("bucket").and_then(Value::as_str) {
        parsed.bucket = bucket.to_string();
    }
    if let Some(prefix) = options.get("keyPrefix").and_then(Value::as_str) {
        parsed.key_prefix = prefix.to_string();
    }
    if let Some(passphrase) = options.get("passphrase").and_then(Value::as_str) {
        parsed.passphrase = passphrase.to_string();
    }
    if let Some(parallelism) = options.get("parallelism").and_then(Value::as_u64) {
        parsed.parallelism = parallelism.clamp(1, 1000) as usize;
    }
    if let Some(frozen) = options.get("frozenClock").and_then(Value::as_str) {
        let ms = parse_iso(frozen).ok_or_else(|| Error::validation(format!("frozenClock '{frozen}' is not an ISO date")))?;
        parsed.clock = fixed_clock(ms);
    }
    Ok((parsed, options))
}

#[napi]
impl NativeDatabase {
    /// `options`: `{bucket, keyPrefix, passphrase, parallelism}`; the store is the S3Client's
    /// (`s3`), the MemoryClient's (`memory`), or else the process-wide `memory://<bucket>` store.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: String, memory: Option<&NativeMemoryStore>, s3: Option<&NativeS3Store>) -> Result<Self> {
        let (parsed, _) = parse_options(&options).map_err(errors::to_napi)?;
        let store: Arc<dyn ObjectStore> = match (s3, memory) {
            (Some(s3), _) => s3.store.clone(),
            (None, Some(m)) => m.store.clone(),
            (None, None) => shared_bucket(&parsed.bucket),
        };
        Ok(Self { inner: Arc::new(Database::new(store, parsed)) })
    }

    /// Loads (or creates) `s3db.json`; resolves to `{resources: [...descriptions], healingLog, savedMetadata}`.
    #[napi(catch_unwind)]
    pub fn connect<'env>(&self, env: &'env Env) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move {
            let report = db.connect().await?;
            let resources: Vec<Value> =
                db.resource_names().iter().filter_map(|n| db.resource(n)).map(|r| r.state().describe()).collect();
            let saved = db.saved_metadata().await;
            Ok(json!({"resources": resources, "healingLog": report.healing_log, "savedMetadata": saved}).to_string())
        })
    }

    /// Creates or redefines a resource; resolves to its description.
    #[napi(catch_unwind)]
    pub fn create_resource<'env>(&self, env: &'env Env, config: String) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move {
            let config: Value = serde_json::from_str(&config).map_err(|e| errors::bad_json("resource config", e))?;
            let resource = db.create_resource(&config).await?;
            let saved = db.saved_metadata().await;
            Ok(json!({"resource": resource.state().describe(), "savedMetadata": saved}).to_string())
        })
    }

    /// The handle for record operations on a loaded resource.
    #[napi(catch_unwind)]
    pub fn resource(&self, name: String) -> Result<NativeResource> {
        self.inner.resource(&name).map(NativeResource::new).ok_or_else(|| {
            errors::to_napi(Error::new(s3db_core::ErrorKind::ResourceNotFound, format!("Resource not found: {name}")))
        })
    }

    #[napi(catch_unwind)]
    pub fn disconnect(&self) -> Result<()> {
        let db = self.inner.clone();
        run_now(async move {
            db.disconnect().await;
            Ok(())
        })
    }
}
