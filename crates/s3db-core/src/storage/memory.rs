//! In-memory object store: a sorted map per bucket, safe to share between threads.
//! Every future it returns is already complete, so callers may drive it synchronously.

use super::{
    ListPage, ListRequest, Metadata, ObjectHead, ObjectStore, PutOutcome, PutRequest, StoredObject,
};
use crate::error::{Error, ErrorKind, Result};
use futures::future::{ready, BoxFuture, FutureExt};
use parking_lot::RwLock;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

/// ETag of an empty body, as S3 reports it (MD5 of nothing).
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

#[derive(Default)]
pub struct MemoryStore {
    objects: RwLock<BTreeMap<String, Arc<StoredObject>>>,
    limits: Option<Limits>,
}

/// S3's limits, enforced when a MemoryClient is created with `enforceLimits`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of user metadata (names and values) per object.
    pub metadata_bytes: usize,
    /// Bytes of body per object.
    pub object_bytes: u64,
}

/// A point-in-time copy of a store's objects (cheap: objects are shared, not copied).
#[derive(Clone, Default)]
pub struct Snapshot {
    objects: BTreeMap<String, Arc<StoredObject>>,
}

impl Snapshot {
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub fn objects(&self) -> impl Iterator<Item = (&String, &StoredObject)> {
        self.objects.iter().map(|(k, v)| (k, v.as_ref()))
    }

    pub fn from_objects(objects: impl IntoIterator<Item = (String, StoredObject)>) -> Self {
        Self {
            objects: objects.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
        }
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits: Some(limits),
            ..Self::default()
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            objects: self.objects.read().clone(),
        }
    }

    /// Replaces every object with the snapshot's.
    pub fn restore(&self, snapshot: &Snapshot) {
        *self.objects.write() = snapshot.objects.clone();
    }

    pub fn clear(&self) {
        self.objects.write().clear();
    }

    /// Bytes of bodies and metadata held.
    pub fn total_size(&self) -> u64 {
        self.objects
            .read()
            .values()
            .map(|o| o.head.content_length + metadata_bytes(&o.head.metadata) as u64)
            .sum()
    }

    fn check_limits(&self, request: &PutRequest) -> Result<()> {
        let Some(limits) = self.limits else {
            return Ok(());
        };
        let size = metadata_bytes(&request.metadata);
        if size > limits.metadata_bytes {
            return Err(Error::new(
                ErrorKind::MetadataLimit,
                format!(
                    "Metadata size ({size} bytes) exceeds limit of {} bytes",
                    limits.metadata_bytes
                ),
            )
            .with("key", request.key.clone()));
        }
        if request.body.len() as u64 > limits.object_bytes {
            return Err(Error::new(
                ErrorKind::Storage,
                format!(
                    "Object size ({} bytes) exceeds limit of {} bytes",
                    request.body.len(),
                    limits.object_bytes
                ),
            )
            .named("EntityTooLarge")
            .with("key", request.key.clone()));
        }
        Ok(())
    }

    /// Number of stored objects.
    pub fn len(&self) -> usize {
        self.objects.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every key, in order (for tests and snapshots).
    pub fn keys(&self) -> Vec<String> {
        self.objects.read().keys().cloned().collect()
    }

    fn put_now(&self, request: PutRequest) -> PutOutcome {
        let etag = super::etag_of(&request.body);
        let object = Arc::new(StoredObject {
            head: ObjectHead {
                metadata: lower_case_names(request.metadata),
                content_type: Some(
                    request
                        .content_type
                        .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_string()),
                ),
                content_length: request.body.len() as u64,
                last_modified_ms: crate::clock::now_ms(),
                etag: etag.clone(),
            },
            body: request.body,
        });
        let mut objects = self.objects.write();
        // One walk of the tree for the check and the write.
        match objects.entry(request.key) {
            Entry::Occupied(_) if request.if_absent => return PutOutcome::Conflict,
            Entry::Occupied(mut current) => {
                if request.if_match.as_deref().is_some_and(|expected| !super::same_etag(&current.get().head.etag, expected)) {
                    return PutOutcome::Conflict;
                }
                current.insert(object);
            }
            Entry::Vacant(_) if request.if_match.is_some() => return PutOutcome::Conflict,
            Entry::Vacant(slot) => {
                slot.insert(object);
            }
        }
        PutOutcome::Written { etag }
    }

    fn copy_now(
        &self,
        from: &str,
        to: &str,
        metadata: Option<Metadata>,
        content_type: Option<String>,
    ) -> bool {
        let mut objects = self.objects.write();
        let Some(source) = objects.get(from).cloned() else {
            return false;
        };
        let mut head = source.head.clone();
        if let Some(metadata) = metadata {
            head.metadata = lower_case_names(metadata);
        }
        if let Some(content_type) = content_type {
            head.content_type = Some(content_type);
        }
        head.last_modified_ms = crate::clock::now_ms();
        objects.insert(
            to.to_string(),
            Arc::new(StoredObject {
                head,
                body: source.body.clone(),
            }),
        );
        true
    }

    fn list_now(&self, request: &ListRequest) -> ListPage {
        let objects = self.objects.read();
        let start = match &request.continuation_token {
            Some(after) => Bound::Excluded(after.clone()),
            None => Bound::Included(request.prefix.clone()),
        };
        let max = request.max_keys.clamp(1, 1000);
        let mut keys = Vec::with_capacity(max.min(objects.len()));
        let mut more = false;
        for key in objects.range((start, Bound::Unbounded)).map(|(k, _)| k) {
            if !key.starts_with(&request.prefix) {
                break;
            }
            if keys.len() == max {
                more = true;
                break;
            }
            keys.push(key.clone());
        }
        let next_token = if more { keys.last().cloned() } else { None };
        ListPage { keys, next_token }
    }
}

