//! Record writes: insert, update, replace, upsert, delete and their bulk forms.

use super::stored::{self, ObjectFacts};
use super::{maybe_blocking, Resource, ResourceState};
use crate::behavior::{self, Split, WriteOp};
use crate::codec;
use crate::contention;
use crate::crypto;
use crate::error::{Error, ErrorKind, Result};
use crate::id;
use crate::keys;
use crate::parallel;
use crate::storage::{write_stamp, PutOutcome, PutRequest};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::{Map, Value};
use std::sync::Arc;

/// A written record, plus what events need.
#[derive(Debug, Clone)]
pub struct WriteOutcome {
    pub record: Map<String, Value>,
    /// The record before an update (when one was read).
    pub before: Option<Map<String, Value>>,
    /// `exceedsLimit` payload when user-managed data spilled to the body.
    pub exceeds_limit: Option<Value>,
    /// Partition references that could not be written or removed (the record was written).
    pub partition_errors: Vec<Error>,
}

#[derive(Debug, Clone)]
pub struct DeleteOutcome {
    pub id: String,
    pub before: Option<Map<String, Value>>,
}

/// An insert: the record must not exist yet. `random_id` when its id was just drawn at random
/// with enough entropy that it cannot exist (a store without atomic create-only PUTs may skip
/// its existence check).
#[derive(Debug, Clone, Copy)]
struct CreateOnly {
    random_id: bool,
}

/// What a record PUT answered: its ETag, and the length of the body without its write stamp
/// (the `_contentLength` a read reports).
struct PutRecord {
    etag: String,
    content_length: u64,
}

/// A validated, encoded record ready to be put.
struct Prepared {
    id: String,
    data: Map<String, Value>,
    split: Split,
}

impl Resource {
    pub async fn insert(&self, document: Map<String, Value>) -> Result<WriteOutcome> {
        let state = self.state();
        let mut data = document;
        let given = take_id(&mut data)?;
        let create = CreateOnly { random_id: given.is_none() && state.definition.id_size >= id::UNGUESSABLE_ID_SIZE };
        let id = given.unwrap_or_else(|| id::generate(state.definition.id_size));
        keys::check_new_id(&id)?;
        if state.definition.timestamps {
            let now = self.ctx.now_iso();
            data.insert("createdAt".into(), Value::String(now.clone()));
            data.insert("updatedAt".into(), Value::String(now));
        }
        let prepared = prepare(&state, id, data, WriteOp::Insert, None).await?;
        let Some(put) = self.put_record(&state, &prepared, Some(create), None).await? else {
            return Err(already_exists(&prepared.id));
        };
        let partition_errors = self.put_references(&state, &prepared.id, &prepared.data).await;
        self.written(&state, prepared, put, None, partition_errors).await
    }

    /// Inserts each document; failures are returned in place (s3db.js reports them as events).
    /// On a store that answers at once, the batch is split over several threads (the work is
    /// all validation and encoding) unless two documents share an id: then the batch takes the
    /// remote stores' path, where inserts start in input order; on a store that answers at once
    /// each completes before the next starts, so the first of the two is the one written.
    pub async fn insert_many(self: &Arc<Self>, documents: Vec<Map<String, Value>>) -> Vec<Result<WriteOutcome>> {
        self.insert_many_as(documents, |outcome| outcome).await
    }

    /// `insert_many`, each outcome turned into `T` by `reply` on the thread that wrote it: a reply
    /// built there (JSON text for JavaScript) leaves no record maps for the caller's thread to free.
    pub async fn insert_many_as<T, F>(self: &Arc<Self>, documents: Vec<Map<String, Value>>, reply: F) -> Vec<T>
    where
        T: Send + 'static,
        F: Fn(Result<WriteOutcome>) -> T + Send + Sync + 'static,
    {
        if self.ctx.store.answers_at_once() && !repeats_an_id(&documents) {
            let state = self.state();
            // PBKDF2 (a key's first use) must not run on the JS thread.
            let inline = !state.has_secrets || crypto::write_key_ready(&state.passphrase);
            let this = self.clone();
            return parallel::map(documents, inline, move |doc| reply(futures::executor::block_on(this.insert(doc)))).await;
        }
        stream::iter(documents).map(|doc| self.insert(doc)).buffered(self.ctx.parallelism).map(reply).collect().await
    }

