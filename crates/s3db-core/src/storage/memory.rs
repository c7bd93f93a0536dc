//! In-memory object store: a sorted map per bucket, safe to share between threads.
//! Every future it returns is already complete, so callers may drive it synchronously.

use super::requests::{Command, RequestCounts};
use super::{ListPage, ListRequest, Metadata, ObjectHead, ObjectStore, PutOutcome, PutRequest, StoredObject};
use crate::error::Result;
use futures::future::{ready, BoxFuture, FutureExt};
use parking_lot::RwLock;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// ETag of an empty body, as S3 reports it (MD5 of nothing).
const EMPTY_ETAG: &str = "\"d41d8cd98f00b204e9800998ecf8427e\"";
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

#[derive(Default)]
pub struct MemoryStore {
    objects: RwLock<BTreeMap<String, Arc<StoredObject>>>,
    requests: RequestCounts,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored objects.
    pub fn len(&self) -> usize {
        self.objects.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn requests(&self) -> &RequestCounts {
        &self.requests
    }

    /// Every key, in order (for tests and snapshots).
    pub fn keys(&self) -> Vec<String> {
        self.objects.read().keys().cloned().collect()
    }

    fn put_now(&self, request: PutRequest) -> PutOutcome {
        let etag = etag_of(&request.body);
        let object = Arc::new(StoredObject {
            head: ObjectHead {
                metadata: lower_case_names(request.metadata),
                content_type: Some(request.content_type.unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_string())),
                content_length: request.body.len() as u64,
                last_modified_ms: now_ms(),
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

    fn copy_now(&self, from: &str, to: &str, metadata: Option<Metadata>, content_type: Option<String>) -> bool {
        let mut objects = self.objects.write();
        let Some(source) = objects.get(from).cloned() else { return false };
        let mut head = source.head.clone();
        if let Some(metadata) = metadata {
            head.metadata = lower_case_names(metadata);
        }
        if let Some(content_type) = content_type {
            head.content_type = Some(content_type);
        }
        head.last_modified_ms = now_ms();
        objects.insert(to.to_string(), Arc::new(StoredObject { head, body: source.body.clone() }));
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
        self.requests.record(Command::Put);
        ready(Ok(self.put_now(request))).boxed()
    }

    fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Arc<StoredObject>>>> {
        self.requests.record(Command::Get);
        let found = self.objects.read().get(key).cloned();
        ready(Ok(found)).boxed()
    }

    fn head(&self, key: &str) -> BoxFuture<'_, Result<Option<ObjectHead>>> {
        self.requests.record(Command::Head);
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
        self.requests.record(Command::Copy);
        ready(Ok(self.copy_now(from, to, metadata, content_type))).boxed()
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, Result<()>> {
        self.requests.record(Command::Delete);
        self.objects.write().remove(key);
        ready(Ok(())).boxed()
    }

    fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, Result<usize>> {
        self.requests.record(Command::DeleteMany);
        let mut objects = self.objects.write();
        let removed = keys.iter().filter(|k| objects.remove(k.as_str()).is_some()).count();
        ready(Ok(removed)).boxed()
    }

    fn list(&self, request: ListRequest) -> BoxFuture<'_, Result<ListPage>> {
        self.requests.record(Command::List);
        ready(Ok(self.list_now(&request))).boxed()
    }
}

fn lower_case_names(metadata: Metadata) -> Metadata {
    metadata.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect()
}

fn etag_of(body: &[u8]) -> String {
    if body.is_empty() {
        return EMPTY_ETAG.to_string();
    }
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    fn put(store: &MemoryStore, key: &str) {
        block_on(store.put(PutRequest { key: key.into(), ..Default::default() })).unwrap();
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
        assert_eq!(head.metadata, vec![("_pluginmap".to_string(), "x".to_string())]);
        assert_eq!(head.content_type.as_deref(), Some(DEFAULT_CONTENT_TYPE));
    }

    #[test]
    fn conditional_put_refuses_to_overwrite() {
        let store = MemoryStore::new();
        let request = PutRequest { key: "k".into(), if_absent: true, ..Default::default() };
        assert!(matches!(block_on(store.put(request.clone())).unwrap(), PutOutcome::Written { .. }));
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
        assert_eq!(block_on(crate::storage::list_all(&store, "p/")).unwrap(), all);
    }

    #[test]
    fn delete_many_counts_existing_keys() {
        let store = MemoryStore::new();
        put(&store, "a");
        put(&store, "b");
        let removed = block_on(store.delete_many(vec!["a".into(), "b".into(), "c".into()])).unwrap();
        assert_eq!(removed, 2);
        assert!(store.is_empty());
    }

    #[test]
    fn copy_replaces_metadata_when_asked() {
        let store = MemoryStore::new();
        put(&store, "a");
        assert!(block_on(store.copy("a", "b", Some(vec![("X".into(), "1".into())]), None)).unwrap());
        assert!(!block_on(store.copy("missing", "c", None, None)).unwrap());
        let head = block_on(store.head("b")).unwrap().unwrap();
        assert_eq!(head.metadata, vec![("x".to_string(), "1".to_string())]);
    }
}
