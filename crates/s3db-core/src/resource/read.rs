//! Record reads: get, exists, getMany, list, listIds, count, page, query.

use super::stored::{self, ObjectFacts};
use super::{maybe_blocking, Resource, ResourceState};
use crate::error::{Error, ErrorKind, Result};
use crate::keys;
use crate::partition::PartitionListing;
use crate::parallel;
use crate::storage::{write_stamp, ListRequest, StoredObject};
use futures::stream::{self, StreamExt};
use serde_json::{Map, Value};
use std::sync::Arc;

/// `{partition, partitionValues, limit, offset}` of list-like calls.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub partition: Option<String>,
    pub partition_values: Map<String, Value>,
    pub limit: Option<usize>,
    pub offset: usize,
}

#[derive(Debug, Clone, Default)]
pub struct PageOptions {
    pub list: ListOptions,
    pub size: usize,
    pub skip_count: bool,
}

/// The form a read hands each record back in: the map itself, or [`RecordText`].
pub trait RecordForm: Send + 'static {
    fn from_map(record: Map<String, Value>) -> Self;

    fn from_decoded(record: stored::Decoded<'_>) -> Self
    where
        Self: Sized,
    {
        Self::from_map(record.into_map())
    }
}

impl RecordForm for Map<String, Value> {
    fn from_map(record: Map<String, Value>) -> Self {
        record
    }
}

/// A record's JSON text, written on the thread that decoded it: a reply that goes straight to
/// JavaScript never holds the maps, and they are freed where they were allocated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordText(pub String);

impl RecordForm for RecordText {
    fn from_map(record: Map<String, Value>) -> Self {
        RecordText(serde_json::to_string(&record).expect("a JSON map serialises"))
    }

    fn from_decoded(record: stored::Decoded<'_>) -> Self {
        RecordText(record.into_json())
    }
}

impl RecordText {
    /// `[record, …]`: the texts joined into one JSON array.
    pub fn join(records: &[RecordText]) -> String {
        let mut out = String::with_capacity(records.iter().map(|r| r.0.len() + 1).sum::<usize>() + 2);
        out.push('[');
        for (index, record) in records.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            out.push_str(&record.0);
        }
        out.push(']');
        out
    }
}

/// Records read for a listing, and the ones whose objects could not be read: a damaged object or
/// a secret that does not open is reported for that record and never hides the others.
#[derive(Debug, Clone)]
pub struct Records<R = Map<String, Value>> {
    pub records: Vec<R>,
    pub unreadable: Vec<Unreadable>,
}

impl<R> Default for Records<R> {
    fn default() -> Self {
        Self { records: Vec::new(), unreadable: Vec::new() }
    }
}

#[derive(Debug, Clone)]
pub struct Unreadable {
    pub id: String,
    pub error: Error,
}

impl Unreadable {
    /// `{id, error: {name, message, ...}}` for the JS side.
    pub fn to_json(&self) -> Value {
        serde_json::json!({"id": self.id, "error": self.error.to_json()})
    }
}

/// True when an error belongs to one object (its bytes or its secrets), not to the store.
fn is_per_object(error: &Error) -> bool {
    error.kind == ErrorKind::Crypto || error.details.get("damaged") == Some(&Value::Bool(true))
}

/// s3db.js `page()` result.
#[derive(Debug, Clone)]
pub struct Page<R = Map<String, Value>> {
    pub items: Vec<R>,
    pub total_items: Option<usize>,
    pub page: usize,
    pub page_size: usize,
    pub total_pages: Option<usize>,
    pub has_more: bool,
    pub unreadable: Vec<Unreadable>,
}

impl Resource {
    pub async fn get(&self, id: &str) -> Result<Map<String, Value>> {
        self.get_as(id).await
    }

    /// `get`, the record in the form asked for.
    pub async fn get_as<R: RecordForm>(&self, id: &str) -> Result<R> {
        keys::check_lookup_id(id)?;
        let state = self.state();
        self.fetch(&state, id).await?.ok_or_else(|| self.no_such_key(&state, id))
    }

    /// The record, or `None` when it does not exist.
    pub(super) async fn fetch<R: RecordForm>(&self, state: &Arc<ResourceState>, id: &str) -> Result<Option<R>> {
        Ok(self.fetch_stored(state, id).await?.map(|(record, _)| record))
    }