    /// Read, merge, write — the write conditional on the ETag that was read, so a concurrent
    /// writer's change is never overwritten: on a conflict the record is read and merged again.
    pub async fn update(&self, id: &str, patch: Map<String, Value>) -> Result<WriteOutcome> {
        keys::check_lookup_id(id)?;
        for attempt in 0..contention::MAX_ATTEMPTS {
            if let Some(outcome) = self.update_once(id, &patch, None).await? {
                return Ok(outcome);
            }
            contention::pause(attempt).await;
        }
        Err(Error::new(
            ErrorKind::Resource,
            format!("Update of '{id}' gave up after {} attempts: the record kept changing under it", contention::MAX_ATTEMPTS),
        )
        .named("WriteContention")
        .with("id", id)
        .with("attempts", contention::MAX_ATTEMPTS))
    }

    /// s3db.js `update(id, patch, {ifMatch})`: one attempt, refused with `PreconditionFailed`
    /// unless the record is still at the caller's ETag when it is written.
    pub async fn update_if_match(&self, id: &str, patch: Map<String, Value>, expected: &str) -> Result<WriteOutcome> {
        keys::check_lookup_id(id)?;
        self.update_once(id, &patch, Some(expected)).await?.ok_or_else(|| precondition_failed(id, expected))
    }

    /// One read-merge-write; `None` when the record changed between the read and the write.
    async fn update_once(&self, id: &str, patch: &Map<String, Value>, expected: Option<&str>) -> Result<Option<WriteOutcome>> {
        let state = self.state();
        let (before, before_version) = self.fetch_stored::<Map<String, Value>>(&state, id).await?.ok_or_else(|| does_not_exist(id))?;
        let read_etag = before.get("_etag").and_then(Value::as_str).unwrap_or_default().to_string();
        if let Some(expected) = expected {
            if !crate::storage::same_etag(&read_etag, expected) {
                return Err(precondition_failed(id, expected));
            }
        }
        let old = stored::user_fields(&before);
        let data = self.merged(&state, &before, patch.clone());
        let prepared = prepare(&state, id.to_string(), data, WriteOp::Update, Some(id)).await?;
        let Some(put) = self.put_record(&state, &prepared, None, Some(read_etag)).await? else { return Ok(None) };
        let partition_errors = self.move_references(&state, id, Some((&old, &before_version)), &prepared.data).await;
        self.written(&state, prepared, put, Some(before), partition_errors).await.map(Some)
    }

    /// What `update(id, patch)` would validate, with the `id` first: the stored fields with the
    /// patch merged in (s3db.js hands this to `beforeUpdate` hooks). Reads; writes nothing.
    pub async fn merged_for_update(&self, id: &str, patch: Map<String, Value>) -> Result<Map<String, Value>> {
        keys::check_lookup_id(id)?;
        let state = self.state();
        let before = self.fetch(&state, id).await?.ok_or_else(|| does_not_exist(id))?;
        let mut merged = Map::new();
        merged.insert("id".into(), Value::String(id.to_string()));
        merged.extend(self.merged(&state, &before, patch));
        Ok(merged)
    }

    /// The user fields of `before` with `patch` merged in, without `id`, `updatedAt` refreshed.
    fn merged(&self, state: &ResourceState, before: &Map<String, Value>, patch: Map<String, Value>) -> Map<String, Value> {
        let mut data = stored::user_fields(before);
        merge_patch(&mut data, patch);
        data.remove("id");
        if state.definition.timestamps {
            data.insert("updatedAt".into(), Value::String(self.ctx.now_iso()));
        }
        data
    }

    /// Overwrites a record with `document` without merging (creates it when missing).
    pub async fn replace(&self, id: &str, document: Map<String, Value>) -> Result<WriteOutcome> {
        keys::check_new_id(id)?;
        let state = self.state();
        let mut data = document;
        data.remove("id");
        let stored_before = if state.partitions.is_empty() { None } else { self.fetch_stored::<Map<String, Value>>(&state, id).await? };
        if state.definition.timestamps {
            let now = self.ctx.now_iso();
            let created = stored_before.as_ref().and_then(|(b, _)| b.get("createdAt")).cloned();
            data.entry("createdAt").or_insert_with(|| created.unwrap_or_else(|| Value::String(now.clone())));
            data.insert("updatedAt".into(), Value::String(now));
        }
        let prepared = prepare(&state, id.to_string(), data, WriteOp::Replace, None).await?;
        let put = self.put_record(&state, &prepared, None, None).await?.expect("an unconditional put is written");
        let old = stored_before.as_ref().map(|(record, version)| (stored::user_fields(record), version.clone()));
        let partition_errors =
            self.move_references(&state, id, old.as_ref().map(|(data, v)| (data, v.as_str())), &prepared.data).await;
        let before = stored_before.map(|(record, _)| record);
        self.written(&state, prepared, put, before, partition_errors).await
    }

