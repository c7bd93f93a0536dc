//! Binary content of a record (s3db.js `setContent`/`content`/`hasContent`/`deleteContent`):
//! the record object's body holds the bytes, its metadata keeps the record's fields.

use super::Resource;
use crate::encoding::metadata;
use crate::error::{Error, ErrorKind, Result};
use crate::keys;
use crate::storage::{write_stamp, Metadata, PutRequest};

/// Bytes and content type of a record's content.
pub struct Content {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

const CONTENT_FIELDS: [&str; 3] = ["_hascontent", "_contentlength", "_mimetype"];

impl Resource {
    /// Stores `bytes` as the record's body, keeping its metadata. Refused when the body holds
    /// record fields (body-overflow and body-only records), which the bytes would destroy.
    pub async fn set_content(&self, id: &str, bytes: Vec<u8>, content_type: &str) -> Result<()> {
        keys::check_lookup_id(id)?;
        let state = self.state();
        let key = self.record_key(&state, id);
        let object = self.ctx.store.get(&key).await?.ok_or_else(|| {
            Error::new(ErrorKind::Resource, format!("Resource with id '{id}' not found"))
                .with("resourceName", state.definition.name.clone())
                .with("id", id)
                .with("operation", "setContent")
        })?;
        if object.body.first() == Some(&b'{') && serde_json::from_slice::<serde_json::Value>(&object.body).is_ok_and(|b| b.is_object()) {
            return Err(Error::new(
                ErrorKind::Resource,
                format!("Record '{id}' keeps fields in its body ({} behavior): binary content would overwrite them", state.definition.behavior.name()),
            )
            .with("id", id)
            .with("operation", "setContent"));
        }
        let mut fields = without_content_fields(&object.head.metadata);
        fields.push(("_hascontent".into(), "true".into()));
        fields.push(("_contentlength".into(), bytes.len().to_string()));
        fields.push(("_mimetype".into(), metadata::encode_value(content_type)));
        self.put_content(key, fields, bytes, Some(content_type.to_string())).await
    }

    /// The record's content, or `None` when the record does not exist.
    pub async fn content(&self, id: &str) -> Result<Option<Content>> {
        keys::check_lookup_id(id)?;
        let state = self.state();
        let Some(object) = self.ctx.store.get(&self.record_key(&state, id)).await? else { return Ok(None) };
        let bytes = write_stamp::unstamped(&object.body).to_vec();
        Ok(Some(Content { bytes, content_type: object.head.content_type.clone() }))
    }

    /// True when the record exists and has a non-empty body (a write stamp alone is none).
    pub async fn has_content(&self, id: &str) -> Result<bool> {
        keys::check_lookup_id(id)?;
        let state = self.state();
        let key = self.record_key(&state, id);
        let Some(head) = self.ctx.store.head(&key).await? else { return Ok(false) };
        if head.content_length as usize > write_stamp::STAMP_LEN {
            return Ok(true);
        }
        Ok(self.ctx.store.get(&key).await?.is_some_and(|object| !write_stamp::unstamped(&object.body).is_empty()))
    }

    /// Empties the body, keeping the record's fields.
    pub async fn delete_content(&self, id: &str) -> Result<()> {
        keys::check_lookup_id(id)?;
        let state = self.state();
        let key = self.record_key(&state, id);
        let head = self.ctx.store.head(&key).await?.ok_or_else(|| self.no_such_key(&state, id))?;
        let fields = without_content_fields(&head.metadata);
        let mut body = Vec::new();
        write_stamp::stamp(&mut body);
        self.put_content(key, fields, body, None).await
    }

    async fn put_content(&self, key: String, metadata: Metadata, body: Vec<u8>, content_type: Option<String>) -> Result<()> {
        let request = PutRequest { key, metadata, body, content_type, ..Default::default() };
        self.ctx.store.put(request).await.map(|_| ())
    }
}

fn without_content_fields(metadata: &Metadata) -> Metadata {
    metadata.iter().filter(|(name, _)| !CONTENT_FIELDS.contains(&name.as_str())).cloned().collect()
}