    /// The record and the version (`_v`) it was written with, or `None` when it does not exist.
    pub(super) async fn fetch_stored<R: RecordForm>(
        &self,
        state: &Arc<ResourceState>,
        id: &str,
    ) -> Result<Option<(R, String)>> {
        self.fetch_decoded(state, id, decode_stored::<R>).await
    }

    /// The fields the record's partition keys are computed from (`stored::partition_fields`)
    /// and the version it was written with, or `None` when it does not exist.
    pub(super) async fn fetch_partition_fields(
        &self,
        state: &Arc<ResourceState>,
        id: &str,
    ) -> Result<Option<(Map<String, Value>, String)>> {
        self.fetch_decoded(state, id, |state, _, _, raw| {
            let version = stored::written_version(&raw).unwrap_or(&state.version).to_string();
            Ok((stored::partition_fields(state, raw)?, version))
        })
        .await
    }

    /// The stored object of `id` read by `decode` (off the JS thread when it must derive a key).
    async fn fetch_decoded<T: Send + 'static>(
        &self,
        state: &Arc<ResourceState>,
        id: &str,
        decode: fn(&ResourceState, &str, &StoredObject, stored::RawFields) -> Result<T>,
    ) -> Result<Option<T>> {
        let Some(object) = self.ctx.store.get(&self.record_key(state, id)).await? else { return Ok(None) };
        let raw = stored::raw_fields(&object.head, &object.body);
        let blocking = stored::needs_key_derivation(state, &raw);
        let state = state.clone();
        let id = id.to_string();
        Ok(Some(maybe_blocking(blocking, move || decode(&state, &id, &object, raw)).await??))
    }

    /// The stored objects of `ids` (in order; `None` for a missing one), fetched `parallelism` at
    /// a time. IDs from users are checked first (`check_ids`); listed ones are taken as they are.
    async fn fetch_objects(
        &self,
        state: &ResourceState,
        ids: Vec<String>,
        check_ids: bool,
    ) -> Vec<(String, Result<Option<Arc<StoredObject>>>)> {
        stream::iter(ids)
            .map(|id| async move {
                let outcome = match check_ids.then(|| keys::check_lookup_id(&id)).transpose() {
                    Ok(_) => self.ctx.store.get(&self.record_key(state, &id)).await,
                    Err(error) => Err(error),
                };
                (id, outcome)
            })
            .buffered(self.ctx.parallelism)
            .collect()
            .await
    }

    /// Records of fetched objects, in order, decoded on several threads when there are many. A
    /// record that does not match `filter` is `None`, as a missing one, and never converted to `R`.
    async fn decode_objects<R: RecordForm>(
        &self,
        state: &Arc<ResourceState>,
        fetched: Vec<(String, Result<Option<Arc<StoredObject>>>)>,
        filter: Option<Arc<Map<String, Value>>>,
    ) -> Vec<(String, Result<Option<R>>)> {
        // PBKDF2 (a key's first use) must not run on the JS thread. Only a resource with secrets
        // can need it; its fields are read here once, the others' on the decoding threads.
        let read_now = |object: &StoredObject| state.has_secrets.then(|| stored::raw_fields(&object.head, &object.body));
        let fetched: Vec<_> =
            fetched.into_iter().map(|(id, outcome)| (id, outcome.map(|found| found.map(|object| (read_now(&object), object))))).collect();
        let inline = !fetched
            .iter()
            .any(|(_, outcome)| matches!(outcome, Ok(Some((Some(raw), _))) if stored::needs_key_derivation(state, raw)));
        let state = state.clone();
        parallel::map(fetched, inline, move |(id, outcome)| {
            let record = match outcome {
                Ok(Some((raw, object))) => {
                    let raw = raw.unwrap_or_else(|| stored::raw_fields(&object.head, &object.body));
                    decode_matching::<R>(&state, &id, &object, raw, filter.as_deref())
                }
                Ok(None) => Ok(None),
                Err(error) => Err(error),
            };
            (id, record)
        })
        .await
    }

    pub async fn exists(&self, id: &str) -> Result<bool> {
        keys::check_lookup_id(id)?;
        let state = self.state();
        Ok(self.ctx.store.head(&self.record_key(&state, id)).await?.is_some())
    }

    /// Records in the order asked; a missing or unreadable one becomes `{id, _error}`.
    pub async fn get_many<R: RecordForm>(&self, ids: &[String]) -> Vec<R> {
        let state = self.state();
        let fetched = self.fetch_objects(&state, ids.to_vec(), true).await;
        self.decode_objects(&state, fetched, None)
            .await
            .into_iter()
            .map(|(id, outcome)| match outcome {
                Ok(Some(record)) => record,
                Ok(None) => R::from_map(error_item(&id, &self.no_such_key(&state, &id))),
                Err(e) => R::from_map(error_item(&id, &e)),
            })
            .collect()
    }

    /// Records of the given IDs, skipping any that vanished meanwhile; objects that cannot be
    /// read are listed apart. A store failure fails the call.
    pub(super) async fn records<R: RecordForm>(&self, ids: Vec<String>) -> Result<Records<R>> {
        self.records_matching(ids, None).await
    }

    /// `records`, keeping those that match `filter` (see `stored::Decoded::matches`).
    async fn records_matching<R: RecordForm>(&self, ids: Vec<String>, filter: Option<Arc<Map<String, Value>>>) -> Result<Records<R>> {
        let state = self.state();
        let fetched = self.fetch_objects(&state, ids, false).await;
        let decoded = self.decode_objects(&state, fetched, filter).await;
        let mut out = Records { records: Vec::with_capacity(decoded.len()), unreadable: Vec::new() };
        for (id, outcome) in decoded {
            match outcome {
                Ok(Some(record)) => out.records.push(record),
                Ok(None) => {}
                Err(error) if is_per_object(&error) => out.unreadable.push(Unreadable { id, error }),
                Err(error) => return Err(error),
            }
        }
        Ok(out)
    }

    /// What a listing covers: the records, or a partition's references (see `PartitionListing`).
    pub(super) fn listing(&self, state: &ResourceState, options: &ListOptions) -> Result<PartitionListing> {
        let name = &state.definition.name;
        let Some(partition_name) = &options.partition else {
            let prefix = format!("{}/", keys::records_prefix(name));
            return Ok(PartitionListing { prefix, required_segments: Vec::new() });
        };
        Ok(state.partition(partition_name)?.listing(name, &options.partition_values))
    }

    /// IDs in key order after `offset`, at most `limit` of them.
    pub async fn list_ids(&self, options: &ListOptions) -> Result<Vec<String>> {
        let state = self.state();
        let listing = self.listing(&state, options)?;
        let prefix = self.ctx.key(&listing.prefix);
        let wanted = options.limit.map(|l| l + options.offset);
        let mut ids = Vec::new();
        let mut token = None;
        loop {
            let max_keys = match wanted {
                // Filtered listings cannot know how many keys they will keep.
                Some(w) if listing.required_segments.is_empty() => (w - ids.len().min(w)).clamp(1, 1000),
                _ => 1000,
            };
            let page = self
                .ctx
                .store
                .list(ListRequest { prefix: prefix.clone(), continuation_token: token, max_keys })
                .await?;
            ids.extend(
                page.keys
                    .iter()
                    .map(|k| self.ctx.relative(k))
                    .filter(|k| listing.matches(k))
                    .filter_map(|k| keys::id_from_key(k).map(str::to_string)),
            );
            token = page.next_token;
            if token.is_none() || wanted.is_some_and(|w| ids.len() >= w) {
                break;
            }
        }
        let end = wanted.map_or(ids.len(), |w| w.min(ids.len()));
        Ok(ids.get(options.offset.min(end)..end).unwrap_or_default().to_vec())
    }

    pub async fn count(&self, options: &ListOptions) -> Result<usize> {
        let state = self.state();
        let listing = self.listing(&state, options)?;
        let keys = crate::storage::list_all(self.ctx.store.as_ref(), &self.ctx.key(&listing.prefix)).await?;
        if listing.required_segments.is_empty() {
            return Ok(keys.len());
        }
        Ok(keys.iter().filter(|k| listing.matches(self.ctx.relative(k))).count())
    }

    pub async fn list<R: RecordForm>(&self, options: &ListOptions) -> Result<Records<R>> {
        let ids = self.list_ids(options).await?;
        self.records(ids).await
    }

    pub async fn get_all<R: RecordForm>(&self) -> Result<Records<R>> {
        self.list(&ListOptions::default()).await
    }

    pub async fn page<R: RecordForm>(&self, options: &PageOptions) -> Result<Page<R>> {
        let size = options.size.max(1);
        let mut list = options.list.clone();
        list.limit = Some(size);
        let Records { records: items, unreadable } = self.list(&list).await?;
        let total_items = if options.skip_count { None } else { Some(self.count(&options.list).await?) };
        let offset = options.list.offset;
        let has_more = match total_items {
            Some(total) => offset + items.len() < total,
            None => items.len() == size,
        };
        Ok(Page {
            page: offset / size,
            page_size: size,
            total_pages: total_items.map(|t| t.div_ceil(size)),
            total_items,
            has_more,
            items,
            unreadable,
        })
    }

    /// Records whose top-level fields equal every filter value, after `offset` matches, at most `limit`.
    pub async fn query<R: RecordForm>(&self, filter: &Map<String, Value>, options: &ListOptions) -> Result<Records<R>> {
        let limit = options.limit.unwrap_or(100);
        let mut scope = ListOptions { limit: None, offset: 0, ..options.clone() };
        if scope.partition.is_none() {
            if let Some((partition, values)) = partition_fixed_by(&self.state(), filter) {
                scope.partition = Some(partition);
                scope.partition_values = values;
            }
        }
        let all_ids = self.list_ids(&scope).await?;
        let mut out = Records::default();
        let mut skipped = 0;
        let batch = (self.ctx.parallelism * 10).max(10);
        let filter = Arc::new(filter.clone());
        for chunk in all_ids.chunks(batch) {
            let Records { records, unreadable } = self.records_matching::<R>(chunk.to_vec(), Some(filter.clone())).await?;
            out.unreadable.extend(unreadable);
            for record in records {
                if skipped < options.offset {
                    skipped += 1;
                    continue;
                }
                out.records.push(record);
                if out.records.len() >= limit {
                    return Ok(out);
                }
            }
        }
        Ok(out)
    }
}

