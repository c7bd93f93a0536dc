//! Records in and out in bulk, as backups and exports hold them: user fields plus `id`.

use super::{stored, Resource};
use crate::error::Result;
use futures::stream::{self, StreamExt};
use serde_json::{Map, Value};

impl Resource {
    /// Every record without the read decorations (`_contentLength`, `_etag`, …). A record that
    /// cannot be read fails the export: a backup must not leave records out silently.
    pub async fn export_records(&self) -> Result<Vec<Map<String, Value>>> {
        let read = self.get_all::<Map<String, Value>>().await?;
        if let Some(first) = read.unreadable.into_iter().next() {
            return Err(first.error.with("id", first.id));
        }
        Ok(read
            .records
            .into_iter()
            .map(|record| {
                let id = record.get("id").cloned().unwrap_or(Value::Null);
                let mut line = Map::with_capacity(record.len());
                line.insert("id".into(), id);
                line.extend(stored::user_fields(&record));
                line
            })
            .collect())
    }

    /// Writes each document under its `id` (created or overwritten), or as a new record when it
    /// has none. Returns the id written or the error, in input order.
    pub async fn import_records(&self, documents: Vec<Map<String, Value>>) -> Vec<Result<String>> {
        stream::iter(documents)
            .map(|mut document| async move {
                let id = match document.remove("id") {
                    Some(Value::String(id)) if !id.is_empty() => Some(id),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                };
                let outcome = match id {
                    Some(id) => self.replace(&id, document).await?,
                    None => self.insert(document).await?,
                };
                Ok(outcome.record["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string())
            })
            .buffered(self.ctx.parallelism)
            .collect()
            .await
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::memory::MemoryStore;
    use crate::{Database, DatabaseOptions};
    use futures::executor::block_on;
    use serde_json::json;
    use std::sync::Arc;

    #[test]
    fn export_then_import_round_trips_records() {
        let source = Database::new(Arc::new(MemoryStore::new()), DatabaseOptions::default());
        block_on(source.connect()).unwrap();
        let config = json!({"name": "users", "attributes": {"name": "string", "tags": "array|items:string"}});
        let users = block_on(source.create_resource(&config)).unwrap();
        for (id, name) in [("u1", "Ana"), ("u2", "Bo")] {
            let doc = json!({"id": id, "name": name, "tags": ["a|b"]});
            block_on(users.insert(doc.as_object().unwrap().clone())).unwrap();
        }
        let exported = block_on(users.export_records()).unwrap();
        assert_eq!(exported.len(), 2);
        assert_eq!(
            serde_json::Value::Object(exported[0].clone()),
            json!({"id": "u1", "name": "Ana", "tags": ["a|b"]})
        );

        let target = Database::new(Arc::new(MemoryStore::new()), DatabaseOptions::default());
        block_on(target.connect()).unwrap();
        let copy = block_on(target.create_resource(&config)).unwrap();
        let mut documents = exported.clone();
        documents.push(json!({"name": 5}).as_object().unwrap().clone());
        let results = block_on(copy.import_records(documents));
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2);
        assert!(results[2].is_err());
        assert_eq!(block_on(copy.get("u2")).unwrap()["name"], "Bo");
    }
}
