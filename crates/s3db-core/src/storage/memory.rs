//! In-memory object store: a sorted map per bucket, safe to share between threads.
//! Every future it returns is already complete, so callers may drive it synchronously.

use super::{
    ListPage, ListRequest, Metadata, ObjectHead, ObjectStore, PutOutcome, PutRequest, StoredObject,
};
use crate::error::{Error, ErrorKind, Result};
use futures::future::{ready, BoxFuture, FutureExt};
use parking_lot::RwLock;
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
        if request.if_absent && objects.contains_key(&request.key) {
            return PutOutcome::Conflict;
        }
        objects.insert(request.key, object);
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
}

/// What S3 counts against the 2 KB: every metadata name and value, in UTF-8 bytes.
fn metadata_bytes(metadata: &Metadata) -> usize {
    metadata.iter().map(|(k, v)| k.len() + v.len()).sum()
}

fn lower_case_names(metadata: Metadata) -> Metadata {
    metadata
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
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
    fn metadata_names_come_back_lower_cased() {
        let store = MemoryStore::new();
        let request = PutRequest {
            key: "k".into(),
            metadata: vec![("_pluginMap".into(), "x".into())],
            ..Default::default()
        };
        block_on(store.put(request)).unwrap();
        let head = block_on(store.head("k")).unwrap().unwrap();
        assert_eq!(
            head.metadata,
            vec![("_pluginmap".to_string(), "x".to_string())]
        );
        assert_eq!(head.content_type.as_deref(), Some(DEFAULT_CONTENT_TYPE));
    }

    #[test]
    fn conditional_put_refuses_to_overwrite() {
        let store = MemoryStore::new();
        let request = PutRequest {
            key: "k".into(),
            if_absent: true,
            ..Default::default()
        };
        assert!(matches!(
            block_on(store.put(request.clone())).unwrap(),
            PutOutcome::Written { .. }
        ));
        assert_eq!(block_on(store.put(request)).unwrap(), PutOutcome::Conflict);
    }

    #[test]
    fn listing_pages_through_a_prefix_in_key_order() {
        let store = MemoryStore::new();
        for i in 0..25 {
            put(&store, &format!("p/{i:02}"));
        }
        put(&store, "a");
        put(&store, "q/0");
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let page = block_on(store.list(ListRequest {
                prefix: "p/".into(),
                continuation_token: token.clone(),
                max_keys: 10,
            }))
            .unwrap();
            assert!(page.keys.len() <= 10);
            all.extend(page.keys);
            match page.next_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        assert_eq!(all.len(), 25);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            block_on(crate::storage::list_all(&store, "p/")).unwrap(),
            all
        );
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

    #[test]
    fn delete_many_counts_existing_keys() {
        let store = MemoryStore::new();
        put(&store, "a");
        put(&store, "b");
        let removed =
            block_on(store.delete_many(vec!["a".into(), "b".into(), "c".into()])).unwrap();
        assert_eq!(removed, 2);
        assert!(store.is_empty());
    }

    #[test]
    fn copy_replaces_metadata_when_asked() {
        let store = MemoryStore::new();
        put(&store, "a");
        assert!(
            block_on(store.copy("a", "b", Some(vec![("X".into(), "1".into())]), None)).unwrap()
        );
        assert!(!block_on(store.copy("missing", "c", None, None)).unwrap());
        let head = block_on(store.head("b")).unwrap().unwrap();
        assert_eq!(head.metadata, vec![("x".to_string(), "1".to_string())]);
    }
}