    /// Updates the record named by `document.id` when it exists, inserts it otherwise. When a
    /// concurrent upsert creates it first, this one becomes an update of it.
    pub async fn upsert(&self, mut document: Map<String, Value>) -> Result<WriteOutcome> {
        let Some(id) = take_id(&mut document)? else { return self.insert(document).await };
        if self.exists(&id).await? {
            return self.update(&id, document).await;
        }
        let mut with_id = document.clone();
        with_id.insert("id".into(), Value::String(id.clone()));
        match self.insert(with_id).await {
            Err(error) if error.details.get("conflict") == Some(&Value::Bool(true)) => self.update(&id, document).await,
            other => other,
        }
    }

    /// Deletes a record and its references; `keep_before` returns the record as it was.
    pub async fn delete(&self, id: &str, keep_before: bool) -> Result<DeleteOutcome> {
        keys::check_lookup_id(id)?;
        let state = self.state();
        let missing = || self.no_such_key(&state, id);
        let (fields, before, version) = if keep_before {
            let (before, version) = self.fetch_stored::<Map<String, Value>>(&state, id).await?.ok_or_else(missing)?;
            (stored::user_fields(&before), Some(before), version)
        } else {
            let (fields, version) = self.fetch_partition_fields(&state, id).await?.ok_or_else(missing)?;
            (fields, None, version)
        };
        let mut doomed = vec![self.record_key(&state, id)];
        doomed.extend(self.reference_keys(&state, id, &fields, &version));
        self.delete_keys(doomed).await?;
        Ok(DeleteOutcome { id: id.to_string(), before })
    }

    /// Deletes records and their references; missing IDs are skipped. Returns the deleted IDs.
    pub async fn delete_many(&self, ids: &[String]) -> Result<Vec<String>> {
        let state = self.state();
        for id in ids {
            keys::check_lookup_id(id)?;
        }
        let mut doomed = Vec::with_capacity(ids.len());
        let mut deleted = Vec::with_capacity(ids.len());
        if state.partitions.is_empty() {
            doomed.extend(ids.iter().map(|id| self.record_key(&state, id)));
            deleted.extend(ids.iter().cloned());
        } else {
            let found: Vec<_> = stream::iter(ids.to_vec())
                .map(|id| {
                    let state = state.clone();
                    async move { self.fetch_partition_fields(&state, &id).await.map(|r| (id, r)) }
                })
                .buffered(self.ctx.parallelism)
                .try_collect()
                .await?;
            for (id, record) in found {
                let Some((fields, version)) = record else { continue };
                doomed.push(self.record_key(&state, &id));
                doomed.extend(self.reference_keys(&state, &id, &fields, &version));
                deleted.push(id);
            }
        }
        self.delete_keys(doomed).await?;
        Ok(deleted)
    }

    /// Deletes every record and reference of the resource; refused while `paranoid`.
    pub async fn delete_all(&self) -> Result<usize> {
        let state = self.state();
        if state.definition.paranoid {
            return Err(Error::new(
                ErrorKind::Resource,
                "deleteAll() is a dangerous operation and requires paranoid: false option.",
            ));
        }
        let name = &state.definition.name;
        let data_prefix = self.ctx.key(&format!("{}/", keys::records_prefix(name)));
        let records = crate::storage::list_all(self.ctx.store.as_ref(), &data_prefix).await?;
        let count = records.len();
        let refs_prefix = self.ctx.key(&format!("{}/partition=", keys::resource_prefix(name)));
        let references = crate::storage::list_all(self.ctx.store.as_ref(), &refs_prefix).await?;
        self.delete_keys(records.into_iter().chain(references).collect()).await?;
        Ok(count)
    }

