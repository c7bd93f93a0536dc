//! The helper functions s3db.js exports at its root (`encode`, `encrypt`, `sha256`,
//! `calculateTotalSize`…), as engine calls. Argument coercion that is JavaScript's own
//! (`typeof` checks, `String(x)`) stays in `lib/helpers.cjs`.

use crate::resource::{document, to_json};
use crate::runner::{run, Reply};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use s3db_core::encoding::base62;
use s3db_core::{crypto, id, sizes, Error};
use serde_json::json;

#[napi(catch_unwind)]
pub fn base62_encode(n: f64) -> String {
    base62::encode(n)
}

#[napi(catch_unwind)]
pub fn base62_decode(text: String) -> f64 {
    base62::decode(&text)
}

#[napi(catch_unwind)]
pub fn base62_encode_decimal(n: f64) -> String {
    base62::encode_decimal(n)
}

#[napi(catch_unwind)]
pub fn base62_decode_decimal(text: String) -> f64 {
    base62::decode_decimal(&text)
}

#[napi(catch_unwind)]
pub fn encode_fixed_point(n: f64, precision: u32) -> String {
    base62::encode_fixed_point(n, precision)
}

#[napi(catch_unwind)]
pub fn decode_fixed_point(text: String, precision: u32) -> f64 {
    base62::decode_fixed_point(&text, precision)
}

#[napi(catch_unwind)]
pub fn encode_fixed_point_batch(values: Vec<f64>, precision: u32) -> String {
    base62::encode_fixed_point_batch(&values, precision)
}

#[napi(catch_unwind)]
pub fn decode_fixed_point_batch(text: String, precision: u32) -> Vec<f64> {
    base62::decode_fixed_point_batch(&text, precision)
}

/// s3db.js secret format; resolves to base64(salt ‖ iv ‖ ciphertext ‖ tag).
#[napi(catch_unwind)]
pub fn encrypt_text<'env>(env: &'env Env, plaintext: String, passphrase: String) -> Result<Reply<'env>> {
    run(env, crypto::encrypt_text(passphrase, plaintext))
}

#[napi(catch_unwind)]
pub fn decrypt_text<'env>(env: &'env Env, stored: String, passphrase: String) -> Result<Reply<'env>> {
    run(env, crypto::decrypt_text(passphrase, stored))
}

#[napi(catch_unwind)]
pub fn sha256_hex(data: Buffer) -> String {
    crypto::sha256_hex(&data)
}

#[napi(catch_unwind)]
pub fn md5_base64(data: Buffer) -> String {
    crypto::md5_base64(&data)
}

/// `size` random characters from `alphabet` (nanoid), or from the id alphabet when omitted.
#[napi(catch_unwind)]
pub fn random_id(size: u32, alphabet: Option<String>) -> Result<String> {
    let size = size as usize;
    match alphabet {
        None => Ok(id::generate(size)),
        Some(a) if !a.is_empty() && a.chars().count() <= 255 => Ok(id::generate_from(&a, size)),
        Some(_) => Err(crate::errors::to_napi(Error::validation("the alphabet must hold 1 to 255 characters"))),
    }
}

#[napi(catch_unwind)]
pub fn password_alphabet() -> String {
    id::PASSWORD_ALPHABET.to_string()
}

/// `{sizes: {name: bytes}, names: bytes}` of a mapped object given as JSON.
#[napi(catch_unwind)]
pub fn metadata_sizes(mapped: String) -> Result<String> {
    let mapped = document(&mapped, "calculateAttributeSizes").map_err(crate::errors::to_napi)?;
    Ok(to_json(&json!({"sizes": sizes::attribute_sizes(&mapped), "names": sizes::names_size(&mapped)})))
}

/// The text s3db.js measures for one value (JSON in).
#[napi(catch_unwind)]
pub fn measured_text(value: String) -> Result<String> {
    let value = crate::resource::parse_json(&value, "value").map_err(crate::errors::to_napi)?;
    Ok(sizes::transform_value(&value))
}

/// The concurrency auto-tuning picks next (the engine's policy, shared with `TasksPool`):
/// `p50Ms` is the recent median task time (`null` when none finished), `waiting` the queue length.
#[napi(catch_unwind)]
pub fn auto_tune_concurrency(
    current: u32,
    p50_ms: Option<f64>,
    waiting: u32,
    min_concurrency: u32,
    max_concurrency: u32,
    target_latency_ms: f64,
) -> u32 {
    use s3db_core::storage::scheduler::AutoTuning;
    use std::time::Duration;
    let millis = |ms: f64| Duration::from_secs_f64(ms.max(0.0) / 1000.0);
    let tuning = AutoTuning {
        min_concurrency: min_concurrency as usize,
        max_concurrency: max_concurrency as usize,
        target_latency: millis(target_latency_ms),
        adjustment_interval: Duration::ZERO,
    };
    tuning.next(current as usize, p50_ms.map(millis), waiting as usize) as u32
}
