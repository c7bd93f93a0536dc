//! A store that hands every request to another store after showing its writes to a hook,
//! which may refuse them: for instrumentation, and for tests that log writes or simulate a
//! crash between two writes.

use super::{ListPage, ListRequest, Metadata, ObjectHead, ObjectStore, PutOutcome, PutRequest, StoredObject};
use crate::error::Result;
use futures::future::{ready, BoxFuture, FutureExt};
use std::sync::Arc;

/// A write about to reach the inner store.
pub enum Write<'a> {
    Put(&'a PutRequest),
    Delete(&'a str),
    DeleteMany(&'a [String]),
}

/// Sees each write first; an error refuses it (the inner store is not called).
pub trait WriteHook: Send + Sync {
    fn before(&self, write: Write<'_>) -> Result<()>;
}

#[derive(Default)]
pub struct InterceptedStore<S, H> {
    pub inner: S,
    pub hook: H,
}

impl<S: ObjectStore, H: WriteHook> ObjectStore for InterceptedStore<S, H> {
    fn put(&self, request: PutRequest) -> BoxFuture<'_, Result<PutOutcome>> {
        match self.hook.before(Write::Put(&request)) {
            Ok(()) => self.inner.put(request),
            Err(error) => ready(Err(error)).boxed(),
        }
    }
    fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Arc<StoredObject>>>> {
        self.inner.get(key)
    }
    fn head(&self, key: &str) -> BoxFuture<'_, Result<Option<ObjectHead>>> {
        self.inner.head(key)
    }
    fn copy(&self, from: &str, to: &str, metadata: Option<Metadata>, content_type: Option<String>) -> BoxFuture<'_, Result<bool>> {
        self.inner.copy(from, to, metadata, content_type)
    }
    fn delete(&self, key: &str) -> BoxFuture<'_, Result<()>> {
        match self.hook.before(Write::Delete(key)) {
            Ok(()) => self.inner.delete(key),
            Err(error) => ready(Err(error)).boxed(),
        }
    }
    fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, Result<usize>> {
        match self.hook.before(Write::DeleteMany(&keys)) {
            Ok(()) => self.inner.delete_many(keys),
            Err(error) => ready(Err(error)).boxed(),
        }
    }
    fn list(&self, request: ListRequest) -> BoxFuture<'_, Result<ListPage>> {
        self.inner.list(request)
    }

    fn answers_at_once(&self) -> bool {
        self.inner.answers_at_once()
    }
}