    /// PUTs the record; with `create` it must not exist yet, with `if_match` it must still be at
    /// that ETag. `None` when the condition failed. Every write is stamped, so its ETag names it
    /// alone: a later conditional write cannot mistake another version for it, and a write whose
    /// answer was lost can be recognised in place.
    async fn put_record(
        &self,
        state: &ResourceState,
        prepared: &Prepared,
        create: Option<CreateOnly>,
        if_match: Option<String>,
    ) -> Result<Option<PutRecord>> {
        let mut encoded = stored::encode(state, &prepared.split);
        let content_length = encoded.body.len() as u64;
        let stamped = write_stamp::stamp(&mut encoded.body);
        let request = PutRequest {
            key: self.record_key(state, &prepared.id),
            metadata: encoded.metadata,
            body: encoded.body,
            content_type: encoded.content_type,
            if_absent: create.is_some(),
            fresh_random_key: create.is_some_and(|c| c.random_id),
            if_match,
            stamped,
        };
        Ok(match self.ctx.store.put(request).await? {
            PutOutcome::Written { etag } => Some(PutRecord { etag, content_length }),
            PutOutcome::Conflict => None,
        })
    }

    /// The record as a read would return it, composed from what was just written.
    async fn written(
        &self,
        state: &Arc<ResourceState>,
        prepared: Prepared,
        put: PutRecord,
        before: Option<Map<String, Value>>,
        partition_errors: Vec<Error>,
    ) -> Result<WriteOutcome> {
        let content_type = if put.content_length > 0 { "application/json" } else { "application/octet-stream" };
        let Prepared { id, split, .. } = prepared;
        let exceeds_limit = split.exceeds_limit.clone();
        let raw = stored::split_fields(split);
        let facts = ObjectFacts {
            content_length: put.content_length,
            content_type: Some(content_type),
            last_modified_ms: self.ctx.now_ms(),
            etag: &put.etag,
        };
        let record = stored::to_record(state, &id, raw, &facts)?;
        Ok(WriteOutcome { record, before, exceeds_limit, partition_errors })
    }

    pub(super) async fn delete_keys(&self, keys: Vec<String>) -> Result<()> {
        match keys.len() {
            0 => Ok(()),
            1 => self.ctx.store.delete(&keys[0]).await,
            _ => {
                let batches: Vec<Vec<String>> = keys.chunks(1000).map(<[String]>::to_vec).collect();
                stream::iter(batches)
                    .map(|batch| self.ctx.store.delete_many(batch))
                    .buffer_unordered(self.ctx.parallelism)
                    .try_collect::<Vec<_>>()
                    .await?;
                Ok(())
            }
        }
    }

    pub(super) fn no_such_key(&self, state: &ResourceState, id: &str) -> Error {
        let key = self.record_key(state, id);
        Error::new(
            ErrorKind::NoSuchKey,
            format!(
                "No such key: {key} [bucket:{}]: record '{id}' does not exist in resource '{}'",
                self.ctx.bucket, state.definition.name
            ),
        )
        .with("key", key)
        .with("bucket", self.ctx.bucket.clone())
        .with("resourceName", state.definition.name.clone())
        .with("id", id)
    }
}

fn already_exists(id: &str) -> Error {
    Error::new(ErrorKind::Resource, format!("Resource with id '{id}' already exists")).with("id", id).with("conflict", true)
}

fn precondition_failed(id: &str, expected: &str) -> Error {
    Error::new(ErrorKind::PreconditionFailed, format!("Record '{id}' changed since ETag {expected} was read: nothing was written"))
        .with("id", id)
        .with("ifMatch", expected)
}

fn does_not_exist(id: &str) -> Error {
    Error::new(ErrorKind::ResourceNotFound, format!("Resource with id '{id}' does not exist")).with("id", id)
}

/// Removes and returns `document.id` as a string.
fn take_id(document: &mut Map<String, Value>) -> Result<Option<String>> {
    match document.remove("id") {
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(id) => id_text(&id),
        None => Ok(None),
    }
}

/// A document's `id` as the record id (numbers are converted like JS `String()`); `None` when
/// one is to be drawn.
fn id_text(id: &Value) -> Result<Option<String>> {
    match id {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(_) => Ok(Some(codec::metadata_text(id))),
        _ => Err(Error::validation("id cannot be an object")),
    }
}

