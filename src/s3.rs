//! The store behind one JS `S3Client`: an S3 bucket reached through aws-sdk-s3.

use crate::errors;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use s3db_core::storage::s3::{S3Config, S3Store};
use std::sync::Arc;

#[napi]
pub struct NativeS3Store {
    pub(crate) store: Arc<S3Store>,
}

#[napi]
impl NativeS3Store {
    /// `config`: JSON of `{bucket, keyPrefix, region, endpoint, forcePathStyle, accessKeyId,
    /// secretAccessKey, sessionToken, requestChecksumCalculation, requestTimeout, connectTimeout,
    /// maxAttempts, parallelism, conditionalWrites}`. Nothing is sent until the first request.
    #[napi(constructor, catch_unwind)]
    pub fn new(config: String) -> Result<Self> {
        let options: serde_json::Value =
            serde_json::from_str(&config).map_err(|e| errors::to_napi(errors::bad_json("S3 options", e)))?;
        let config = S3Config::from_json(&options).map_err(errors::to_napi)?;
        Ok(Self { store: Arc::new(S3Store::new(config)) })
    }

    /// Requests sent so far, by S3 command name (`{PutObjectCommand: 3, …}`).
    #[napi(catch_unwind)]
    pub fn request_counts(&self) -> String {
        self.store.requests().to_json()
    }
}
