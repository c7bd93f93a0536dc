//! S3 backend on `aws-sdk-s3`: AWS and every S3-compatible server (MinIO, Garage, R2, B2,
//! DigitalOcean Spaces, LocalStack, moto).
//!
//! One [`S3Store`] per database: at most `parallelism` requests in flight (a semaphore), one
//! keep-alive connection pool, retries with exponential backoff and jitter, a per-request
//! timeout, metadata checked against S3's 2 KB limit before it leaves, and every request
//! counted by command.

pub mod client;
pub mod config;
mod conditional;
pub mod errors;

use super::requests::{Command, RequestCounts};
use super::{metadata_limit, ListPage, ListRequest, Metadata, ObjectHead, ObjectStore, PutOutcome, PutRequest, StoredObject};
use crate::error::{Error, Result};
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::{Delete, MetadataDirective, ObjectIdentifier};
pub use config::S3Config;
use errors::{Failure, RequestContext};
use futures::future::{BoxFuture, FutureExt};
use std::collections::HashMap;
use std::sync::Arc;
use super::scheduler::{Scheduler, Slot};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::OnceCell;

pub struct S3Store {
    config: S3Config,
    endpoint: String,
    client: OnceCell<aws_sdk_s3::Client>,
    scheduler: Scheduler,
    /// Attempts after the first, counted by the SDK client's interceptor.
    retries: Arc<AtomicU64>,
    requests: RequestCounts,
    /// Whether the server honours `If-None-Match: *`, once known.
    native_conditional_writes: OnceCell<bool>,
}

impl S3Store {
    pub fn new(config: S3Config) -> Self {
        Self {
            endpoint: config.endpoint_for_messages(),
            scheduler: Scheduler::new(config.parallelism, config.auto_tuning),
            retries: Arc::default(),
            config,
            client: OnceCell::new(),
            requests: RequestCounts::default(),
            native_conditional_writes: OnceCell::new(),
        }
    }

    pub fn config(&self) -> &S3Config {
        &self.config
    }

    pub fn requests(&self) -> &RequestCounts {
        &self.requests
    }

    async fn client(&self) -> &aws_sdk_s3::Client {
        self.client.get_or_init(|| client::build(&self.config, self.retries.clone())).await
    }

    /// The request scheduler (`executorPool`): concurrency, queue and latencies.
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// Requests the SDK sent again after a failed attempt.
    pub fn retry_count(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Waits for a free request slot and counts the request it is taken for; refused once the
    /// pool is stopped.
    async fn slot(&self, command: Command) -> Result<Slot<'_>> {
        let slot = self.scheduler.slot().await?;
        self.requests.record(command);
        Ok(slot)
    }

    fn failed(&self, failure: Failure, operation: &'static str, key: &str) -> Error {
        self.scheduler.record_error();
        let context = RequestContext {
            operation,
            key,
            bucket: &self.config.bucket,
            endpoint: &self.endpoint,
            max_attempts: self.config.max_attempts,
            timeout: self.config.request_timeout,
        };
        errors::to_error(failure, &context)
    }

    /// A PUT whose outcome is settled when the answer leaves it open. A conditional PUT refused
    /// because an earlier attempt of this same request was applied (its answer lost on the way)
    /// is a success; so is a failed PUT whose write is found in place. Record writes are stamped,
    /// so the ETag of a body names that one write.
    async fn put_object(&self, request: PutRequest, create_only: bool) -> Result<PutOutcome> {
        let key = request.key.clone();
        let conditional = create_only || request.if_match.is_some();
        // Without a stamp, an equal ETag may be another write's (for an unconditional write of
        // the same bytes that is the same outcome).
        let recognisable = request.stamped || !conditional;
        let ours = super::etag_of(&request.body);
        let stamped = request.stamped;
        match self.send_put(request, create_only).await? {
            Ok(PutOutcome::Conflict) if stamped => match self.head_object(&key).await {
                Ok(Some(head)) if super::same_etag(&head.etag, &ours) => Ok(PutOutcome::Written { etag: ours }),
                Ok(_) => Ok(PutOutcome::Conflict),
                // Refused, but perhaps because an earlier attempt landed: that cannot be told now.
                Err(error) => Err(errors::may_have_been_applied(error)),
            },
            Ok(outcome) => Ok(outcome),
            Err(failure) if failure.outcome_unknown() && recognisable => match self.head_object(&key).await {
                Ok(Some(head)) if super::same_etag(&head.etag, &ours) => Ok(PutOutcome::Written { etag: head.etag }),
                Ok(_) => Err(errors::not_applied(self.failed(failure, "PutObject", &key))),
                Err(_) => Err(self.failed(failure, "PutObject", &key)),
            },
            Err(failure) => Err(self.failed(failure, "PutObject", &key)),
        }
    }

