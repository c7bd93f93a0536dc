//! `NativeResource`: record operations of one resource, documents in and out as JSON text.

use crate::errors;
use crate::runner::{run, Reply};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use s3db_core::resource::{ListOptions, Page, PageOptions, RecordText, Records, Unreadable, WriteOutcome};
use s3db_core::{Error, Resource};
use serde_json::{json, Map, Value};
use std::sync::Arc;

#[napi]
pub struct NativeResource {
    pub(crate) inner: Arc<Resource>,
}

impl NativeResource {
    pub fn new(inner: Arc<Resource>) -> Self {
        Self { inner }
    }
}

pub(crate) fn parse_json(text: &str, what: &str) -> s3db_core::Result<Value> {
    serde_json::from_str(text).or_else(|error| match s3db_core::encoding::json::replace_lone_surrogate_escapes(text) {
        Some(repaired) => serde_json::from_str(&repaired).map_err(|e| errors::bad_json(what, e)),
        None => Err(errors::bad_json(what, error)),
    })
}

fn js_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A document argument: must be a JSON object.
pub(crate) fn document(text: &str, operation: &str) -> s3db_core::Result<Map<String, Value>> {
    match parse_json(text, "document")? {
        Value::Object(map) => Ok(map),
        other => Err(Error::validation(format!("{operation} expects an object, got {}", js_type(&other)))),
    }
}

fn id_list(text: &str) -> s3db_core::Result<Vec<String>> {
    match parse_json(text, "id list")? {
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(Error::validation(format!("ids must be strings, got {}", js_type(&other)))),
            })
            .collect(),
        other => Err(Error::validation(format!("expected an array of ids, got {}", js_type(&other)))),
    }
}

pub(crate) fn list_options(text: &str) -> s3db_core::Result<ListOptions> {
    let options = parse_json(text, "options")?;
    let number = |key: &str| -> s3db_core::Result<Option<usize>> {
        match options.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_f64()
                .filter(|n| *n >= 0.0 && n.is_finite())
                .map(|n| Some(n as usize))
                .ok_or_else(|| Error::validation(format!("'{key}' must be a non-negative number"))),
        }
    };
    Ok(ListOptions {
        partition: options.get("partition").and_then(Value::as_str).map(str::to_string),
        partition_values: options.get("partitionValues").and_then(Value::as_object).cloned().unwrap_or_default(),
        limit: number("limit")?,
        offset: number("offset")?.unwrap_or(0),
    })
}

pub(crate) fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// `{r: record, b?: before (when asked for), x?: exceedsLimit, p?: partition reference errors}`.
fn write_reply(outcome: WriteOutcome, with_before: bool) -> String {
    let mut reply = Map::new();
    reply.insert("r".into(), Value::Object(outcome.record));
    if let Some(before) = outcome.before.filter(|_| with_before) {
        reply.insert("b".into(), Value::Object(before));
    }
    if let Some(exceeds) = outcome.exceeds_limit {
        reply.insert("x".into(), exceeds);
    }
    if !outcome.partition_errors.is_empty() {
        reply.insert("p".into(), Value::Array(outcome.partition_errors.iter().map(Error::to_json).collect()));
    }
    to_json(&reply)
}

/// A JSON object argument (`partitionValues`, `data`); `null` is an empty object.
fn object_argument(text: &str, what: &str) -> s3db_core::Result<Map<String, Value>> {
    match parse_json(text, what)? {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(Error::validation(format!("{what} must be an object, got {}", js_type(&other)))),
    }
}

fn page_reply(page: Page<RecordText>) -> String {
    let rest = to_json(&json!({
        "totalItems": page.total_items,
        "page": page.page,
        "pageSize": page.page_size,
        "totalPages": page.total_pages,
        "hasMore": page.has_more,
        "unreadable": unreadable_json(&page.unreadable),
    }));
    // `rest` is a JSON object: its fields follow `items` in the same object.
    format!("{{\"items\":{},{}", RecordText::join(&page.items), &rest[1..])
}