/// True when two documents ask for the same id: inserted side by side, either could be the one
/// that exists first.
fn repeats_an_id(documents: &[Map<String, Value>]) -> bool {
    let mut seen = std::collections::HashSet::new();
    documents.iter().filter_map(|doc| doc.get("id").and_then(|id| id_text(id).ok().flatten())).any(|id| !seen.insert(id))
}

/// s3db.js update merge: dotted keys set nested paths, objects merge deeply, the rest replaces.
fn merge_patch(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (key, value) in patch {
        if key.contains('.') {
            set_path(target, &key, value);
        } else {
            merge_value(target, key, value);
        }
    }
}

fn merge_value(target: &mut Map<String, Value>, key: String, value: Value) {
    match (target.get_mut(&key), value) {
        (Some(Value::Object(existing)), Value::Object(incoming)) => {
            for (k, v) in incoming {
                merge_value(existing, k, v);
            }
        }
        (_, value) => {
            target.insert(key, value);
        }
    }
}

fn set_path(target: &mut Map<String, Value>, path: &str, value: Value) {
    let mut segments: Vec<&str> = path.split('.').collect();
    let last = segments.pop().expect("split yields one segment");
    let mut current = target;
    for segment in segments {
        let slot = current.entry(segment).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        current = slot.as_object_mut().expect("object");
    }
    current.insert(last.to_string(), value);
}

/// Validates and encodes; PBKDF2 (first secret write) runs on the blocking pool.
async fn prepare(
    state: &Arc<ResourceState>,
    id: String,
    mut data: Map<String, Value>,
    op: WriteOp,
    limit_id: Option<&str>,
) -> Result<Prepared> {
    // s3db.js validates the document with its id, so rules declared on `id` hold.
    data.insert("id".into(), Value::String(id));
    let issues = state.validator.validate(&mut data);
    if !issues.is_empty() {
        return Err(invalid_item(state, &issues));
    }
    let id = match data.shift_remove("id") {
        Some(Value::String(id)) => id,
        Some(other) => codec::metadata_text(&other),
        None => return Err(Error::validation("the validator removed the record id")),
    };
    let behavior = state.definition.behavior;
    let limit_id = limit_id.filter(|_| behavior.counts_id_on_update());
    let limit = behavior::effective_limit(&state.version, state.definition.timestamps, limit_id);
    let needs_derivation = state.has_secrets && !crypto::write_key_ready(&state.passphrase);
    let owned_state = state.clone();
    maybe_blocking(needs_derivation, move || {
        let mapped = codec::map_record(&owned_state.layout, &owned_state.passphrase, &data, &owned_state.version);
        let split = behavior::split(owned_state.definition.behavior, op, mapped, limit)?;
        Ok(Prepared { id, data, split })
    })
    .await?
}