    /// One PutObject (the SDK retries it); with `create_only` the server refuses to overwrite
    /// (`If-None-Match: *`).
    /// (outer `Err`: the request was never sent).
    async fn send_put(&self, request: PutRequest, create_only: bool) -> Result<std::result::Result<PutOutcome, Failure>> {
        let client = self.client().await;
        let _slot = self.slot(Command::Put).await?;
        self.requests.record_upload(request.upload_size());
        let metadata: HashMap<String, String> = request.metadata.into_iter().collect();
        let sent = client
            .put_object()
            .bucket(&self.config.bucket)
            .key(&request.key)
            .set_metadata((!metadata.is_empty()).then_some(metadata))
            .set_content_type(request.content_type)
            .set_if_none_match(create_only.then(|| "*".to_string()))
            .set_if_match(request.if_match.clone())
            .body(ByteStream::from(request.body))
            .send()
            .await;
        Ok(match sent {
            Ok(output) => Ok(PutOutcome::Written { etag: output.e_tag().unwrap_or_default().to_string() }),
            Err(error) => {
                let failure = Failure::from_sdk(&error);
                // 412: the key exists; 409: a concurrent create-only PUT of the same key won.
                if (create_only || request.if_match.is_some()) && matches!(failure.status, Some(412 | 409)) {
                    Ok(PutOutcome::Conflict)
                } else {
                    Err(failure)
                }
            }
        })
    }

    /// A GET, retried like any transient failure when its body is cut off on the way (the SDK
    /// retries the request, but the body is read after it returned).
    async fn get_object(&self, key: &str) -> Result<Option<Arc<StoredObject>>> {
        let mut attempt = 1;
        loop {
            match self.get_once(key).await? {
                Ok(found) => return Ok(found),
                Err(_) if attempt < self.config.max_attempts => {
                    crate::contention::pause(attempt as usize + 3).await;
                    attempt += 1;
                }
                Err(failure) => return Err(self.failed(failure, "GetObject", key)),
            }
        }
    }

    /// One GET: the object, or (inner `Err`) a body that could not be read to its end.
    async fn get_once(&self, key: &str) -> Result<std::result::Result<Option<Arc<StoredObject>>, Failure>> {
        let client = self.client().await;
        let _slot = self.slot(Command::Get).await?;
        let output = match client.get_object().bucket(&self.config.bucket).key(key).send().await {
            Ok(output) => output,
            Err(error) => return self.absent_or_failed(&error, "GetObject", key).map(Ok),
        };
        let head = object_head(
            output.metadata(),
            output.content_type(),
            output.content_length(),
            output.last_modified(),
            output.e_tag(),
        );
        Ok(match output.body.collect().await {
            Ok(body) => {
                let body = body.into_bytes().to_vec();
                self.requests.record_download(body.len());
                Ok(Some(Arc::new(StoredObject { head, body })))
            }
            Err(e) => Err(Failure::other(format!("reading the body failed: {e}"))),
        })
    }

    async fn head_object(&self, key: &str) -> Result<Option<ObjectHead>> {
        let client = self.client().await;
        let _slot = self.slot(Command::Head).await?;
        match client.head_object().bucket(&self.config.bucket).key(key).send().await {
            Ok(output) => Ok(Some(object_head(
                output.metadata(),
                output.content_type(),
                output.content_length(),
                output.last_modified(),
                output.e_tag(),
            ))),
            Err(error) => self.absent_or_failed(&error, "HeadObject", key),
        }
    }

