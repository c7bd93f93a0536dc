//! Request counting for any store: what S3 would bill, by command.

use super::{
    ListPage, ListRequest, Metadata, ObjectHead, ObjectStore, PutOutcome, PutRequest, StoredObject,
};
use crate::error::Result;
use futures::future::BoxFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Requests answered so far, one counter per S3 command.
#[derive(Default)]
pub struct RequestCounts {
    put: AtomicU64,
    get: AtomicU64,
    head: AtomicU64,
    copy: AtomicU64,
    delete: AtomicU64,
    delete_many: AtomicU64,
    list: AtomicU64,
}

impl RequestCounts {
    /// `(S3 command name, count)`.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        vec![
            ("PutObjectCommand", read(&self.put)),
            ("GetObjectCommand", read(&self.get)),
            ("HeadObjectCommand", read(&self.head)),
            ("CopyObjectCommand", read(&self.copy)),
            ("DeleteObjectCommand", read(&self.delete)),
            ("DeleteObjectsCommand", read(&self.delete_many)),
            ("ListObjectsV2Command", read(&self.list)),
        ]
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Wraps a store and counts every request it is asked to answer.
pub struct Counted<S: ?Sized> {
    counts: RequestCounts,
    inner: Arc<S>,
}

impl<S: ObjectStore + ?Sized> Counted<S> {
    pub fn new(inner: Arc<S>) -> Self {
        Self {
            counts: RequestCounts::default(),
            inner,
        }
    }

    pub fn counts(&self) -> &RequestCounts {
        &self.counts
    }

    pub fn inner(&self) -> &Arc<S> {
        &self.inner
    }
}

impl<S: ObjectStore + Default> Default for Counted<S> {
    fn default() -> Self {
        Self::new(Arc::new(S::default()))
    }
}

impl<S: ObjectStore + ?Sized> ObjectStore for Counted<S> {
    fn put(&self, request: PutRequest) -> BoxFuture<'_, Result<PutOutcome>> {
        bump(&self.counts.put);
        self.inner.put(request)
    }

    fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Arc<StoredObject>>>> {
        bump(&self.counts.get);
        self.inner.get(key)
    }

    fn head(&self, key: &str) -> BoxFuture<'_, Result<Option<ObjectHead>>> {
        bump(&self.counts.head);
        self.inner.head(key)
    }

    fn copy(
        &self,
        from: &str,
        to: &str,
        metadata: Option<Metadata>,
        content_type: Option<String>,
    ) -> BoxFuture<'_, Result<bool>> {
        bump(&self.counts.copy);
        self.inner.copy(from, to, metadata, content_type)
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, Result<()>> {
        bump(&self.counts.delete);
        self.inner.delete(key)
    }

    fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, Result<usize>> {
        bump(&self.counts.delete_many);
        self.inner.delete_many(keys)
    }

    fn list(&self, request: ListRequest) -> BoxFuture<'_, Result<ListPage>> {
        bump(&self.counts.list);
        self.inner.list(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::memory::MemoryStore;
    use futures::executor::block_on;

    #[test]
    fn counts_each_command() {
        let store = Counted::new(Arc::new(MemoryStore::new()));
        block_on(store.put(PutRequest {
            key: "a".into(),
            ..Default::default()
        }))
        .unwrap();
        block_on(store.get("a")).unwrap();
        block_on(store.get("b")).unwrap();
        block_on(store.delete_many(vec!["a".into()])).unwrap();
        let counts: std::collections::HashMap<_, _> =
            store.counts().snapshot().into_iter().collect();
        assert_eq!(counts["PutObjectCommand"], 1);
        assert_eq!(counts["GetObjectCommand"], 2);
        assert_eq!(counts["DeleteObjectsCommand"], 1);
        assert_eq!(counts["ListObjectsV2Command"], 0);
    }
}
