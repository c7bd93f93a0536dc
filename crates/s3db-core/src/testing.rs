//! Helpers for the engine's unit tests: a store that can be made to fail, and databases on it.

use crate::clock::{fixed_clock, parse_iso};
use crate::error::{Error, ErrorKind, Result};
use crate::storage::intercept::{InterceptedStore, Write, WriteHook};
use crate::storage::counted::Counted;
use crate::storage::memory::MemoryStore;
use crate::storage::{ObjectStore, PutRequest};
use crate::{Database, DatabaseOptions};
use futures::executor::block_on;
use parking_lot::Mutex;
use std::sync::Arc;

pub const NOW: &str = "2025-01-02T03:04:05.678Z";

/// Refuses puts to keys containing a given text, as if the process had crashed (or S3 had
/// refused) before those writes.
#[derive(Default)]
pub struct FailingPuts(Mutex<Option<String>>);

impl WriteHook for FailingPuts {
    fn before(&self, write: Write<'_>) -> Result<()> {
        match (write, self.0.lock().as_deref()) {
            (Write::Put(request), Some(text)) if request.key.contains(text) => {
                Err(Error::new(ErrorKind::Storage, format!("simulated failure writing {}", request.key)))
            }
            _ => Ok(()),
        }
    }
}

/// A memory store whose puts can be made to fail.
pub type FaultyStore = InterceptedStore<Counted<MemoryStore>, FailingPuts>;

impl FaultyStore {
    pub fn fail_puts_containing(&self, text: Option<&str>) {
        *self.hook.0.lock() = text.map(str::to_string);
    }

    pub fn keys(&self) -> Vec<String> {
        self.inner.inner().keys()
    }

    pub fn body(&self, key: &str) -> Option<String> {
        block_on(self.inner.get(key)).unwrap().map(|o| String::from_utf8_lossy(&o.body).into_owned())
    }

    pub fn put_text(&self, key: &str, body: &str) {
        let request = PutRequest { key: key.into(), body: body.as_bytes().to_vec(), ..Default::default() };
        block_on(self.inner.put(request)).unwrap();
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

/// A resource on a fresh, connected in-memory database (returned too: it owns the resource).
pub async fn memory_resource(config: &serde_json::Value) -> (Database, Arc<crate::Resource>) {
    let db = Database::new(Arc::new(MemoryStore::new()), DatabaseOptions::default());
    db.connect().await.unwrap();
    let resource = db.create_resource(config).await.unwrap();
    (db, resource)
}
