//! Helpers for the engine's unit tests: a store that can be made to fail, and databases on it.

use crate::clock::{fixed_clock, parse_iso};
use crate::error::{Error, ErrorKind, Result};
use crate::storage::memory::MemoryStore;
use crate::storage::{ListPage, ListRequest, Metadata, ObjectHead, ObjectStore, PutOutcome, PutRequest, StoredObject};
use crate::{Database, DatabaseOptions};
use futures::executor::block_on;
use futures::future::{ready, BoxFuture, FutureExt};
use parking_lot::Mutex;
use std::sync::Arc;

pub const NOW: &str = "2025-01-02T03:04:05.678Z";

/// A memory store whose puts fail for keys containing a given text, as if the process had
/// crashed (or S3 had refused) before those writes.
#[derive(Default)]
pub struct FaultyStore {
    pub inner: MemoryStore,
    failing: Mutex<Option<String>>,
}

impl FaultyStore {
    pub fn fail_puts_containing(&self, text: Option<&str>) {
        *self.failing.lock() = text.map(str::to_string);
    }

    pub fn keys(&self) -> Vec<String> {
        self.inner.keys()
    }

    pub fn body(&self, key: &str) -> Option<String> {
        block_on(self.inner.get(key)).unwrap().map(|o| String::from_utf8_lossy(&o.body).into_owned())
    }

    pub fn put_text(&self, key: &str, body: &str) {
        let request = PutRequest { key: key.into(), body: body.as_bytes().to_vec(), ..Default::default() };
        block_on(self.inner.put(request)).unwrap();
    }
}

impl ObjectStore for FaultyStore {
    fn put(&self, request: PutRequest) -> BoxFuture<'_, Result<PutOutcome>> {
        if let Some(text) = self.failing.lock().as_deref() {
            if request.key.contains(text) {
                let error = Error::new(ErrorKind::Storage, format!("simulated failure writing {}", request.key));
                return ready(Err(error)).boxed();
            }
        }
        self.inner.put(request)
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
        self.inner.delete(key)
    }
    fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, Result<usize>> {
        self.inner.delete_many(keys)
    }
    fn list(&self, request: ListRequest) -> BoxFuture<'_, Result<ListPage>> {
        self.inner.list(request)
    }
}

/// A database on `store` (no key prefix, frozen clock), connected.
pub fn connected(store: Arc<FaultyStore>, versioning_enabled: bool) -> Database {
    let options = DatabaseOptions {
        clock: fixed_clock(parse_iso(NOW).unwrap()),
        versioning_enabled,
        ..Default::default()
    };
    let db = Database::new(store, options);
    block_on(db.connect()).unwrap();
    db
}
