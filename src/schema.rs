//! `NativeSchema`: a standalone schema (s3db.js `Schema`): validation, mapper and unmapper
//! run by the engine's validator and codec.

use crate::errors;
use crate::resource::{document, parse_json, to_json};
use crate::runner::{run, Reply};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use s3db_core::document_schema::{DocumentSchema, DocumentSchemaOptions};
use serde_json::{json, Value};
use s3db_core::schema::FieldKind;
use std::sync::Arc;

/// The codec of a field kind as `[name, params]`, named as s3db.js's schema actions.
fn codec_of(kind: &FieldKind) -> Option<Value> {
    use FieldKind::*;
    Some(match *kind {
        FixedPointArray { precision } => json!(["embeddings", {"precision": precision}]),
        StringArray => json!(["array", {}]),
        IntegerArray => json!(["arrayOfNumbers", {}]),
        DecimalArray => json!(["arrayOfDecimals", {}]),
        Secret => json!(["secret", {}]),
        Ip4 => json!(["ipv4", {}]),
        Ip6 => json!(["ipv6", {}]),
        Money { decimals } => json!(["money", {"decimals": decimals}]),
        Decimal { precision } => json!(["decimal", {"precision": precision}]),
        GeoLat { precision } => json!(["geoLatitude", {"precision": precision}]),
        GeoLon { precision } => json!(["geoLongitude", {"precision": precision}]),
        GeoPoint { precision } => json!(["geoPoint", {"precision": precision}]),
        Integer => json!(["integer", {}]),
        Number => json!(["number", {}]),
        Boolean => json!(["boolean", {}]),
        Json => json!(["json", {}]),
        Date | Text | NumberText | BooleanText | Plain => return None,
    })
}

#[napi]
pub struct NativeSchema {
    inner: Arc<DocumentSchema>,
}

#[napi]
impl NativeSchema {
    /// `{attributes, passphrase, version, allNestedObjectsOptional, autoDecrypt}` as JSON.
    #[napi(constructor, catch_unwind)]
    pub fn new(config: String) -> Result<Self> {
        let config = parse_json(&config, "schema").map_err(errors::to_napi)?;
        let attributes = config.get("attributes").and_then(Value::as_object).cloned().unwrap_or_default();
        let flag = |key: &str, default: bool| config.get(key).and_then(Value::as_bool).unwrap_or(default);
        let version = match config.get("version") {
            Some(Value::String(v)) => v.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => "1".into(),
        };
        let inner = DocumentSchema::new(DocumentSchemaOptions {
            attributes: &attributes,
            passphrase: config.get("passphrase").and_then(Value::as_str).unwrap_or("secret"),
            version: &version,
            all_nested_objects_optional: flag("allNestedObjectsOptional", true),
            auto_decrypt: flag("autoDecrypt", true),
        })
        .map_err(errors::to_napi)?;
        Ok(Self { inner: Arc::new(inner) })
    }

    /// `{path: key}` as JSON.
    #[napi(catch_unwind)]
    pub fn map(&self) -> String {
        to_json(&self.inner.map_json())
    }

    /// `{path: [codec, params]}`: how each field is encoded (s3db.js lists these as its
    /// schema's auto hooks).
    #[napi(catch_unwind)]
    pub fn codecs(&self) -> String {
        let codecs: serde_json::Map<String, Value> =
            self.inner.kinds().filter_map(|(path, kind)| codec_of(kind).map(|c| (path.clone(), c))).collect();
        to_json(&codecs)
    }

    /// `{valid: true, data}` with the validated (converted, defaulted) document, or
    /// `{valid: false, errors: [...]}` with fastest-validator's error objects.
    #[napi(catch_unwind)]
    pub fn validate(&self, doc: String) -> Result<String> {
        let mut data = document(&doc, "validate").map_err(errors::to_napi)?;
        let issues = self.inner.validate(&mut data);
        Ok(if issues.is_empty() {
            to_json(&json!({"valid": true, "data": data}))
        } else {
            let errors: Vec<Value> = issues.iter().map(|i| i.to_json()).collect();
            to_json(&json!({"valid": false, "errors": errors}))
        })
    }

    #[napi(catch_unwind)]
    pub fn mapper<'env>(&self, env: &'env Env, doc: String) -> Result<Reply<'env>> {
        let data = document(&doc, "mapper").map_err(errors::to_napi)?;
        let schema = self.inner.clone();
        run(env, async move { Ok(to_json(&schema.map(data).await?)) })
    }

    #[napi(catch_unwind)]
    pub fn unmapper<'env>(&self, env: &'env Env, mapped: String) -> Result<Reply<'env>> {
        let data = document(&mapped, "unmapper").map_err(errors::to_napi)?;
        let schema = self.inner.clone();
        run(env, async move { Ok(to_json(&schema.unmap(data).await?)) })
    }
}
