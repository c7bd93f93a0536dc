//! Partition references of a resource: written, moved and deleted with the records, read
//! through (`getFromPartition`), and kept healthy: orphaned partition definitions, and a repair
//! that rebuilds the references from the records (after a crash between a record write and
//! its reference writes, or references lost any other way).

use super::{stored, ListOptions, Resource, ResourceState};
use crate::error::{Error, ErrorKind, Result};
use crate::keys;
use crate::storage::{self, PutRequest};
use futures::stream::{self, StreamExt};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::HashSet;

/// What `repairPartitions` found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionRepair {
    /// Records read.
    pub records: usize,
    /// References the records call for.
    pub references: usize,
    /// Missing references written.
    pub created: usize,
    /// References removed: of records that no longer exist, of old values, or of partitions
    /// that are no longer defined.
    pub removed: usize,
    /// Records that could not be read; their references are left as they are.
    pub unreadable: usize,
}

impl PartitionRepair {
    pub fn to_json(&self) -> Value {
        json!({
            "records": self.records,
            "references": self.references,
            "created": self.created,
            "removed": self.removed,
            "unreadable": self.unreadable,
        })
    }
}

/// The fields partition keys are computed from: the record's, plus its `_v` when a partition
/// uses it (`byVersion`).
fn key_source<'a>(state: &ResourceState, data: &'a Map<String, Value>, version: &str) -> Cow<'a, Map<String, Value>> {
    if !state.partitions_use_system_fields() {
        return Cow::Borrowed(data);
    }
    let mut source = data.clone();
    source.insert("_v".into(), Value::String(version.to_string()));
    Cow::Owned(source)
}

impl Resource {
    /// Absolute keys of a record's references; `version` is the `_v` the record has.
    pub(super) fn reference_keys(&self, state: &ResourceState, id: &str, data: &Map<String, Value>, version: &str) -> Vec<String> {
        let source = key_source(state, data, version);
        state
            .partitions
            .iter()
            .filter_map(|p| p.reference_key(&state.definition.name, id, &source))
            .map(|k| self.ctx.key(&k))
            .collect()
    }

    /// Writes a new record's references. Failures are returned, not raised: the record itself
    /// is written (s3db.js reports them with `partitionIndexError`; `repairPartitions` heals).
    pub(super) async fn put_references(&self, state: &ResourceState, id: &str, data: &Map<String, Value>) -> Vec<Error> {
        let keys = self.reference_keys(state, id, data, &state.version);
        self.put_reference_keys(state, keys).await
    }

    /// After an update or replace: writes the record's current references (unchanged ones too,
    /// as s3db.js does, so a lost reference comes back) and deletes the old ones whose key changed.
    pub(super) async fn move_references(
        &self,
        state: &ResourceState,
        id: &str,
        old: Option<(&Map<String, Value>, &str)>,
        new: &Map<String, Value>,
    ) -> Vec<Error> {
        let current = self.reference_keys(state, id, new, &state.version);
        let stale: Vec<String> = match old {
            Some((data, version)) => {
                self.reference_keys(state, id, data, version).into_iter().filter(|k| !current.contains(k)).collect()
            }
            None => Vec::new(),
        };
        let mut errors = self.put_reference_keys(state, current).await;
        if let Err(error) = self.delete_keys(stale).await {
            errors.push(error);
        }
        errors
    }

    async fn put_reference_keys(&self, state: &ResourceState, keys: Vec<String>) -> Vec<Error> {
        let version = state.version.clone();
        stream::iter(keys)
            .map(|key| {
                let metadata = vec![("_v".to_string(), version.clone())];
                self.ctx.store.put(PutRequest { key, metadata, ..Default::default() })
            })
            .buffer_unordered(self.ctx.parallelism)
            .filter_map(|outcome| async move { outcome.err() })
            .collect()
            .await
    }

    /// `getFromPartition`: the record, when the partition holds a reference to it under the
    /// given values, with `_partition` and `_partitionValues` added.
    pub async fn get_from_partition(
        &self,
        id: &str,
        partition_name: &str,
        values: &Map<String, Value>,
    ) -> Result<Map<String, Value>> {
        keys::check_lookup_id(id)?;
        let state = self.state();
        let name = &state.definition.name;
        let Some(key) = state.partition(partition_name)?.key_from_values(name, id, values) else {
            return Err(Error::new(
                ErrorKind::Partition,
                format!("No partition values provided for partition '{partition_name}'"),
            )
            .with("partitionName", partition_name)
            .with("resourceName", name.clone()));
        };
        if self.ctx.store.head(&self.ctx.key(&key)).await?.is_none() {
            return Err(Error::new(
                ErrorKind::Resource,
                format!("Resource with id '{id}' not found in partition '{partition_name}'"),
            )
            .with("id", id)
            .with("partitionName", partition_name)
            .with("resourceName", name.clone()));
        }
        let mut record = self.fetch(&state, id).await?.ok_or_else(|| self.no_such_key(&state, id))?;
        record.insert("_partition".into(), json!(partition_name));
        record.insert("_partitionValues".into(), Value::Object(values.clone()));
        Ok(record)
    }

