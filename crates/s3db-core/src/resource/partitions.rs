//! Partition references of a resource: written, moved and deleted with the records, read
//! through (`getFromPartition`), and kept healthy: orphaned partition definitions, and a repair
//! that rebuilds the references from the records (after a crash between a record write and
//! its reference writes, or references lost any other way).

use super::{ListOptions, Resource, ResourceState};
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

    /// After an update or replace: writes the references whose key changed and deletes the old ones.
    pub(super) async fn move_references(
        &self,
        state: &ResourceState,
        id: &str,
        old: Option<(&Map<String, Value>, &str)>,
        new: &Map<String, Value>,
    ) -> Vec<Error> {
        let current = self.reference_keys(state, id, new, &state.version);
        let previous = old.map(|(data, version)| self.reference_keys(state, id, data, version)).unwrap_or_default();
        let stale: Vec<String> = previous.iter().filter(|k| !current.contains(k)).cloned().collect();
        // Unchanged references are left alone: an update costs 1 GET + 1 PUT unless a partition
        // value moved (repairPartitions() rebuilds references that went missing).
        let fresh: Vec<String> = current.into_iter().filter(|k| !previous.contains(k)).collect();
        let mut errors = self.put_reference_keys(state, fresh).await;
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
        let mut record = self.fetch::<Map<String, Value>>(&state, id).await?.ok_or_else(|| self.no_such_key(&state, id))?;
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

    /// `updateAttributes`: the resource validates and encodes with `attributes` from now on
    /// (timestamp fields kept when the resource has timestamps). Partitions naming fields that
    /// are gone stay, as orphaned partitions. The catalogue is written by `uploadMetadataFile`.
    pub fn update_attributes(&self, attributes: Map<String, Value>) -> Result<()> {
        let state = self.state();
        let mut definition = state.definition.clone();
        definition.attributes = attributes;
        if definition.timestamps {
            definition.add_timestamp_fields();
        }
        self.replace_state(state.redefined(definition)?);
        Ok(())
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
                        let outcome = self.fetch_partition_fields(&state, &id).await;
                        (id, outcome)
                    }
                })
                .buffered(self.ctx.parallelism)
                .collect()
                .await;
            for (id, outcome) in fetched {
                match outcome {
                    Ok(Some((fields, version))) => {
                        report.records += 1;
                        expected.extend(self.reference_keys(&state, &id, &fields, &version));
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

#[cfg(test)]
mod tests {
    use crate::resource::{ListOptions, Resource};
    use crate::testing::{connected, FaultyStore};
    use crate::ErrorKind;
    use futures::executor::block_on;
    use serde_json::{json, Map, Value};
    use std::sync::Arc;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn orders(store: Arc<FaultyStore>) -> (crate::Database, Arc<Resource>) {
        let db = connected(store, false);
        let config = json!({
            "name": "orders",
            "attributes": {"region": "string", "category": "string", "utm": {"source": "string|optional"}},
            "partitions": {
                "byRegion": {"fields": {"region": "string"}},
                "byRegionCategory": {"fields": {"region": "string", "category": "string"}},
                "byUtmSource": {"fields": {"utm.source": "string"}},
            },
        });
        let resource = block_on(db.create_resource(&config)).unwrap();
        for (id, region, category, source) in [("o1", "US", "books", "google"), ("o2", "US", "games", "bing"), ("o3", "BR", "books", "google")] {
            let doc = json!({"id": id, "region": region, "category": category, "utm": {"source": source}});
            let outcome = block_on(resource.insert(map(doc))).unwrap();
            assert!(outcome.partition_errors.is_empty());
        }
        (db, resource)
    }

    fn ids(resource: &Resource, partition: &str, values: Value) -> Vec<String> {
        let options = ListOptions { partition: Some(partition.into()), partition_values: map(values), ..Default::default() };
        let ids = block_on(resource.list_ids(&options)).unwrap();
        assert_eq!(block_on(resource.count(&options)).unwrap(), ids.len(), "count agrees with listIds");
        ids
    }

    fn references_of(store: &FaultyStore, id: &str) -> Vec<String> {
        store.keys().into_iter().filter(|k| k.contains("/partition=") && k.ends_with(&format!("/id={id}"))).collect()
    }

    #[test]
    fn composite_and_nested_partitions() {
        let store = Arc::new(FaultyStore::default());
        let (_db, orders) = orders(store.clone());
        assert_eq!(
            references_of(&store, "o1"),
            vec![
                "resource=orders/partition=byRegion/region=US/id=o1",
                "resource=orders/partition=byRegionCategory/category=books/region=US/id=o1",
                "resource=orders/partition=byUtmSource/utm.source=google/id=o1",
            ]
        );
        assert_eq!(ids(&orders, "byRegionCategory", json!({"region": "US", "category": "books"})), ["o1"]);
        // Fields are sorted (category first): a value for region alone filters, it does not list all.
        assert_eq!(ids(&orders, "byRegionCategory", json!({"region": "US"})), ["o1", "o2"]);
        assert_eq!(ids(&orders, "byRegionCategory", json!({"category": "books"})), ["o3", "o1"], "key order");
        assert_eq!(ids(&orders, "byRegionCategory", json!({})), ["o3", "o1", "o2"]);
        // byRegion does not see byRegionCategory's keys.
        assert_eq!(ids(&orders, "byRegion", json!({"region": "US"})), ["o1", "o2"]);
        assert_eq!(ids(&orders, "byRegion", json!({})), ["o3", "o1", "o2"], "3, not the 6 of both partitions");
        assert_eq!(ids(&orders, "byUtmSource", json!({"utm.source": "google"})), ["o1", "o3"]);
        assert_eq!(ids(&orders, "byUtmSource", json!({"utm": {"source": "bing"}})), ["o2"]);
        let unknown = ListOptions { partition: Some("nope".into()), ..Default::default() };
        assert_eq!(block_on(orders.list_ids(&unknown)).unwrap_err().message, "Partition 'nope' not found");
    }

    #[test]
    fn updates_move_references_and_deletes_remove_them() {
        let store = Arc::new(FaultyStore::default());
        let (_db, orders) = orders(store.clone());
        block_on(orders.update("o1", map(json!({"region": "BR"})))).unwrap();
        assert_eq!(ids(&orders, "byRegion", json!({"region": "US"})), ["o2"]);
        assert_eq!(ids(&orders, "byRegion", json!({"region": "BR"})), ["o1", "o3"]);
        assert_eq!(
            references_of(&store, "o1"),
            vec![
                "resource=orders/partition=byRegion/region=BR/id=o1",
                "resource=orders/partition=byRegionCategory/category=books/region=BR/id=o1",
                "resource=orders/partition=byUtmSource/utm.source=google/id=o1",
            ],
            "old references gone, the sibling partition's reference kept"
        );
        block_on(orders.update("o2", map(json!({"utm": {"source": null}})))).unwrap();
        assert_eq!(ids(&orders, "byUtmSource", json!({"utm.source": "bing"})), Vec::<String>::new());
        block_on(orders.delete("o1", false)).unwrap();
        assert!(references_of(&store, "o1").is_empty());
        assert_eq!(ids(&orders, "byRegion", json!({"region": "BR"})), ["o3"]);
        block_on(orders.delete_many(&["o2".into(), "o3".into()])).unwrap();
        assert!(store.keys().iter().all(|k| !k.contains("/partition=")));
    }

    #[test]
    fn repair_after_a_crash_between_the_record_and_its_references() {
        let store = Arc::new(FaultyStore::default());
        let (_db, orders) = orders(store.clone());
        // The "crash": the record is written, its reference writes are not.
        store.fail_puts_containing(Some("/partition="));
        let outcome = block_on(orders.insert(map(json!({"id": "o4", "region": "US", "category": "books"})))).unwrap();
        assert_eq!(outcome.partition_errors.len(), 2, "reported, not raised");
        assert_eq!(outcome.record["region"], "US");
        let updated = block_on(orders.update("o3", map(json!({"region": "EU"})))).unwrap();
        assert!(!updated.partition_errors.is_empty());
        store.fail_puts_containing(None);
        assert_eq!(ids(&orders, "byRegionCategory", json!({"region": "US", "category": "books"})), ["o1"]);
        // A record deleted without its references, and a reference with a stale value.
        block_on(crate::storage::ObjectStore::delete(&store.inner, "resource=orders/data/id=o2")).unwrap();
        store.put_text("resource=orders/partition=byRegion/region=XX/id=o1", "");
        store.put_text("resource=orders/partition=byGone/x=1/id=o1", "");

        let report = block_on(orders.repair_partitions()).unwrap();
        assert_eq!(report.records, 3);
        assert_eq!(report.references, 8);
        assert_eq!(report.created, 4, "o4's two references, o3's two EU ones");
        // (The failed update of o3 already removed its BR references.)
        assert_eq!(report.removed, 5, "o2's three, the stale one, the undefined partition's");
        assert_eq!(report.unreadable, 0);
        assert_eq!(ids(&orders, "byRegionCategory", json!({"region": "US", "category": "books"})), ["o1", "o4"]);
        assert_eq!(ids(&orders, "byRegion", json!({"region": "EU"})), ["o3"]);
        assert!(references_of(&store, "o2").is_empty());
        let again = block_on(orders.repair_partitions()).unwrap();
        assert_eq!((again.created, again.removed), (0, 0), "a second repair finds nothing to do");
    }

    #[test]
    fn get_from_partition_and_its_errors() {
        let store = Arc::new(FaultyStore::default());
        let (_db, orders) = orders(store);
        let values = map(json!({"region": "US", "category": "books"}));
        let record = block_on(orders.get_from_partition("o1", "byRegionCategory", &values)).unwrap();
        assert_eq!(record["id"], "o1");
        assert_eq!(record["_partition"], "byRegionCategory");
        assert_eq!(record["_partitionValues"], Value::Object(values.clone()));
        let err = block_on(orders.get_from_partition("o1", "nope", &values)).unwrap_err();
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Partition, "Partition 'nope' not found"));
        let err = block_on(orders.get_from_partition("o1", "byRegion", &Map::new())).unwrap_err();
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Partition, "No partition values provided for partition 'byRegion'"));
        let err = block_on(orders.get_from_partition("o3", "byRegion", &map(json!({"region": "US"})))).unwrap_err();
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Resource, "Resource with id 'o3' not found in partition 'byRegion'"));
    }

    #[test]
    fn partition_keys_as_s3db_computes_them() {
        let store = Arc::new(FaultyStore::default());
        let (_db, orders) = orders(store);
        let data = map(json!({"region": "US", "category": "books"}));
        assert_eq!(
            orders.partition_key("byRegionCategory", "x", &data).unwrap().as_deref(),
            Some("resource=orders/partition=byRegionCategory/category=books/region=US/id=x")
        );
        assert_eq!(orders.partition_key("byUtmSource", "x", &data).unwrap(), None);
        let with_id = map(json!({"id": "y", "region": "US"}));
        assert_eq!(orders.partition_key("byRegion", "", &with_id).unwrap().as_deref(), Some("resource=orders/partition=byRegion/region=US/id=y"));
        assert_eq!(orders.partition_key("nope", "x", &data).unwrap_err().kind, ErrorKind::Partition);
    }

    #[test]
    fn orphaned_partitions_are_found_removed_and_their_references_cleaned() {
        let store = Arc::new(FaultyStore::default());
        {
            let (_db, _orders) = orders(store.clone());
        }
        // A version v2 without `region` whose partitions still name it (as an s3db.js process
        // with strictValidation off leaves it).
        let mut doc: Value = serde_json::from_str(&store.body("s3db.json").unwrap()).unwrap();
        let mut v2 = doc["resources"]["orders"]["versions"]["v1"].clone();
        v2["attributes"].as_object_mut().unwrap().remove("region");
        doc["resources"]["orders"]["versions"]["v2"] = v2;
        doc["resources"]["orders"]["currentVersion"] = json!("v2");
        store.put_text("s3db.json", &doc.to_string());

        let db = connected(store.clone(), false);
        let orders = db.resource("orders").expect("loaded despite the orphans");
        let orphaned = orders.orphaned_partitions();
        assert_eq!(orphaned.keys().collect::<Vec<_>>(), ["byRegion", "byRegionCategory"]);
        assert_eq!(orphaned["byRegionCategory"]["missingFields"], json!(["region"]));
        assert_eq!(orphaned["byRegionCategory"]["allFields"], json!(["region", "category"]));
        assert_eq!(orphaned["byRegion"]["definition"], json!({"fields": {"region": "string"}}));

        assert_eq!(orders.remove_orphaned_partitions(true).unwrap(), orphaned);
        assert_eq!(orders.state().partitions.len(), 3, "a dry run changes nothing");
        assert_eq!(orders.remove_orphaned_partitions(false).unwrap(), orphaned);
        assert_eq!(orders.state().partitions.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["byUtmSource"]);
        assert!(orders.orphaned_partitions().is_empty());

        let changes = block_on(db.upload_metadata()).unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!((changes[0].old_version.as_str(), changes[0].new_version.as_str()), ("v2", "v3"));
        let saved: Value = serde_json::from_str(&store.body("s3db.json").unwrap()).unwrap();
        assert_eq!(saved["resources"]["orders"]["partitions"], json!({"byUtmSource": {"fields": {"utm.source": "string"}}}));

        let report = block_on(orders.repair_partitions()).unwrap();
        assert_eq!((report.created, report.removed), (0, 6), "the references of both removed partitions, nothing else");
        assert!(store.keys().iter().all(|k| !k.contains("partition=byRegion")));
        assert_eq!(ids(&orders, "byUtmSource", json!({"utm.source": "google"})), ["o1", "o3"]);
    }

    #[test]
    fn versioned_databases_keep_by_version_references() {
        let store = Arc::new(FaultyStore::default());
        let db = connected(store.clone(), true);
        let stock = block_on(db.create_resource(&json!({"name": "stock", "attributes": {"name": "string"}}))).unwrap();
        block_on(stock.insert(map(json!({"id": "s1", "name": "Widget"})))).unwrap();
        assert_eq!(references_of(&store, "s1"), ["resource=stock/partition=byVersion/_v=v1/id=s1"]);
        let config = json!({"name": "stock", "attributes": {"name": "string", "note": "string|optional"}});
        block_on(db.create_resource(&config)).unwrap();
        assert_eq!(ids(&stock, "byVersion", json!({"_v": "v1"})), ["s1"]);
        block_on(stock.update("s1", map(json!({"note": "moved"})))).unwrap();
        assert_eq!(references_of(&store, "s1"), ["resource=stock/partition=byVersion/_v=v2/id=s1"]);
    }
}