    /// `Ok(None)` for a missing key (a missing bucket stays an error), the mapped error otherwise.
    fn absent_or_failed<T, E>(&self, error: &SdkError<E, errors::HttpResponse>, operation: &'static str, key: &str) -> Result<Option<T>>
    where
        E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let failure = Failure::from_sdk(error);
        let missing_key = failure.code.as_deref() == Some("NoSuchKey")
            || (failure.status == Some(404) && failure.code.as_deref() != Some("NoSuchBucket"));
        if missing_key {
            Ok(None)
        } else {
            Err(self.failed(failure, operation, key))
        }
    }

    async fn copy_object(&self, from: &str, to: &str, metadata: Option<Metadata>, content_type: Option<String>) -> Result<bool> {
        // S3 changes the content type only together with the metadata (REPLACE): keep the source's.
        let metadata = match (metadata, &content_type) {
            (None, Some(_)) => match self.head_object(from).await? {
                Some(head) => Some(head.metadata),
                None => return Ok(false),
            },
            (metadata, _) => metadata,
        };
        if let Some(metadata) = &metadata {
            metadata_limit::check(to, metadata)?;
        }
        let client = self.client().await;
        let _slot = self.slot(Command::Copy).await?;
        let mut call = client
            .copy_object()
            .bucket(&self.config.bucket)
            .key(to)
            .copy_source(format!("{}/{}", self.config.bucket, percent_encode_key(from)));
        if let Some(metadata) = metadata {
            call = call
                .metadata_directive(MetadataDirective::Replace)
                .set_metadata(Some(metadata.into_iter().collect()))
                .set_content_type(content_type);
        }
        match call.send().await {
            Ok(_) => Ok(true),
            Err(error) => self.absent_or_failed::<(), _>(&error, "CopyObject", from).map(|found| found.is_some()),
        }
    }

    async fn delete_object(&self, key: &str) -> Result<()> {
        let client = self.client().await;
        let _slot = self.slot(Command::Delete).await?;
        match client.delete_object().bucket(&self.config.bucket).key(key).send().await {
            Ok(_) => Ok(()),
            Err(error) => Err(self.failed(Failure::from_sdk(&error), "DeleteObject", key)),
        }
    }

    /// One DeleteObjects call (S3 takes up to 1 000 keys). S3 does not say which keys existed,
    /// so the count is of keys deleted or already absent.
    async fn delete_objects(&self, keys: Vec<String>) -> Result<usize> {
        if keys.is_empty() {
            return Ok(0);
        }
        let first_key = keys[0].clone();
        let count = keys.len();
        let identifiers = keys
            .into_iter()
            .map(|key| ObjectIdentifier::builder().key(key).build())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.failed(Failure::other(e.to_string()), "DeleteObjects", &first_key))?;
        let delete = Delete::builder()
            .set_objects(Some(identifiers))
            .quiet(true)
            .build()
            .map_err(|e| self.failed(Failure::other(e.to_string()), "DeleteObjects", &first_key))?;
        let client = self.client().await;
        let _slot = self.slot(Command::DeleteMany).await?;
        let output = match client.delete_objects().bucket(&self.config.bucket).delete(delete).send().await {
            Ok(output) => output,
            Err(error) => return Err(self.failed(Failure::from_sdk(&error), "DeleteObjects", &first_key)),
        };
        match output.errors().first() {
            None => Ok(count),
            Some(refused) => {
                let failure = Failure {
                    status: None,
                    code: refused.code().map(str::to_string),
                    message: refused.message().map(str::to_string),
                    cause: errors::Cause::Response,
                };
                Err(self.failed(failure, "DeleteObjects", refused.key().unwrap_or(&first_key)))
            }
        }
    }

    async fn list_objects(&self, request: ListRequest) -> Result<ListPage> {
        let client = self.client().await;
        let _slot = self.slot(Command::List).await?;
        let sent = client
            .list_objects_v2()
            .bucket(&self.config.bucket)
            .prefix(&request.prefix)
            .max_keys(request.max_keys.clamp(1, 1000) as i32)
            .set_continuation_token(request.continuation_token)
            .send()
            .await;
        let output = sent.map_err(|error| self.failed(Failure::from_sdk(&error), "ListObjectsV2", &request.prefix))?;
        let keys = output.contents().iter().filter_map(|object| object.key().map(str::to_string)).collect();
        let next_token = match output.is_truncated() {
            Some(true) => output.next_continuation_token().map(str::to_string),
            _ => None,
        };
        Ok(ListPage { keys, next_token })
    }
}

