//! One object-store trait shaped like an S3 client, with one implementation per backend.
//! Keys here are absolute keys inside the bucket; the database key prefix is applied above.

#[cfg(test)]
mod conformance;
pub mod counted;
pub mod fs;
mod fs_listing;
pub mod intercept;
pub mod memory;
pub mod metadata_limit;
pub mod observed;
pub mod persist;
pub mod requests;
pub mod scheduler;
pub mod s3;
pub mod write_stamp;

use crate::error::Result;
use futures::future::BoxFuture;
use std::sync::Arc;

/// User metadata as stored: names lower-cased (as S3 returns them), values transport-encoded.
pub type Metadata = Vec<(String, String)>;

/// What a PUT writes.
#[derive(Debug, Clone, Default)]
pub struct PutRequest {
    pub key: String,
    pub metadata: Metadata,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    /// Fail with `Conflict` instead of overwriting an existing object (S3 `If-None-Match: *`).
    pub if_absent: bool,
    /// Write only when the stored object's ETag is this one (S3 `If-Match`); otherwise `Conflict`,
    /// also when the object does not exist.
    pub if_match: Option<String>,
    /// The body ends with a write stamp (`write_stamp`): its ETag names this write alone, so a
    /// store can recognise it in place when the answer to the write was lost.
    pub stamped: bool,
    /// The key holds an id just drawn at random with enough entropy that it cannot exist yet:
    /// a store that cannot make `if_absent` atomic may skip its existence check for it.
    pub fresh_random_key: bool,
}

impl PutRequest {
    /// The bytes this request uploads: its body and its metadata names and values.
    pub fn upload_size(&self) -> usize {
        self.body.len() + self.metadata.iter().map(|(name, value)| name.len() + value.len()).sum::<usize>()
    }
}

/// Header fields of a stored object.
#[derive(Debug, Clone)]
pub struct ObjectHead {
    pub metadata: Metadata,
    pub content_type: Option<String>,
    pub content_length: u64,
    /// Milliseconds since the epoch.
    pub last_modified_ms: i64,
    pub etag: String,
}

/// A stored object with its body.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub head: ObjectHead,
    pub body: Vec<u8>,
}

/// Outcome of a conditional write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    Written { etag: String },
    /// `if_absent` was set and the key exists, or `if_match` did not match.
    Conflict,
}

/// One page of a prefix listing, in key order.
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub keys: Vec<String>,
    /// Token for the next page; `None` when this was the last one.
    pub next_token: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ListRequest {
    pub prefix: String,
    pub continuation_token: Option<String>,
    /// At most this many keys (S3 caps it at 1000).
    pub max_keys: usize,
}

/// The operations s3db needs from an S3-compatible store.
pub trait ObjectStore: Send + Sync {
    fn put(&self, request: PutRequest) -> BoxFuture<'_, Result<PutOutcome>>;
    /// `None` when the key does not exist.
    fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Arc<StoredObject>>>>;
    /// `None` when the key does not exist.
    fn head(&self, key: &str) -> BoxFuture<'_, Result<Option<ObjectHead>>>;
    /// Server-side copy; `metadata`/`content_type` replace the source's when given.
    fn copy(
        &self,
        from: &str,
        to: &str,
        metadata: Option<Metadata>,
        content_type: Option<String>,
    ) -> BoxFuture<'_, Result<bool>>;
    /// Deleting a missing key is not an error (as on S3).
    fn delete(&self, key: &str) -> BoxFuture<'_, Result<()>>;
    /// Deletes up to 1000 keys per call; returns how many existed.
    fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, Result<usize>>;
    fn list(&self, request: ListRequest) -> BoxFuture<'_, Result<ListPage>>;
    /// True when every future this store returns is ready when first polled (local stores):
    /// batches may then run on several threads instead of interleaving requests.
    fn answers_at_once(&self) -> bool {
        false
    }
}

/// ETag the local stores give an object: its MD5 in hex, quoted, as S3 reports single-part uploads.
pub(crate) fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", crate::crypto::md5_hex(body))
}

/// True when two ETags name the same content (quotes are optional on either side).
pub(crate) fn same_etag(a: &str, b: &str) -> bool {
    a.trim_matches('"') == b.trim_matches('"')
}

/// Lists every key under `prefix`, following continuation tokens.
pub async fn list_all(store: &dyn ObjectStore, prefix: &str) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut token = None;
    loop {
        let page = store
            .list(ListRequest { prefix: prefix.to_string(), continuation_token: token, max_keys: 1000 })
            .await?;
        keys.extend(page.keys);
        match page.next_token {
            Some(next) => token = Some(next),
            None => return Ok(keys),
        }
    }
}