pub(crate) fn unreadable_json(unreadable: &[Unreadable]) -> Vec<Value> {
    unreadable.iter().map(Unreadable::to_json).collect()
}

/// `{r: records, u: [{id, error}]}` of a listing.
fn records_reply(read: Records<RecordText>) -> String {
    let unreadable = to_json(&unreadable_json(&read.unreadable));
    format!("{{\"r\":{},\"u\":{unreadable}}}", RecordText::join(&read.records))
}

#[napi]
impl NativeResource {
    /// `{name, version, attributes, behavior, map, …}`.
    #[napi(catch_unwind)]
    pub fn describe(&self) -> String {
        self.inner.state().describe().to_string()
    }

    #[napi(catch_unwind)]
    pub fn insert<'env>(&self, env: &'env Env, doc: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(write_reply(resource.insert(document(&doc, "insert")?).await?, false)) })
    }

    /// Resolves to `[{r}|{e: error}]` in input order.
    #[napi(catch_unwind)]
    pub fn insert_many<'env>(&self, env: &'env Env, docs: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move {
            let documents = match parse_json(&docs, "documents")? {
                Value::Array(items) => items,
                other => return Err(Error::validation(format!("insertMany expects an array, got {}", js_type(&other)))),
            };
            let mut maps = Vec::with_capacity(documents.len());
            for item in documents {
                match item {
                    Value::Object(map) => maps.push(map),
                    other => return Err(Error::validation(format!("insertMany expects objects, got {}", js_type(&other)))),
                }
            }
            let replies = resource
                .insert_many_as(maps, |outcome| match outcome {
                    Ok(outcome) => write_reply(outcome, false),
                    Err(e) => to_json(&json!({"e": e.to_json()})),
                })
                .await;
            Ok(format!("[{}]", replies.join(",")))
        })
    }

    #[napi(catch_unwind)]
    pub fn get<'env>(&self, env: &'env Env, id: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(resource.get_as::<RecordText>(&id).await?.0) })
    }

    #[napi(catch_unwind)]
    pub fn exists<'env>(&self, env: &'env Env, id: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(resource.exists(&id).await?.to_string()) })
    }

    #[napi(catch_unwind)]
    pub fn set_content<'env>(&self, env: &'env Env, id: String, bytes: Buffer, content_type: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        let bytes = bytes.to_vec();
        run(env, async move { resource.set_content(&id, bytes, &content_type).await.map(|()| "null".into()) })
    }

    /// `{body: base64, contentType}`, or `null` when the record does not exist.
    #[napi(catch_unwind)]
    pub fn content<'env>(&self, env: &'env Env, id: String) -> Result<Reply<'env>> {
        use base64::Engine as _;
        let resource = self.inner.clone();
        run(env, async move {
            Ok(match resource.content(&id).await? {
                Some(c) => to_json(&json!({"body": base64::engine::general_purpose::STANDARD.encode(&c.bytes), "contentType": c.content_type})),
                None => "null".into(),
            })
        })
    }

    #[napi(catch_unwind)]
    pub fn has_content<'env>(&self, env: &'env Env, id: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(resource.has_content(&id).await?.to_string()) })
    }

    #[napi(catch_unwind)]
    pub fn delete_content<'env>(&self, env: &'env Env, id: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { resource.delete_content(&id).await.map(|()| "null".into()) })
    }

    /// `with_before` adds the previous record (`b`) for update events.
    #[napi(catch_unwind)]
    /// With `if_match`, one attempt that fails with `PreconditionFailed` unless the record is still at that ETag.
    pub fn update<'env>(&self, env: &'env Env, id: String, patch: String, with_before: bool, if_match: Option<String>) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move {
            let patch = document(&patch, "update")?;
            let outcome = match if_match {
                Some(etag) => resource.update_if_match(&id, patch, &etag).await?,
                None => resource.update(&id, patch).await?,
            };
            Ok(write_reply(outcome, with_before))
        })
    }

    /// Resolves to the record `update(id, patch)` would validate (what `beforeUpdate` hooks see); writes nothing.
    #[napi(catch_unwind)]
    pub fn merged_for_update<'env>(&self, env: &'env Env, id: String, patch: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(to_json(&resource.merged_for_update(&id, document(&patch, "update")?).await?)) })
    }

    #[napi(catch_unwind)]
    pub fn replace<'env>(&self, env: &'env Env, id: String, doc: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(write_reply(resource.replace(&id, document(&doc, "replace")?).await?, false)) })
    }

    #[napi(catch_unwind)]
    pub fn upsert<'env>(&self, env: &'env Env, doc: String, with_before: bool) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(write_reply(resource.upsert(document(&doc, "upsert")?).await?, with_before)) })
    }

    /// Resolves to `{id, b?: before}` (`b` when `with_before`).
    #[napi(catch_unwind)]
    pub fn delete<'env>(&self, env: &'env Env, id: String, with_before: bool) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move {
            let outcome = resource.delete(&id, with_before).await?;
            let mut reply = json!({"id": outcome.id});
            if let Some(before) = outcome.before {
                reply["b"] = Value::Object(before);
            }
            Ok(to_json(&reply))
        })
    }

    /// Resolves to the deleted ids.
    #[napi(catch_unwind)]
    pub fn delete_many<'env>(&self, env: &'env Env, ids: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(to_json(&resource.delete_many(&id_list(&ids)?).await?)) })
    }

    #[napi(catch_unwind)]
    pub fn delete_all<'env>(&self, env: &'env Env) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(resource.delete_all().await?.to_string()) })
    }

    #[napi(catch_unwind)]
    pub fn get_many<'env>(&self, env: &'env Env, ids: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(RecordText::join(&resource.get_many::<RecordText>(&id_list(&ids)?).await)) })
    }

    #[napi(catch_unwind)]
    pub fn get_all<'env>(&self, env: &'env Env) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(records_reply(resource.get_all().await?)) })
    }

    #[napi(catch_unwind)]
    pub fn list<'env>(&self, env: &'env Env, options: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(records_reply(resource.list(&list_options(&options)?).await?)) })
    }

    #[napi(catch_unwind)]
    pub fn list_ids<'env>(&self, env: &'env Env, options: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(to_json(&resource.list_ids(&list_options(&options)?).await?)) })
    }

    #[napi(catch_unwind)]
    pub fn count<'env>(&self, env: &'env Env, options: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(resource.count(&list_options(&options)?).await?.to_string()) })
    }

    /// `options`: `{offset, size, skipCount, partition, partitionValues}`.
    #[napi(catch_unwind)]
    pub fn page<'env>(&self, env: &'env Env, options: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move {
            let list = list_options(&options)?;
            let raw = parse_json(&options, "options")?;
            let size = raw.get("size").and_then(Value::as_f64).filter(|s| *s >= 1.0).unwrap_or(100.0) as usize;
            let skip_count = raw.get("skipCount").and_then(Value::as_bool).unwrap_or(false);
            Ok(page_reply(resource.page(&PageOptions { list, size, skip_count }).await?))
        })
    }

    /// Every record as JSON Lines (user fields and `id`, no read decorations), for backups and exports.
    #[napi(catch_unwind)]
    pub fn export_jsonl<'env>(&self, env: &'env Env) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move {
            let records = resource.export_records().await?;
            let lines: Vec<String> = records.iter().map(to_json).collect();
            Ok(lines.join("\n"))
        })
    }

    /// Writes documents (a JSON array) under their ids; resolves to `{imported, errors: [{index, error}]}`.
    #[napi(catch_unwind)]
    pub fn import_records<'env>(&self, env: &'env Env, docs: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move {
            let documents = match parse_json(&docs, "documents")? {
                Value::Array(items) => items,
                other => return Err(Error::validation(format!("import expects an array, got {}", js_type(&other)))),
            };
            let mut maps = Vec::with_capacity(documents.len());
            let mut errors = Vec::new();
            let mut positions = Vec::with_capacity(documents.len());
            for (index, item) in documents.into_iter().enumerate() {
                match item {
                    Value::Object(map) => {
                        positions.push(index);
                        maps.push(map);
                    }
                    other => errors.push(json!({"index": index, "error": Error::validation(format!("expected an object, got {}", js_type(&other))).to_json()})),
                }
            }
            let results = resource.import_records(maps).await;
            let mut imported = 0;
            for (position, result) in positions.into_iter().zip(results) {
                match result {
                    Ok(_) => imported += 1,
                    Err(e) => errors.push(json!({"index": position, "error": e.to_json()})),
                }
            }
            Ok(json!({"imported": imported, "errors": errors}).to_string())
        })
    }

    #[napi(catch_unwind)]
    pub fn query<'env>(&self, env: &'env Env, filter: String, options: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move {
            let filter = document(&filter, "query")?;
            Ok(records_reply(resource.query::<RecordText>(&filter, &list_options(&options)?).await?))
        })
    }

    /// `getFromPartition`: the record with `_partition` and `_partitionValues`.
    #[napi(catch_unwind)]
    pub fn get_from_partition<'env>(&self, env: &'env Env, id: String, partition: String, values: String) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move {
            let values = object_argument(&values, "partitionValues")?;
            Ok(to_json(&resource.get_from_partition(&id, &partition, &values).await?))
        })
    }

    /// `getPartitionKey`: the key as JSON text, `null` when a field is missing.
    #[napi(catch_unwind)]
    pub fn partition_key(&self, partition: String, id: String, data: String) -> Result<String> {
        let data = object_argument(&data, "data").map_err(errors::to_napi)?;
        let key = self.inner.partition_key(&partition, &id, &data).map_err(errors::to_napi)?;
        Ok(to_json(&key))
    }

    /// `findOrphanedPartitions`.
    #[napi(catch_unwind)]
    pub fn orphaned_partitions(&self) -> String {
        to_json(&self.inner.orphaned_partitions())
    }

    /// `removeOrphanedPartitions({dryRun})`: the orphaned partitions (removed unless `dry_run`).
    #[napi(catch_unwind)]
    pub fn remove_orphaned_partitions(&self, dry_run: bool) -> Result<String> {
        let removed = self.inner.remove_orphaned_partitions(dry_run).map_err(errors::to_napi)?;
        Ok(to_json(&removed))
    }

    /// `updateAttributes(attributes)`; returns the new description.
    #[napi(catch_unwind)]
    pub fn update_attributes(&self, attributes: String) -> Result<String> {
        let attributes = document(&attributes, "updateAttributes").map_err(errors::to_napi)?;
        self.inner.update_attributes(attributes).map_err(errors::to_napi)?;
        Ok(self.inner.state().describe().to_string())
    }

    /// `addPluginAttribute(name, definition, plugin)`; returns the new description.
    #[napi(catch_unwind)]
    pub fn add_plugin_attribute(&self, name: String, definition: String, plugin: String) -> Result<String> {
        let definition = parse_json(&definition, "attribute definition").map_err(errors::to_napi)?;
        self.inner.add_plugin_attribute(&name, definition, &plugin).map_err(errors::to_napi)?;
        Ok(self.inner.state().describe().to_string())
    }

    /// `removePluginAttribute(name, plugin?)`: `{removed, description}`.
    #[napi(catch_unwind)]
    pub fn remove_plugin_attribute(&self, name: String, plugin: Option<String>) -> Result<String> {
        let removed = self.inner.remove_plugin_attribute(&name, plugin.as_deref()).map_err(errors::to_napi)?;
        Ok(json!({"removed": removed, "description": self.inner.state().describe()}).to_string())
    }

    /// `repairPartitions`: `{records, references, created, removed, unreadable}`.
    #[napi(catch_unwind)]
    pub fn repair_partitions<'env>(&self, env: &'env Env) -> Result<Reply<'env>> {
        let resource = self.inner.clone();
        run(env, async move { Ok(resource.repair_partitions().await?.to_json().to_string()) })
    }
}
