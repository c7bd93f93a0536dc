//! Raw objects and plugin storage on `NativeDatabase`: what plugins (caches, `PluginStorage`)
//! keep under the database's key prefix. Keys are relative to the prefix.

use crate::database::NativeDatabase;
use crate::resource::{document, parse_json, to_json};
use crate::runner::{run, Reply};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use s3db_core::plugin_storage::StorageBehavior;
use s3db_core::Error;
use serde_json::{json, Value};

/// `{name: text}` metadata from JSON; non-string values are stored as their JSON text.
fn metadata_pairs(text: &str) -> s3db_core::Result<Vec<(String, String)>> {
    Ok(document(text, "metadata")?
        .into_iter()
        .map(|(name, value)| match value {
            Value::String(s) => (name, s),
            other => (name, other.to_string()),
        })
        .collect())
}

fn key_list(text: &str) -> s3db_core::Result<Vec<String>> {
    match parse_json(text, "keys")? {
        Value::Array(items) => items
            .into_iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| Error::validation("keys must be strings")))
            .collect(),
        _ => Err(Error::validation("expected an array of keys")),
    }
}

#[napi]
impl NativeDatabase {
    /// Writes a UTF-8 `body` at `key` with `metadata` (`{name: text}` JSON).
    #[napi(catch_unwind)]
    pub fn put_object<'env>(
        &self,
        env: &'env Env,
        key: String,
        body: String,
        metadata: String,
        content_type: Option<String>,
    ) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move {
            db.put_object(&key, body.into_bytes(), &metadata_pairs(&metadata)?, content_type).await?;
            Ok("null".into())
        })
    }

    /// Resolves to `{body, metadata, contentType, contentLength, lastModified, etag}` or `null`.
    #[napi(catch_unwind)]
    pub fn get_object<'env>(&self, env: &'env Env, key: String) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move {
            let Some(object) = db.get_object(&key).await? else { return Ok("null".into()) };
            Ok(json!({
                "body": String::from_utf8_lossy(&object.body),
                "metadata": object.metadata,
                "contentType": object.content_type,
                "contentLength": object.content_length,
                "lastModified": s3db_core::clock::iso_string(object.last_modified_ms),
                "etag": object.etag,
            })
            .to_string())
        })
    }

    /// Resolves to `{keys, next}`: one listing page under `prefix`.
    #[napi(catch_unwind)]
    pub fn list_object_keys<'env>(
        &self,
        env: &'env Env,
        prefix: String,
        token: Option<String>,
        max_keys: Option<u32>,
    ) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move {
            let page = db.list_object_keys(&prefix, token, max_keys.unwrap_or(1000) as usize).await?;
            Ok(format!("{{\"keys\":{},\"next\":{}}}", to_json(&page.keys), to_json(&page.next)))
        })
    }

    /// Deletes the objects at `keys` (JSON array); resolves to how many existed.
    #[napi(catch_unwind)]
    pub fn delete_objects<'env>(&self, env: &'env Env, keys: String) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move { Ok(db.delete_objects(&key_list(&keys)?).await?.to_string()) })
    }

    /// Deletes every object under `prefix`; resolves to how many there were.
    #[napi(catch_unwind)]
    pub fn delete_prefix<'env>(&self, env: &'env Env, prefix: String) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move { Ok(db.delete_prefix(&prefix).await?.to_string()) })
    }

    /// `PluginStorage.set`: `data` (JSON object) at `key`, split by `behavior` (default body-overflow).
    #[napi(catch_unwind)]
    pub fn put_plugin_object<'env>(
        &self,
        env: &'env Env,
        key: String,
        data: String,
        behavior: Option<String>,
        content_type: Option<String>,
        ttl_seconds: Option<f64>,
    ) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move {
            let behavior = StorageBehavior::parse(behavior.as_deref().unwrap_or("body-overflow"))?;
            db.put_plugin_object(&key, &document(&data, "plugin data")?, behavior, content_type, ttl_seconds).await?;
            Ok("null".into())
        })
    }

    /// `PluginStorage.get`: the stored fields, or `null` when missing or expired.
    #[napi(catch_unwind)]
    pub fn get_plugin_object<'env>(&self, env: &'env Env, key: String) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move { Ok(to_json(&db.get_plugin_object(&key).await?)) })
    }

    /// `PluginStorage.increment`: resolves to the counter's new value (concurrent increments all count).
    #[napi(catch_unwind)]
    pub fn increment_plugin_counter<'env>(&self, env: &'env Env, key: String, amount: f64, ttl_seconds: Option<f64>) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move { Ok(to_json(&serde_json::json!(db.increment_plugin_counter(&key, amount, ttl_seconds).await?))) })
    }

    /// `null` when nothing is at `key`, else `{expiresAt}` (epoch ms, or null without a TTL).
    #[napi(catch_unwind)]
    pub fn plugin_object_expiry<'env>(&self, env: &'env Env, key: String) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move {
            Ok(match db.plugin_object_expiry(&key).await? {
                None => "null".to_string(),
                Some(expiry) => serde_json::json!({ "expiresAt": expiry }).to_string(),
            })
        })
    }

    /// Moves a live object's expiry `extraSeconds` later: resolves to whether it did.
    #[napi(catch_unwind)]
    pub fn touch_plugin_object<'env>(&self, env: &'env Env, key: String, extra_seconds: f64) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move { Ok(db.touch_plugin_object(&key, extra_seconds).await?.to_string()) })
    }

    /// One try at the lock at `key` for `holder` (JSON object): resolves to whether it was taken.
    #[napi(catch_unwind)]
    pub fn try_plugin_lock<'env>(&self, env: &'env Env, key: String, holder: String, ttl_seconds: f64) -> Result<Reply<'env>> {
        let db = self.inner.clone();
        run(env, async move { Ok(db.try_plugin_lock(&key, &document(&holder, "lock holder")?, ttl_seconds).await?.to_string()) })
    }
}