/// The partition whose every field the filter fixes to a scalar (the one with the most fields
/// when several do), with those values: every record the filter can match is referenced in that
/// partition's listing for them (a rule such as `maxlength` only widens the listing), so a query
/// may list it instead of the whole resource.
fn partition_fixed_by(state: &ResourceState, filter: &Map<String, Value>) -> Option<(String, Map<String, Value>)> {
    let scalar = |path: &str| filter.get(path).filter(|v| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)));
    state
        .partitions
        .iter()
        .filter(|partition| !partition.fields.is_empty() && partition.fields.iter().all(|(path, _)| scalar(path).is_some()))
        .max_by_key(|partition| partition.fields.len())
        .map(|partition| {
            let values = partition.fields.iter().map(|(path, _)| (path.clone(), scalar(path).cloned().expect("checked"))).collect();
            (partition.name.clone(), values)
        })
}

/// A stored object (its fields already read by `stored::raw_fields`) as the record users see,
/// with the version it was written with.
fn decode_stored<R: RecordForm>(state: &ResourceState, id: &str, object: &StoredObject, raw: stored::RawFields) -> Result<(R, String)> {
    let version = stored::written_version(&raw).unwrap_or(&state.version).to_string();
    Ok((R::from_decoded(stored::decode(state, id, raw, &object_facts(object))?), version))
}

