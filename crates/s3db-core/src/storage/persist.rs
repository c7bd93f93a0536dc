//! Saving a memory store to one JSON file and loading it back (MemoryClient `saveToDisk` /
//! `loadFromDisk`): `{version, bucket, keyPrefix, savedAt, objects: {key: {…, body (base64)}}}`.

use super::memory::Snapshot;
use super::{ObjectHead, StoredObject};
use crate::error::{Error, ErrorKind, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::path::Path;

/// The snapshot as `{version, bucket, keyPrefix, savedAt, objectCount, objects: {key: {metadata,
/// contentType, contentLength, lastModified, etag, body (base64)}}}`.
pub fn to_json(snapshot: &Snapshot, bucket: &str, key_prefix: &str, saved_at: &str) -> Value {
    let objects: Map<String, Value> = snapshot
        .objects()
        .map(|(key, object)| {
            let metadata: Map<String, Value> =
                object.head.metadata.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            let entry = json!({
                "metadata": metadata,
                "contentType": object.head.content_type,
                "contentLength": object.head.content_length,
                "lastModified": object.head.last_modified_ms,
                "etag": object.head.etag,
                "body": STANDARD.encode(&object.body),
            });
            (key.clone(), entry)
        })
        .collect();
    json!({"version": 1, "bucket": bucket, "keyPrefix": key_prefix, "savedAt": saved_at, "objectCount": objects.len(), "objects": objects})
}

/// A snapshot from what [`to_json`] produced (or a file of it); `what` names the source in errors.
pub fn from_json(document: &Value, what: &str) -> Result<Snapshot> {
    let objects = document
        .get("objects")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::new(ErrorKind::Storage, format!("Invalid snapshot format: {what} has no objects")).named("InvalidSnapshot"))?;
    let mut loaded = Vec::with_capacity(objects.len());
    for (key, entry) in objects {
        let body = STANDARD
            .decode(entry.get("body").and_then(Value::as_str).unwrap_or(""))
            .map_err(|e| Error::new(ErrorKind::Storage, format!("Invalid snapshot format: object {key} in {what}: bad body: {e}")).named("InvalidSnapshot"))?;
        let metadata = entry
            .get("metadata")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
            .unwrap_or_default();
        let etag = match entry.get("etag").and_then(Value::as_str) {
            Some(etag) => etag.to_string(),
            None => super::etag_of(&body),
        };
        let head = ObjectHead {
            metadata,
            content_type: entry.get("contentType").and_then(Value::as_str).map(str::to_string),
            content_length: body.len() as u64,
            last_modified_ms: entry.get("lastModified").and_then(Value::as_i64).unwrap_or(0),
            etag,
        };
        loaded.push((key.clone(), StoredObject { head, body }));
    }
    Ok(Snapshot::from_objects(loaded))
}

pub fn save(snapshot: &Snapshot, bucket: &str, key_prefix: &str, saved_at: &str, path: &Path) -> Result<()> {
    let document = to_json(snapshot, bucket, key_prefix, saved_at);
    // As s3db.js: the directory must exist (a mistyped path is an error, not a new directory tree).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
        return Err(Error::new(ErrorKind::Storage, format!("Failed to save to disk: {}: directory {} does not exist", path.display(), dir.display())).named("PersistError"));
    }
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, document.to_string()).map_err(|e| file_error("cannot write", &temp, e))?;
    std::fs::rename(&temp, path).map_err(|e| file_error("cannot write", path, e))
}

pub fn load(path: &Path) -> Result<Snapshot> {
    let text = std::fs::read_to_string(path).map_err(|e| file_error("cannot read", path, e))?;
    let document: Value = serde_json::from_str(&text)
        .map_err(|e| Error::new(ErrorKind::Storage, format!("{} is not a saved store: {e}", path.display())).named("InvalidSnapshot"))?;
    from_json(&document, &path.display().to_string())
}

fn file_error(what: &str, path: &Path, error: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Storage,
        format!("{what} {}: {error}", path.display()),
    )
    .named("PersistError")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::memory::MemoryStore;
    use crate::storage::{ObjectStore, PutRequest};
    use futures::executor::block_on;

    #[test]
    fn save_and_load_round_trip() {
        let store = MemoryStore::new();
        let request = PutRequest {
            key: "a/b".into(),
            metadata: vec![("x".into(), "1".into())],
            body: vec![0, 159, 146, 150],
            content_type: Some("application/x".into()),
            ..Default::default()
        };
        block_on(store.put(request)).unwrap();
        let path = std::env::temp_dir().join(format!("s3db-persist-{}.json", std::process::id()));
        save(&store.snapshot(), "b", "p", "now", &path).unwrap();
        let restored = MemoryStore::new();
        restored.restore(&load(&path).unwrap());
        let object = block_on(restored.get("a/b")).unwrap().unwrap();
        assert_eq!(object.body, vec![0, 159, 146, 150]);
        assert_eq!(
            object.head.metadata,
            vec![("x".to_string(), "1".to_string())]
        );
        assert_eq!(object.head.content_type.as_deref(), Some("application/x"));
        std::fs::remove_file(&path).unwrap();
        assert!(load(&path).is_err());
        let nowhere = std::env::temp_dir().join("s3db-no-such-dir").join("x.json");
        assert!(save(&store.snapshot(), "b", "p", "now", &nowhere).unwrap_err().message.contains("does not exist"));
    }
}