impl ObjectStore for S3Store {
    fn put(&self, request: PutRequest) -> BoxFuture<'_, Result<PutOutcome>> {
        async move {
            // Before anything is sent: a doomed write costs no request, not even a probe.
            metadata_limit::check(&request.key, &request.metadata)?;
            if request.if_absent {
                self.put_if_absent(request).await
            } else {
                self.put_object(request, false).await
            }
        }
        .boxed()
    }

    fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Arc<StoredObject>>>> {
        let key = key.to_string();
        async move { self.get_object(&key).await }.boxed()
    }

    fn head(&self, key: &str) -> BoxFuture<'_, Result<Option<ObjectHead>>> {
        let key = key.to_string();
        async move { self.head_object(&key).await }.boxed()
    }

    fn copy(&self, from: &str, to: &str, metadata: Option<Metadata>, content_type: Option<String>) -> BoxFuture<'_, Result<bool>> {
        let (from, to) = (from.to_string(), to.to_string());
        async move { self.copy_object(&from, &to, metadata, content_type).await }.boxed()
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, Result<()>> {
        let key = key.to_string();
        async move { self.delete_object(&key).await }.boxed()
    }

    fn delete_many(&self, keys: Vec<String>) -> BoxFuture<'_, Result<usize>> {
        async move { self.delete_objects(keys).await }.boxed()
    }

    fn list(&self, request: ListRequest) -> BoxFuture<'_, Result<ListPage>> {
        self.list_objects(request).boxed()
    }
}

/// The header fields GetObject and HeadObject both return.
fn object_head(
    metadata: Option<&HashMap<String, String>>,
    content_type: Option<&str>,
    content_length: Option<i64>,
    last_modified: Option<&DateTime>,
    etag: Option<&str>,
) -> ObjectHead {
    ObjectHead {
        metadata: sorted_metadata(metadata),
        content_type: content_type.map(str::to_string),
        content_length: content_length.unwrap_or(0).max(0) as u64,
        last_modified_ms: last_modified.and_then(|t| t.to_millis().ok()).unwrap_or(0),
        etag: etag.unwrap_or_default().to_string(),
    }
}

/// Metadata in a stable order: by name length, then bytes. Attribute-map keys (`0`…`z`, `10`…)
/// then come in attribute order, as the memory store returns them.
fn sorted_metadata(metadata: Option<&HashMap<String, String>>) -> Metadata {
    let mut pairs: Metadata = metadata.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
    pairs.sort_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    pairs
}

/// A key as the `x-amz-copy-source` header wants it: every byte but unreserved characters and
/// `/` percent-encoded.
fn percent_encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_sources_are_percent_encoded_except_slashes() {
        assert_eq!(percent_encode_key("db/resource=users/data/id=a b"), "db/resource%3Dusers/data/id%3Da%20b");
        assert_eq!(percent_encode_key("ção"), "%C3%A7%C3%A3o");
    }

    #[test]
    fn metadata_comes_back_in_attribute_map_order() {
        let map: HashMap<String, String> =
            ["10", "_v", "a", "2", "0", "z"].iter().map(|k| (k.to_string(), String::new())).collect();
        let names: Vec<String> = sorted_metadata(Some(&map)).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["0", "2", "a", "z", "10", "_v"]);
    }
}