/// `decode_stored`'s record when it matches `filter`: a record left out is never converted.
fn decode_matching<R: RecordForm>(
    state: &ResourceState,
    id: &str,
    object: &StoredObject,
    raw: stored::RawFields,
    filter: Option<&Map<String, Value>>,
) -> Result<Option<R>> {
    let decoded = stored::decode(state, id, raw, &object_facts(object))?;
    Ok(filter.is_none_or(|filter| decoded.matches(filter)).then(|| R::from_decoded(decoded)))
}

fn object_facts(object: &StoredObject) -> ObjectFacts<'_> {
    ObjectFacts {
        content_length: write_stamp::unstamped(&object.body).len() as u64,
        content_type: object.head.content_type.as_deref(),
        last_modified_ms: object.head.last_modified_ms,
        etag: &object.head.etag,
    }
}

fn error_item(id: &str, error: &Error) -> Map<String, Value> {
    let mut item = Map::new();
    item.insert("id".into(), Value::String(id.to_string()));
    item.insert("_error".into(), Value::String(error.message.clone()));
    item.insert("_errorName".into(), Value::String(error.name().to_string()));
    if error.kind == ErrorKind::Crypto {
        item.insert("_decryptionFailed".into(), Value::Bool(true));
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::memory_resource;
    use serde_json::json;

    #[test]
    fn records_as_text_are_the_json_of_records_as_maps_in_the_same_order() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
        runtime.block_on(async {
            let config = json!({"name": "items", "attributes": {"n": "number", "note": "string", "meta": {"k": "string"}}});
            let (_db, resource) = memory_resource(&config).await;
            // Enough records for the decoding to be split over threads.
            for n in 0..300 {
                let doc = json!({"id": format!("i{n:03}"), "n": n, "note": format!("\"quoted\" é {n}"), "meta": {"k": "v"}});
                resource.insert(doc.as_object().unwrap().clone()).await.unwrap();
            }
            let maps: Records = resource.list(&ListOptions::default()).await.unwrap();
            let texts: Records<RecordText> = resource.list(&ListOptions::default()).await.unwrap();
            assert_eq!(RecordText::join(&texts.records), serde_json::to_string(&maps.records).unwrap());

            let ids: Vec<String> = vec!["i007".into(), "missing".into(), "i001".into()];
            let maps: Vec<Map<String, Value>> = resource.get_many(&ids).await;
            let texts: Vec<RecordText> = resource.get_many(&ids).await;
            assert_eq!(RecordText::join(&texts), serde_json::to_string(&maps).unwrap());
            assert_eq!(maps[1]["_errorName"], "NoSuchKey");
            assert_eq!(RecordText::join(&[]), "[]");

            let map = resource.get("i042").await.unwrap();
            let text: RecordText = resource.get_as("i042").await.unwrap();
            assert_eq!(text.0, serde_json::to_string(&map).unwrap());
        });
    }

    #[test]
    fn a_field_named_like_a_decoration_keeps_its_place_and_takes_the_decoration() {
        futures::executor::block_on(async {
            let config = json!({"name": "odd", "attributes": {"_etag": "string", "n": "number"}});
            let (_db, resource) = memory_resource(&config).await;
            resource.insert(json!({"id": "a", "_etag": "mine", "n": 1}).as_object().unwrap().clone()).await.unwrap();
            let map = resource.get("a").await.unwrap();
            let text: RecordText = resource.get_as("a").await.unwrap();
            assert_eq!(text.0, serde_json::to_string(&map).unwrap());
            assert_ne!(map["_etag"], "mine");
            assert_eq!(map.keys().next().map(String::as_str), Some("_etag"));
        });
    }

    #[test]
    fn a_query_filters_the_record_users_see_and_converts_only_its_matches() {
        futures::executor::block_on(async {
            let config = json!({"name": "q", "attributes": {"n": "number", "tag": "string", "meta": {"k": "string"}}});
            let (_db, resource) = memory_resource(&config).await;
            for (id, n, tag) in [("a", 1, "x"), ("b", 2, "y"), ("c", 1, "y")] {
                let doc = json!({"id": id, "n": n, "tag": tag, "meta": {"k": "v"}});
                resource.insert(doc.as_object().unwrap().clone()).await.unwrap();
            }
            let ids = |filter: Value| {
                let resource = resource.clone();
                async move {
                    let found: Records = resource.query(filter.as_object().unwrap(), &ListOptions::default()).await.unwrap();
                    found.records.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
                }
            };
            assert_eq!(ids(json!({"n": 1.0})).await, ["a", "c"]);
            assert_eq!(ids(json!({"n": 1, "tag": "y"})).await, ["c"]);
            assert_eq!(ids(json!({"id": "b"})).await, ["b"]);
            assert_eq!(ids(json!({"_versionMapped": true, "_hasContent": false, "tag": "x"})).await, ["a"]);
            assert_eq!(ids(json!({"_hasContent": "false"})).await, Vec::<String>::new());
            // Objects are never strictly equal, as in JavaScript.
            assert_eq!(ids(json!({"meta": {"k": "v"}})).await, Vec::<String>::new());
            let etag = resource.get("b").await.unwrap()["_etag"].clone();
            assert_eq!(ids(json!({"_etag": etag})).await, ["b"]);

            let texts: Records<RecordText> = resource.query(json!({"tag": "y"}).as_object().unwrap(), &ListOptions::default()).await.unwrap();
            let maps: Records = resource.query(json!({"tag": "y"}).as_object().unwrap(), &ListOptions::default()).await.unwrap();
            assert_eq!(RecordText::join(&texts.records), serde_json::to_string(&maps.records).unwrap());
        });
    }
}
