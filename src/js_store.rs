//! A store whose requests are answered by JavaScript: the client object an s3db.js app passes
//! (`new S3db({client})` with `putObject`, `getObject`, `headObject`, `listObjects`,
//! `deleteObject(s)`, `copyObject`), behind the same `ObjectStore` trait as the native stores.
//! Each request crosses as one JSON text to a dispatcher function (`lib/js-client.cjs`) whose
//! Promise resolves to the JSON answer; bodies travel as base64.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use futures::future::{BoxFuture, FutureExt};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use s3db_core::storage::{ListPage, ListRequest, Metadata, ObjectHead, ObjectStore, PutOutcome, PutRequest, StoredObject};
use s3db_core::{Error, ErrorKind};
use serde_json::{json, Value};
use std::sync::Arc;

/// `(request JSON) => Promise<answer JSON>`; weak, so it never keeps the process alive.
pub type Dispatcher = ThreadsafeFunction<String, Promise<String>, String, Status, false, true>;

pub struct JsStore {
    dispatch: Dispatcher,
}

impl JsStore {
    pub fn new(dispatch: Dispatcher) -> Self {
        Self { dispatch }
    }

    async fn ask(&self, request: Value) -> s3db_core::Result<Value> {
        let failed = |e: napi::Error| Error::new(ErrorKind::Storage, format!("the client failed: {}", e.reason)).named("ClientError").with("client", "js");
        let promise = self.dispatch.call_async_catch(request.to_string()).await.map_err(failed)?;
        let answer = promise.await.map_err(failed)?;
        serde_json::from_str(&answer).map_err(|e| Error::internal(format!("the client adapter answered with bad JSON: {e}")))
    }
}

/// Header values as a client's `putObject` takes them: decoded (the client encodes them itself).
fn plain_metadata(metadata: &Metadata) -> Vec<(String, String)> {
    use s3db_core::encoding::metadata::{decode_value, MetaValue};
    metadata
        .iter()
        .map(|(name, stored)| {
            let text = match decode_value(stored) {
                MetaValue::Text(text) => text,
                MetaValue::Null => "null".to_string(),
                MetaValue::Undefined => "undefined".to_string(),
            };
            (name.clone(), text)
        })
        .collect()
}

fn head_of(answer: &Value) -> ObjectHead {
    let metadata: Metadata = answer
        .get("metadata")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))).collect())
        .unwrap_or_default();
    ObjectHead {
        metadata,
        content_type: answer.get("contentType").and_then(Value::as_str).map(str::to_string),
        content_length: answer.get("contentLength").and_then(Value::as_u64).unwrap_or(0),
        last_modified_ms: answer.get("lastModified").and_then(Value::as_i64).unwrap_or(0),
        etag: answer.get("etag").and_then(Value::as_str).unwrap_or_default().to_string(),
    }
}

impl ObjectStore for JsStore {
    fn put(&self, request: PutRequest) -> BoxFuture<'_, s3db_core::Result<PutOutcome>> {
        async move {
            let answer = self
                .ask(json!({
                    "op": "put",
                    "key": request.key,
                    "metadata": plain_metadata(&request.metadata),
                    "body": STANDARD.encode(&request.body),
                    "contentType": request.content_type,
                    "ifAbsent": request.if_absent,
                    "ifMatch": request.if_match,
                }))
                .await?;
            Ok(match answer.get("etag").and_then(Value::as_str) {
                Some(etag) => PutOutcome::Written { etag: etag.to_string() },
                None => PutOutcome::Conflict,
            })
        }
        .boxed()
    }

    fn get(&self, key: &str) -> BoxFuture<'_, s3db_core::Result<Option<Arc<StoredObject>>>> {
        let key = key.to_string();
        async move {
            let answer = self.ask(json!({"op": "get", "key": key})).await?;
            if answer.is_null() {
                return Ok(None);
            }
            let body = STANDARD
                .decode(answer.get("body").and_then(Value::as_str).unwrap_or(""))
                .map_err(|e| Error::internal(format!("the client adapter sent a bad body: {e}")))?;
            let mut head = head_of(&answer);
            head.content_length = body.len() as u64;
            Ok(Some(Arc::new(StoredObject { head, body })))
        }
        .boxed()
    }

    fn head(&self, key: &str) -> BoxFuture<'_, s3db_core::Result<Option<ObjectHead>>> {
        let key = key.to_string();
        async move {
            let answer = self.ask(json!({"op": "head", "key": key})).await?;
            Ok((!answer.is_null()).then(|| head_of(&answer)))
        }
        .boxed()
    }

    fn copy(&self, from: &str, to: &str, metadata: Option<Metadata>, content_type: Option<String>) -> BoxFuture<'_, s3db_core::Result<bool>> {
        let request = json!({"op": "copy", "from": from, "to": to, "metadata": metadata, "contentType": content_type});
        async move { Ok(self.ask(request).await?.get("copied").and_then(Value::as_bool).unwrap_or(false)) }.boxed()
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, s3db_core::Result<()>> {
        let key = key.to_string();
        async move { self.ask(json!({"op": "delete", "key": key})).await.map(|_| ()) }.boxed()
    }

    fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, s3db_core::Result<usize>> {
        async move {
            let answer = self.ask(json!({"op": "deleteMany", "keys": keys})).await?;
            Ok(answer.get("deleted").and_then(Value::as_u64).unwrap_or(0) as usize)
        }
        .boxed()
    }

    fn list(&self, request: ListRequest) -> BoxFuture<'_, s3db_core::Result<ListPage>> {
        async move {
            let answer = self
                .ask(json!({"op": "list", "prefix": request.prefix, "token": request.continuation_token, "maxKeys": request.max_keys}))
                .await?;
            let keys = answer
                .get("keys")
                .and_then(Value::as_array)
                .map(|keys| keys.iter().filter_map(|k| k.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            let next_token = answer.get("next").and_then(Value::as_str).map(str::to_string);
            Ok(ListPage { keys, next_token })
        }
        .boxed()
    }
}