    /// `getPartitionKey`: the reference key (relative to the database) `data` would have in the
    /// partition, `None` when a field is missing. An empty `id` falls back to `data.id`.
    pub fn partition_key(&self, partition_name: &str, id: &str, data: &Map<String, Value>) -> Result<Option<String>> {
        let state = self.state();
        let partition = state.partition(partition_name)?;
        let id = match id {
            "" => data.get("id").and_then(Value::as_str).unwrap_or(""),
            given => given,
        };
        if id.is_empty() {
            return Ok(None);
        }
        Ok(partition.reference_key(&state.definition.name, id, data))
    }

    /// `findOrphanedPartitions`: partitions naming fields the attributes no longer have.
    pub fn orphaned_partitions(&self) -> Map<String, Value> {
        self.state().definition.orphaned_partitions()
    }

    /// `removeOrphanedPartitions`: drops orphaned partitions from the definition (unless
    /// `dry_run`) and returns them. The catalogue keeps them until it is next written
    /// (`uploadMetadataFile`); their stored references go with `repair_partitions`.
    pub fn remove_orphaned_partitions(&self, dry_run: bool) -> Result<Map<String, Value>> {
        let state = self.state();
        let orphaned = state.definition.orphaned_partitions();
        if dry_run || orphaned.is_empty() {
            return Ok(orphaned);
        }
        let mut definition = state.definition.clone();
        definition.partitions.retain(|name, _| !orphaned.contains_key(name));
        self.replace_state(state.redefined(definition)?);
        Ok(orphaned)
    }

    /// Rebuilds the partition references from the records: writes the missing ones and removes
    /// those no record calls for. Meant for quiet times: a record deleted while it runs may get
    /// its references back.
    pub async fn repair_partitions(&self) -> Result<PartitionRepair> {
        let state = self.state();
        let references_prefix = format!("{}/partition=", keys::resource_prefix(&state.definition.name));
        // References are listed before the records: a record inserted meanwhile then gets its
        // reference (again) rather than losing it.
        let existing = storage::list_all(self.ctx.store.as_ref(), &self.ctx.key(&references_prefix)).await?;
        let ids = self.list_ids(&ListOptions::default()).await?;
        let mut report = PartitionRepair::default();
        let mut expected = HashSet::new();
        let mut unreadable = HashSet::new();
        for chunk in ids.chunks((self.ctx.parallelism * 10).max(10)) {
            let fetched: Vec<(String, Result<Option<(Map<String, Value>, String)>>)> = stream::iter(chunk.to_vec())
                .map(|id| {
                    let state = state.clone();
                    async move {
                        let outcome = self.fetch_stored(&state, &id).await;
                        (id, outcome)
                    }
                })
                .buffered(self.ctx.parallelism)
                .collect()
                .await;
            for (id, outcome) in fetched {
                match outcome {
                    Ok(Some((record, version))) => {
                        report.records += 1;
                        expected.extend(self.reference_keys(&state, &id, &stored::user_fields(&record), &version));
                    }
                    Ok(None) => {}
                    Err(_) => {
                        report.unreadable += 1;
                        unreadable.insert(id);
                    }
                }
            }
        }
        let existing_set: HashSet<&String> = existing.iter().collect();
        let missing: Vec<String> = expected.iter().filter(|k| !existing_set.contains(k)).cloned().collect();
        let doomed: Vec<String> = existing
            .iter()
            .filter(|k| !expected.contains(*k))
            .filter(|k| !keys::id_from_key(self.ctx.relative(k)).is_some_and(|id| unreadable.contains(id)))
            .cloned()
            .collect();
        report.references = expected.len();
        report.created = missing.len();
        report.removed = doomed.len();
        if let Some(error) = self.put_reference_keys(&state, missing).await.into_iter().next() {
            return Err(error);
        }
        self.delete_keys(doomed).await?;
        Ok(report)
    }
}