fn invalid_item(state: &ResourceState, issues: &[crate::validator::ValidationIssue]) -> Error {
    let message = issues.first().map(|i| i.message.clone()).unwrap_or_else(|| "Validation failed".into());
    let validation: Vec<Value> = issues.iter().map(|i| i.to_json()).collect();
    Error::new(ErrorKind::InvalidResourceItem, message)
        .with("validation", validation)
        .with("resourceName", state.definition.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn delete_removes_the_record_and_its_references_and_returns_it_only_when_asked() {
        use crate::resource::ListOptions;
        futures::executor::block_on(async {
            // A nested partition field too: only the fields partitions use are decoded for a delete.
            let config = json!({"name": "d", "attributes": {"region": "string", "n": "number", "addr": {"city": "string"}},
                "timestamps": true,
                "partitions": {"byRegion": {"fields": {"region": "string"}}, "byCity": {"fields": {"addr.city": "string"}}}});
            let (_db, resource) = crate::testing::memory_resource(&config).await;
            for (id, region) in [("a", "eu"), ("b", "us")] {
                let doc = json!({"id": id, "region": region, "n": 1, "addr": {"city": format!("{region}-city")}});
                resource.insert(doc.as_object().unwrap().clone()).await.unwrap();
            }
            let references = || async {
                let mut total = 0;
                for partition in ["byRegion", "byCity", "byCreatedDate", "byUpdatedDate"] {
                    let options = ListOptions { partition: Some(partition.into()), ..ListOptions::default() };
                    total += resource.count(&options).await.unwrap();
                }
                total
            };
            assert_eq!(references().await, 2 * 4);

            let without = resource.delete("a", false).await.unwrap();
            assert_eq!((without.id.as_str(), without.before), ("a", None));
            let with = resource.delete("b", true).await.unwrap();
            let before = with.before.expect("asked for");
            assert_eq!((before["region"].as_str(), before["id"].as_str()), (Some("us"), Some("b")));
            assert_eq!(before["addr"], json!({"city": "us-city"}));
            assert!(before.contains_key("_etag"));
            assert_eq!(references().await, 0);
            assert_eq!(resource.count(&ListOptions::default()).await.unwrap(), 0);
            assert_eq!(resource.delete("a", false).await.unwrap_err().name(), "NoSuchKey");
        });
    }

    #[test]
    fn merged_for_update_previews_without_writing() {
        use crate::storage::counted::Counted;
        use crate::storage::memory::MemoryStore;
        use crate::{Database, DatabaseOptions};
        use futures::executor::block_on;
        let store = Arc::new(Counted::new(Arc::new(MemoryStore::new())));
        let db = Database::new(store.clone(), DatabaseOptions::default());
        block_on(db.connect()).unwrap();
        let config = json!({"name": "people", "attributes": {"name": "string", "address": {"city": "string", "zip": "string"}}});
        let people = block_on(db.create_resource(&config)).unwrap();
        let doc = json!({"id": "p1", "name": "Ann", "address": {"city": "Porto", "zip": "4000"}});
        block_on(people.insert(doc.as_object().unwrap().clone())).unwrap();
        let puts_before = store.counts().snapshot().into_iter().find(|(n, _)| *n == "PutObjectCommand").unwrap().1;

        let patch = json!({"address": {"city": "Lisbon"}}).as_object().unwrap().clone();
        let merged = block_on(people.merged_for_update("p1", patch)).unwrap();
        assert_eq!(Value::Object(merged), json!({"id": "p1", "name": "Ann", "address": {"city": "Lisbon", "zip": "4000"}}));
        let puts_after = store.counts().snapshot().into_iter().find(|(n, _)| *n == "PutObjectCommand").unwrap().1;
        assert_eq!(puts_after, puts_before);
        assert_eq!(block_on(people.get("p1")).unwrap()["address"]["city"], "Porto");
        let missing = block_on(people.merged_for_update("nope", Map::new())).unwrap_err();
        assert!(missing.message.contains("does not exist"), "{}", missing.message);
    }

    /// Body-only records here; records kept in metadata are covered by the JS concurrency tests
    /// (their ETags differ between versions thanks to the write stamp).
    #[test]
    fn concurrent_updates_of_different_fields_are_all_kept() {
        use futures::executor::block_on;
        const WRITERS: usize = 6;
        const ROUNDS: i64 = 40;
        let attributes: Map<String, Value> = (0..WRITERS).map(|w| (format!("f{w}"), json!("number|optional"))).collect();
        let config = json!({"name": "counters", "attributes": attributes, "behavior": "body-only"});
        let (_db, counters) = block_on(crate::testing::memory_resource(&config));
        block_on(counters.insert(json!({"id": "c"}).as_object().unwrap().clone())).unwrap();
        let threads: Vec<_> = (0..WRITERS)
            .map(|w| {
                let counters = counters.clone();
                std::thread::spawn(move || {
                    for round in 1..=ROUNDS {
                        let patch = json!({ format!("f{w}"): round }).as_object().unwrap().clone();
                        block_on(counters.update("c", patch)).unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let record = block_on(counters.get("c")).unwrap();
        for w in 0..WRITERS {
            assert_eq!(record[&format!("f{w}")], ROUNDS, "writer {w}'s last update was lost: {record:?}");
        }
    }

    #[test]
    fn concurrent_upserts_of_a_new_id_all_succeed() {
        use futures::executor::block_on;
        let config = json!({"name": "people", "attributes": {"name": "string", "n": "number|optional"}});
        let (_db, people) = block_on(crate::testing::memory_resource(&config));
        let threads: Vec<_> = (0..8)
            .map(|n| {
                let people = people.clone();
                std::thread::spawn(move || block_on(people.upsert(json!({"id": "same", "name": "x", "n": n}).as_object().unwrap().clone())))
            })
            .collect();
        for thread in threads {
            thread.join().unwrap().unwrap();
        }
        assert_eq!(block_on(people.get("same")).unwrap()["name"], "x");
    }

    /// Two documents of one batch with the same id: the first is written and the second refused,
    /// every time (split over threads, either could have come first).
    #[test]
    fn in_a_batch_the_first_of_two_documents_with_one_id_wins() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        runtime.block_on(async {
            let config = json!({"name": "people", "attributes": {"n": "number"}});
            let (_db, people) = crate::testing::memory_resource(&config).await;
            for round in 0..20 {
                let mut docs: Vec<Map<String, Value>> = (0..600).map(|n| json!({"n": n}).as_object().unwrap().clone()).collect();
                // The last document of one chunk and the first of the next, however many threads.
                docs[299] = json!({"id": format!("dup{round}"), "n": 1}).as_object().unwrap().clone();
                docs[300] = json!({"id": format!("dup{round}"), "n": 2}).as_object().unwrap().clone();
                let outcomes = people.insert_many(docs).await;
                assert!(outcomes[299].is_ok());
                assert!(outcomes[300].as_ref().unwrap_err().message.contains("already exists"));
                assert_eq!(people.get(&format!("dup{round}")).await.unwrap()["n"], 1);
            }
        });
    }

    /// Batches big enough to be split over threads keep their order, their per-document
    /// failures, and are read back whole (getMany and list decode in parallel too).
    #[test]
    fn big_batches_on_a_local_store_run_in_parallel_in_order() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        runtime.block_on(async {
            let config = json!({"name": "people", "attributes": {"n": "number", "region": "string"},
                "partitions": {"byRegion": {"fields": {"region": "string"}}}});
            let (_db, people) = crate::testing::memory_resource(&config).await;
            people.insert(json!({"id": "earlier", "n": -1, "region": "b"}).as_object().unwrap().clone()).await.unwrap();
            let mut docs: Vec<Map<String, Value>> =
                (0..600).map(|n| json!({"id": format!("p{n:04}"), "n": n, "region": if n % 2 == 0 { "a" } else { "b" }}).as_object().unwrap().clone()).collect();
            docs[500] = json!({"id": "earlier", "n": -1, "region": "a"}).as_object().unwrap().clone();
            docs[501] = json!({"id": "p9999", "n": "not a number"}).as_object().unwrap().clone();
            let outcomes = people.insert_many(docs).await;
            assert_eq!(outcomes.len(), 600);
            for (index, outcome) in outcomes.iter().enumerate() {
                match index {
                    500 => assert!(outcome.as_ref().unwrap_err().message.contains("already exists")),
                    501 => assert!(outcome.is_err()),
                    _ => assert_eq!(outcome.as_ref().unwrap().record["id"], format!("p{index:04}")),
                }
            }
            let ids: Vec<String> = (0..600).rev().map(|n| format!("p{n:04}")).collect();
            let read: Vec<Map<String, Value>> = people.get_many(&ids).await;
            assert_eq!(read.len(), 600);
            for (record, id) in read.iter().zip(&ids) {
                assert_eq!(&record["id"], id.as_str());
                let missing = id == "p0500" || id == "p0501";
                assert_eq!(record.contains_key("_error"), missing, "{id}");
            }
            assert_eq!(read[599 - 7]["n"], 7);
            let listed: crate::resource::Records = people.list(&Default::default()).await.unwrap();
            assert_eq!(listed.records.len(), 598 + 1, "the batch's records and the earlier one");
            let in_a = crate::resource::ListOptions {
                partition: Some("byRegion".into()),
                partition_values: json!({"region": "a"}).as_object().unwrap().clone(),
                ..Default::default()
            };
            assert_eq!(people.list::<crate::resource::RecordText>(&in_a).await.unwrap().records.len(), 299);
        });
    }

    #[test]
    fn update_merge_rules() {
        let mut data = json!({"a": 1, "p": {"x": 1, "y": {"z": 1}}, "t": [1, 2]}).as_object().unwrap().clone();
        let patch = json!({"p": {"y": {"w": 2}}, "t": [3], "q.r": 5}).as_object().unwrap().clone();
        merge_patch(&mut data, patch);
        assert_eq!(Value::Object(data), json!({"a": 1, "p": {"x": 1, "y": {"z": 1, "w": 2}}, "t": [3], "q": {"r": 5}}));
    }
}
