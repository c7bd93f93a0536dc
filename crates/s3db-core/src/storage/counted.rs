//! Request counting for stores that do not count themselves (memory, filesystem): every
//! request the wrapper passes on is recorded by S3 command.

use super::{
    ListPage, ListRequest, Metadata, ObjectHead, ObjectStore, PutOutcome, PutRequest, StoredObject,
};
use super::requests::{Command, RequestCounts};
use crate::error::Result;
use futures::future::BoxFuture;
use std::sync::Arc;

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
        self.counts.record(Command::Put);
        self.counts.record_upload(request.upload_size());
        self.inner.put(request)
    }

    fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Arc<StoredObject>>>> {
        self.counts.record(Command::Get);
        let answer = self.inner.get(key);
        Box::pin(async move {
            let object = answer.await?;
            if let Some(object) = &object {
                self.counts.record_download(object.body.len());
            }
            Ok(object)
        })
    }

    fn head(&self, key: &str) -> BoxFuture<'_, Result<Option<ObjectHead>>> {
        self.counts.record(Command::Head);
        self.inner.head(key)
    }

    fn copy(
        &self,
        from: &str,
        to: &str,
        metadata: Option<Metadata>,
        content_type: Option<String>,
    ) -> BoxFuture<'_, Result<bool>> {
        self.counts.record(Command::Copy);
        self.inner.copy(from, to, metadata, content_type)
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, Result<()>> {
        self.counts.record(Command::Delete);
        self.inner.delete(key)
    }

    fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, Result<usize>> {
        self.counts.record(Command::DeleteMany);
        self.inner.delete_many(keys)
    }

    fn list(&self, request: ListRequest) -> BoxFuture<'_, Result<ListPage>> {
        self.counts.record(Command::List);
        self.inner.list(request)
    }

    fn answers_at_once(&self) -> bool {
        self.inner.answers_at_once()
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
