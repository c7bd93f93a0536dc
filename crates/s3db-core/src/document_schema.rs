//! A schema on its own, without a store: what s3db.js exposes as `Schema` (validate, mapper,
//! unmapper). The same compiled validator, attribute layout and codec the resources use.

use crate::codec::{self, ReadContext};
use crate::crypto;
use crate::error::{Error, ErrorKind, Result};
use crate::crypto::maybe_blocking;
use crate::schema::{AttributeLayout, FieldKind};
use crate::validator::{CompiledSchema, ValidationIssue, ValidatorOptions};
use serde_json::{Map, Value};
use std::sync::Arc;

pub struct DocumentSchema {
    layout: AttributeLayout,
    validator: CompiledSchema,
    passphrase: String,
    version: String,
    auto_decrypt: bool,
    has_secrets: bool,
}

/// How a standalone schema is built (`new Schema({...})`).
pub struct DocumentSchemaOptions<'a> {
    pub attributes: &'a Map<String, Value>,
    pub passphrase: &'a str,
    pub version: &'a str,
    pub all_nested_objects_optional: bool,
    pub auto_decrypt: bool,
}

impl DocumentSchema {
    pub fn new(options: DocumentSchemaOptions<'_>) -> Result<Self> {
        let validator_options = ValidatorOptions { all_nested_objects_optional: options.all_nested_objects_optional };
        let validator = CompiledSchema::compile(options.attributes, &validator_options)
            .map_err(|message| Error::new(ErrorKind::Schema, format!("Invalid schema: {message}")))?;
        let layout = AttributeLayout::new(options.attributes);
        let has_secrets = layout.has_secrets();
        Ok(Self {
            layout,
            validator,
            passphrase: options.passphrase.to_string(),
            version: options.version.to_string(),
            auto_decrypt: options.auto_decrypt,
            has_secrets,
        })
    }

    /// `{path: key}` in key order (`schema.map`).
    pub fn map_json(&self) -> Map<String, Value> {
        self.layout.map_json()
    }

    /// Every field with a codec of its own, and that codec.
    pub fn kinds(&self) -> impl Iterator<Item = (&String, &FieldKind)> {
        self.layout.kinds().iter()
    }

    /// Validates in place; an empty vector means valid.
    pub fn validate(&self, doc: &mut Map<String, Value>) -> Vec<ValidationIssue> {
        self.validator.validate(doc)
    }

    /// The stored metadata form of `doc` before transport encoding: short keys, encoded values
    /// (numbers and booleans of fields without a codec stay as they are, as in s3db.js), `_v`.
    pub async fn map(self: &Arc<Self>, doc: Map<String, Value>) -> Result<Map<String, Value>> {
        let blocking = self.has_secrets && !crypto::write_key_ready(&self.passphrase);
        let schema = self.clone();
        maybe_blocking(blocking, move || {
            codec::map_record(&schema.layout, &schema.passphrase, &doc, &schema.version)
        })
        .await
    }

    /// The document back from its mapped form (the inverse of [`DocumentSchema::map`]).
    pub async fn unmap(self: &Arc<Self>, mapped: Map<String, Value>) -> Result<Map<String, Value>> {
        let blocking = self.has_secrets
            && self.auto_decrypt
            && codec::secret_texts(&self.layout, mapped.iter())
                .iter()
                .any(|text| !crypto::read_key_ready(&self.passphrase, text));
        let schema = self.clone();
        maybe_blocking(blocking, move || {
            let ctx = ReadContext {
                layout: &schema.layout,
                passphrase: &schema.passphrase,
                auto_decrypt: schema.auto_decrypt,
                stored_map: None,
            };
            codec::unmap_record(&ctx, mapped.into_iter().collect())
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use serde_json::json;

    fn schema(attributes: Value) -> Arc<DocumentSchema> {
        let attributes = attributes.as_object().unwrap().clone();
        Arc::new(
            DocumentSchema::new(DocumentSchemaOptions {
                attributes: &attributes,
                passphrase: "secret",
                version: "1",
                all_nested_objects_optional: true,
                auto_decrypt: true,
            })
            .unwrap(),
        )
    }

    #[test]
    fn mapper_output_is_header_text_and_unmaps_back() {
        let s = schema(json!({"name": "string", "age": "number", "active": "boolean", "tags": "array|items:string", "pw": "secret"}));
        let doc = json!({"name": "Ann", "age": 30, "active": true, "tags": ["a", "b|c"], "pw": "hunter2"});
        let mapped = block_on(s.map(doc.as_object().unwrap().clone())).unwrap();
        assert_eq!(mapped["_v"], "1");
        assert_eq!(mapped[s.map_json()["age"].as_str().unwrap()], "u");
        assert_eq!(mapped[s.map_json()["active"].as_str().unwrap()], "1");
        let back = block_on(s.unmap(mapped)).unwrap();
        assert_eq!(Value::Object(back), doc);
    }

    #[test]
    fn validation_reports_fastest_validator_issues() {
        let s = schema(json!({"name": "string|min:3", "email": "email|required"}));
        let mut doc = json!({"name": "Al"}).as_object().unwrap().clone();
        let kinds: Vec<String> = s.validate(&mut doc).into_iter().map(|i| i.kind).collect();
        assert_eq!(kinds, ["stringMin", "required"]);
    }

    #[test]
    fn unknown_types_are_schema_errors() {
        let attributes = json!({"x": "nonsense"}).as_object().unwrap().clone();
        let built = DocumentSchema::new(DocumentSchemaOptions {
            attributes: &attributes,
            passphrase: "secret",
            version: "1",
            all_nested_objects_optional: true,
            auto_decrypt: true,
        });
        assert_eq!(built.err().unwrap().kind, ErrorKind::Schema);
    }
}
