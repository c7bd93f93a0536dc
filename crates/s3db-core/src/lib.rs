//! s3db-core: the engine of s3db-native. It stores documents in any S3-compatible object store
//! in exactly the layout s3db.js uses, so both read each other's buckets. No N-API types here;
//! the Node binding lives in the crate at the repository root.

pub mod behavior;
pub mod catalog;
pub mod clock;
pub mod codec;
pub mod contention;
pub mod context;
pub mod crypto;
pub mod database;
pub mod document_schema;
pub mod encoding;
pub mod error;
pub mod id;
pub mod keys;
pub mod objects;
pub mod parallel;
pub mod partition;
pub mod plugin_storage;
pub mod resource;
pub mod schema;
pub mod sizes;
pub mod storage;
#[cfg(test)]
pub(crate) mod testing;
pub mod validator;

pub use database::{Database, DatabaseOptions};

/// The s3db.js vector files under `tests/fixtures/vectors`, for unit tests.
#[cfg(test)]
pub(crate) fn test_vectors(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("vector files are JSON")
}
pub use error::{Error, ErrorKind, Result};
pub use resource::Resource;
