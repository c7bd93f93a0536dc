//! What every resource of a database shares: the store, the key prefix, the clock, the fan-out limit.

use crate::clock::{iso_string, Clock};
use crate::keys;
use crate::storage::ObjectStore;
use std::sync::Arc;

pub struct StoreContext {
    pub store: Arc<dyn ObjectStore>,
    pub bucket: String,
    pub key_prefix: String,
    pub clock: Clock,
    /// Requests in flight at once for bulk operations.
    pub parallelism: usize,
}

impl StoreContext {
    /// Absolute key for a key relative to the database.
    pub fn key(&self, relative: &str) -> String {
        keys::join(&self.key_prefix, relative)
    }

    /// Key relative to the database for a listed absolute key.
    pub fn relative<'a>(&self, absolute: &'a str) -> &'a str {
        keys::strip_prefix(&self.key_prefix, absolute)
    }

    pub fn now_ms(&self) -> i64 {
        (self.clock)()
    }

    pub fn now_iso(&self) -> String {
        iso_string(self.now_ms())
    }
}
