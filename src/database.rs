//! `NativeDatabase`: one s3db database over a store.

use crate::errors;
use crate::store::NativeStore;
use crate::resource::NativeResource;
use crate::runner::{run, run_now, Reply};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use s3db_core::clock::{fixed_clock, parse_iso};
use s3db_core::storage::ObjectStore;
use s3db_core::{Database, DatabaseOptions, Error};
use serde_json::{json, Value};
use std::sync::Arc;

#[napi]
pub struct NativeDatabase {
    pub(crate) inner: Arc<Database>,
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
    if let Some(versioning) = options.get("versioningEnabled").and_then(Value::as_bool) {
        parsed.versioning_enabled = versioning;
    }
    if let Some(strict) = options.get("strictValidation").and_then(Value::as_bool) {
        parsed.strict_validation = strict;
    }
    if let Some(frozen) = options.get("frozenClock").and_then(Value::as_str) {
        let ms = parse_iso(frozen).ok_or_else(|| Error::validation(format!("frozenClock '{frozen}' is not an ISO date")))?;
        parsed.clock = fixed_clock(ms);
    }
    Ok((parsed, options))
}

#[napi]
impl NativeDatabase {
    /// `options`: `{bucket, keyPrefix, passphrase, parallelism}`; `store` is the client's storage.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: String, store: &NativeStore) -> Result<Self> {
        let (parsed, _) = parse_options(&options).map_err(errors::to_napi)?;
        let store: Arc<dyn ObjectStore> = store.engine_store();
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

    /// Returns the loaded resource when its definition hash matches, creates or redefines it
    /// otherwise; resolves to `{resource, savedMetadata, created}`.
    #[napi(catch_unwind)]
    pub fn create_resource_if_not_exists<'env>(&self, env: &'env Env, config: String) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move {
            let config: Value = serde_json::from_str(&config).map_err(|e| errors::bad_json("resource config", e))?;
            let (resource, created) = db.create_resource_if_not_exists(&config).await?;
            let saved = db.saved_metadata().await;
            Ok(json!({"resource": resource.state().describe(), "savedMetadata": saved, "created": created}).to_string())
        })
    }

    /// `resourceExistsWithSameHash`: `{exists, sameHash, hash, existingHash?}`.
    #[napi(catch_unwind)]
    pub fn check_hash(&self, config: String) -> Result<String> {
        let config: Value =
            serde_json::from_str(&config).map_err(|e| errors::to_napi(errors::bad_json("resource config", e)))?;
        Ok(self.inner.check_hash(&config).map_err(errors::to_napi)?.to_json().to_string())
    }

    /// `uploadMetadataFile`: resolves to `{changes: [{resource, oldVersion, newVersion, description}], savedMetadata}`.
    #[napi(catch_unwind)]
    pub fn upload_metadata<'env>(&self, env: &'env Env) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move {
            let changes: Vec<Value> = db
                .upload_metadata()
                .await?
                .into_iter()
                .map(|c| {
                    let description = db.resource(&c.resource).map(|r| r.state().describe());
                    json!({"resource": c.resource, "oldVersion": c.old_version, "newVersion": c.new_version, "description": description})
                })
                .collect();
            let saved = db.saved_metadata().await;
            Ok(json!({"changes": changes, "savedMetadata": saved}).to_string())
        })
    }

    /// The handle for record operations on a loaded resource.
    #[napi(catch_unwind)]
    pub fn resource(&self, name: String) -> Result<NativeResource> {
        self.inner.resource(&name).map(NativeResource::new).ok_or_else(|| {
            errors::to_napi(Error::new(s3db_core::ErrorKind::ResourceNotFound, format!("Resource not found: {name}")))
        })
    }

    /// A resource that is not registered nor catalogued (`new Resource({client, ...})`).
    #[napi(catch_unwind)]
    pub fn detached_resource(&self, config: String) -> Result<NativeResource> {
        let config = crate::resource::parse_json(&config, "resource config").map_err(errors::to_napi)?;
        self.inner.detached_resource(&config).map(NativeResource::new).map_err(errors::to_napi)
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
