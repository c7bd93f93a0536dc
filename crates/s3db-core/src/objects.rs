//! Raw objects under the database's key prefix, for plugins (caches, plugin storage): keys are
//! relative to the prefix, metadata is sent and returned as plain text and carried with the
//! s3db.js transport encoding (storage-format §5) like every other metadata value.

use crate::database::Database;
use crate::encoding::metadata::{decode_value, encode_value, sanitize_key, MetaValue};
use crate::error::Result;
use crate::storage::{ListRequest, PutRequest};
use serde_json::{Map, Value};

/// An object as read back: metadata decoded (names as S3 returns them, lower-cased).
#[derive(Debug, Clone)]
pub struct RawObject {
    pub body: Vec<u8>,
    pub metadata: Map<String, Value>,
    pub content_type: Option<String>,
    pub content_length: u64,
    pub last_modified_ms: i64,
    pub etag: String,
}

/// One page of a listing: keys relative to the database prefix.
#[derive(Debug, Clone, Default)]
pub struct KeyPage {
    pub keys: Vec<String>,
    pub next: Option<String>,
}

/// A metadata value as the transport decoding leaves it (`null`/`undefined` texts become null).
pub fn decoded_metadata(stored: &[(String, String)]) -> Map<String, Value> {
    stored
        .iter()
        .map(|(name, value)| {
            let decoded = match decode_value(value) {
                MetaValue::Text(text) => Value::String(text),
                MetaValue::Null | MetaValue::Undefined => Value::Null,
            };
            (name.clone(), decoded)
        })
        .collect()
}

impl Database {
    /// Writes `body` at `key`; metadata names are sanitised and values transport-encoded.
    pub async fn put_object(
        &self,
        key: &str,
        body: Vec<u8>,
        metadata: &[(String, String)],
        content_type: Option<String>,
    ) -> Result<()> {
        self.context().store.put(self.object_request(key, body, metadata, content_type)).await?;
        Ok(())
    }

    /// The PUT of `put_object`, for callers that add a write condition.
    pub(crate) fn object_request(&self, key: &str, body: Vec<u8>, metadata: &[(String, String)], content_type: Option<String>) -> PutRequest {
        let metadata = metadata.iter().map(|(name, value)| (sanitize_key(name), encode_value(value))).collect();
        PutRequest { key: self.context().key(key), metadata, body, content_type, ..Default::default() }
    }

    /// The object at `key`, or `None`.
    pub async fn get_object(&self, key: &str) -> Result<Option<RawObject>> {
        let ctx = self.context();
        let Some(object) = ctx.store.get(&ctx.key(key)).await? else { return Ok(None) };
        Ok(Some(RawObject {
            body: object.body.clone(),
            metadata: decoded_metadata(&object.head.metadata),
            content_type: object.head.content_type.clone(),
            content_length: object.head.content_length,
            last_modified_ms: object.head.last_modified_ms,
            etag: object.head.etag.clone(),
        }))
    }

    /// One listing page of keys under `prefix` (relative), at most `max_keys` (≤ 1000).
    pub async fn list_object_keys(&self, prefix: &str, token: Option<String>, max_keys: usize) -> Result<KeyPage> {
        let ctx = self.context();
        let request = ListRequest { prefix: ctx.key(prefix), continuation_token: token, max_keys: max_keys.clamp(1, 1000) };
        let page = ctx.store.list(request).await?;
        let keys = page.keys.iter().map(|k| ctx.relative(k).to_string()).collect();
        Ok(KeyPage { keys, next: page.next_token })
    }

    /// Deletes the objects at `keys` (missing ones are not an error); returns how many existed.
    pub async fn delete_objects(&self, keys: &[String]) -> Result<usize> {
        let ctx = self.context();
        let mut deleted = 0;
        for chunk in keys.chunks(1000) {
            deleted += ctx.store.delete_many(chunk.iter().map(|k| ctx.key(k)).collect()).await?;
        }
        Ok(deleted)
    }

    /// Deletes every object under `prefix` (relative); returns how many there were.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<usize> {
        let ctx = self.context();
        let keys = crate::storage::list_all(ctx.store.as_ref(), &ctx.key(prefix)).await?;
        let relative: Vec<String> = keys.iter().map(|k| ctx.relative(k).to_string()).collect();
        self.delete_objects(&relative).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::memory::MemoryStore;
    use crate::DatabaseOptions;
    use futures::executor::block_on;
    use std::sync::Arc;

    fn database(prefix: &str) -> (Arc<MemoryStore>, Database) {
        let store = Arc::new(MemoryStore::new());
        let options = DatabaseOptions { key_prefix: prefix.into(), ..Default::default() };
        (store.clone(), Database::new(store, options))
    }

    #[test]
    fn objects_round_trip_under_the_key_prefix() {
        let (store, db) = database("apps/demo");
        let metadata = vec![("Owner Name".to_string(), "José".to_string()), ("kind".to_string(), "d:x".to_string())];
        block_on(db.put_object("plugin=cache/a.json", b"{\"v\":1}".to_vec(), &metadata, Some("application/json".into())))
            .unwrap();
        assert_eq!(store.keys(), vec!["apps/demo/plugin=cache/a.json"]);
        let object = block_on(db.get_object("plugin=cache/a.json")).unwrap().unwrap();
        assert_eq!(object.body, b"{\"v\":1}");
        assert_eq!(object.metadata["owner_name"], "José");
        assert_eq!(object.metadata["kind"], "d:x");
        assert_eq!(object.content_type.as_deref(), Some("application/json"));
        assert!(block_on(db.get_object("plugin=cache/missing")).unwrap().is_none());
    }

    #[test]
    fn listing_pages_and_deleting() {
        let (_, db) = database("p");
        for n in 0..5 {
            block_on(db.put_object(&format!("plugin=x/k{n}"), Vec::new(), &[], None)).unwrap();
        }
        block_on(db.put_object("plugin=y/other", Vec::new(), &[], None)).unwrap();
        let first = block_on(db.list_object_keys("plugin=x/", None, 3)).unwrap();
        assert_eq!(first.keys, vec!["plugin=x/k0", "plugin=x/k1", "plugin=x/k2"]);
        let second = block_on(db.list_object_keys("plugin=x/", first.next, 3)).unwrap();
        assert_eq!(second.keys, vec!["plugin=x/k3", "plugin=x/k4"]);
        assert!(second.next.is_none());
        assert_eq!(block_on(db.delete_objects(&["plugin=x/k0".into(), "plugin=x/nope".into()])).unwrap(), 1);
        assert_eq!(block_on(db.delete_prefix("plugin=x/")).unwrap(), 4);
        assert_eq!(block_on(db.list_object_keys("plugin=", None, 1000)).unwrap().keys, vec!["plugin=y/other"]);
    }
}