impl ObjectStore for MemoryStore {
    fn put(&self, request: PutRequest) -> BoxFuture<'_, Result<PutOutcome>> {
        ready(self.check_limits(&request).map(|()| self.put_now(request))).boxed()
    }

    fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Arc<StoredObject>>>> {
        let found = self.objects.read().get(key).cloned();
        ready(Ok(found)).boxed()
    }

    fn head(&self, key: &str) -> BoxFuture<'_, Result<Option<ObjectHead>>> {
        let found = self.objects.read().get(key).map(|o| o.head.clone());
        ready(Ok(found)).boxed()
    }

    fn copy(
        &self,
        from: &str,
        to: &str,
        metadata: Option<Metadata>,
        content_type: Option<String>,
    ) -> BoxFuture<'_, Result<bool>> {
        ready(Ok(self.copy_now(from, to, metadata, content_type))).boxed()
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, Result<()>> {
        self.objects.write().remove(key);
        ready(Ok(())).boxed()
    }

    fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, Result<usize>> {
        let mut objects = self.objects.write();
        let removed = keys
            .iter()
            .filter(|k| objects.remove(k.as_str()).is_some())
            .count();
        ready(Ok(removed)).boxed()
    }

    fn list(&self, request: ListRequest) -> BoxFuture<'_, Result<ListPage>> {
        ready(Ok(self.list_now(&request))).boxed()
    }

    fn answers_at_once(&self) -> bool {
        true
    }
}

/// What S3 counts against the 2 KB: every metadata name and value, in UTF-8 bytes.
fn metadata_bytes(metadata: &Metadata) -> usize {
    metadata.iter().map(|(k, v)| k.len() + v.len()).sum()
}

fn lower_case_names(mut metadata: Metadata) -> Metadata {
    for (name, _) in &mut metadata {
        name.make_ascii_lowercase();
    }
    metadata
}



#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    fn put(store: &MemoryStore, key: &str) {
        block_on(store.put(PutRequest {
            key: key.into(),
            ..Default::default()
        }))
        .unwrap();
    }

    #[test]
    fn behaves_like_every_object_store() {
        crate::storage::conformance::check_all(&MemoryStore::new());
    }

    #[test]
    fn snapshots_are_isolated_from_later_writes() {
        let store = MemoryStore::new();
        put(&store, "a");
        let snapshot = store.snapshot();
        put(&store, "b");
        block_on(store.delete("a")).unwrap();
        store.restore(&snapshot);
        assert_eq!(store.keys(), vec!["a".to_string()]);
        store.clear();
        assert!(store.is_empty());
        assert_eq!(snapshot.len(), 1);
    }

    #[test]
    fn limits_refuse_oversized_metadata_and_bodies() {
        let store = MemoryStore::with_limits(Limits {
            metadata_bytes: 10,
            object_bytes: 4,
        });
        let big_metadata = PutRequest {
            key: "k".into(),
            metadata: vec![("name".into(), "0123456789".into())],
            ..Default::default()
        };
        let err = block_on(store.put(big_metadata)).unwrap_err();
        assert_eq!(
            err.message,
            "Metadata size (14 bytes) exceeds limit of 10 bytes"
        );
        let big_body = PutRequest {
            key: "k".into(),
            body: b"12345".to_vec(),
            ..Default::default()
        };
        assert!(block_on(store.put(big_body)).is_err());
        assert!(store.is_empty());
    }

}
