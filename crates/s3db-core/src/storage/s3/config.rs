//! S3 store settings, as the facade resolves them from a connection string and options.
//! `Debug` never shows the secret key.

use crate::storage::scheduler::{AutoTuning, MAX_CONCURRENCY};
use crate::error::{Error, ErrorKind, Result};
use serde_json::Value;
use std::fmt;
use std::time::Duration;

pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_PARALLELISM: usize = 10;
/// Per attempt, from sending the request to the response headers (a GET's body then streams
/// under the SDK's stalled-stream protection). Half s3db.js's 60 s socket timeout: a silent server
/// fails after three attempts in about 1.5 minutes, not 3.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// First try plus two retries, as the AWS SDKs do by default.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// Static credentials; without them the default AWS credential chain is used.
#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCredentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// When PUTs carry a checksum header. `WhenRequired` is what Cloudflare R2, Backblaze B2 and
/// older MinIO accept; `WhenSupported` adds a CRC32 to every upload (the AWS SDK default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumMode {
    WhenSupported,
    WhenRequired,
}

/// How `If-None-Match: *` (create-only PUT) is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionalWrites {
    /// Probe the server once, on the first create-only PUT (3 small requests), then use the native
    /// header when it is honoured and the HEAD-then-PUT fallback when it is ignored.
    Auto,
    /// The server honours `If-None-Match` (AWS, MinIO, R2, moto).
    Native,
    /// The server ignores it (Garage): check with a HEAD first.
    Emulated,
}

#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    /// The database key prefix; the conditional-write probe object lives under it.
    pub key_prefix: String,
    pub region: String,
    /// Custom endpoint origin (`http://host:port`); `None` for AWS's regional endpoint.
    pub endpoint: Option<String>,
    pub force_path_style: bool,
    pub credentials: Option<StaticCredentials>,
    pub checksum: ChecksumMode,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub max_attempts: u32,
    /// First retry's backoff (`executorPool.retryDelay`); later ones grow exponentially with jitter.
    pub retry_delay: Option<Duration>,
    pub parallelism: usize,
    /// `executorPool.autoTuning` when enabled.
    pub auto_tuning: Option<AutoTuning>,
    pub conditional_writes: ConditionalWrites,
}

/// `autoTuning: {enabled, minConcurrency, maxConcurrency, targetLatency, adjustmentInterval}`
/// (times in milliseconds); absent or `enabled: false` is none.
fn auto_tuning(options: &Value) -> Result<Option<AutoTuning>> {
    let Some(tuning) = options.get("autoTuning").filter(|t| !t.is_null()) else { return Ok(None) };
    if flag(tuning, "enabled")? == Some(false) {
        return Ok(None);
    }
    let min_concurrency = number(tuning, "minConcurrency")?.map_or(1, |n| n.clamp(1, MAX_CONCURRENCY as u64) as usize);
    let max_concurrency = number(tuning, "maxConcurrency")?.map_or(MAX_CONCURRENCY, |n| n.clamp(1, MAX_CONCURRENCY as u64) as usize);
    if min_concurrency > max_concurrency {
        return Err(bad(format!("autoTuning.minConcurrency ({min_concurrency}) is above maxConcurrency ({max_concurrency})")));
    }
    Ok(Some(AutoTuning {
        min_concurrency,
        max_concurrency,
        target_latency: Duration::from_millis(number(tuning, "targetLatency")?.unwrap_or(250)),
        adjustment_interval: Duration::from_millis(number(tuning, "adjustmentInterval")?.unwrap_or(5000).max(10)),
    }))
}

fn bad(message: String) -> Error {
    Error::new(ErrorKind::ConnectionString, message)
}

fn text<'a>(options: &'a Value, name: &str) -> Option<&'a str> {
    options.get(name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A positive number given as a number or as text (query parameters arrive as text).
fn number(options: &Value, name: &str) -> Result<Option<u64>> {
    let value = match options.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match value {
        Some(v) if v.is_finite() && v >= 1.0 => Ok(Some(v as u64)),
        _ => Err(bad(format!("S3 option '{name}' must be a positive number"))),
    }
}

fn flag(options: &Value, name: &str) -> Result<Option<bool>> {
    match options.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" || s == "1" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" || s == "0" => Ok(Some(false)),
        Some(_) => Err(bad(format!("S3 option '{name}' must be true or false"))),
    }
}

/// `WHEN_REQUIRED`, `when_required`, `WhenRequired` all name the same mode.
fn normalized(word: &str) -> String {
    word.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect()
}

fn checksum_mode(options: &Value, custom_endpoint: bool) -> Result<ChecksumMode> {
    let given = text(options, "requestChecksumCalculation").or_else(|| text(options, "checksumMode"));
    match given.map(normalized).as_deref() {
        // S3-compatible servers vary in what checksum headers they accept; AWS takes both.
        None => Ok(if custom_endpoint { ChecksumMode::WhenRequired } else { ChecksumMode::WhenSupported }),
        Some("whenrequired") => Ok(ChecksumMode::WhenRequired),
        Some("whensupported") => Ok(ChecksumMode::WhenSupported),
        Some(_) => Err(bad("S3 option 'requestChecksumCalculation' must be WHEN_REQUIRED or WHEN_SUPPORTED".into())),
    }
}

fn conditional_writes(options: &Value) -> Result<ConditionalWrites> {
    match text(options, "conditionalWrites").map(normalized).as_deref() {
        None | Some("auto") => Ok(ConditionalWrites::Auto),
        Some("native") => Ok(ConditionalWrites::Native),
        Some("emulate") | Some("emulated") => Ok(ConditionalWrites::Emulated),
        Some(_) => Err(bad("S3 option 'conditionalWrites' must be auto, native or emulate".into())),
    }
}

/// An endpoint must be an `http(s)://host[:port]` origin; credentials in it are refused so they
/// can never reach a message.
fn endpoint(options: &Value) -> Result<Option<String>> {
    let Some(raw) = text(options, "endpoint") else { return Ok(None) };
    let trimmed = raw.trim_end_matches('/');
    let rest = trimmed.strip_prefix("http://").or_else(|| trimmed.strip_prefix("https://"));
    match rest {
        Some(rest) if rest.contains('@') => Err(bad("S3 endpoint must not contain credentials".into())),
        Some(rest) if !rest.is_empty() => Ok(Some(trimmed.to_string())),
        _ => Err(bad(format!("S3 endpoint '{trimmed}' must start with http:// or https://"))),
    }
}

impl S3Config {
    /// From the facade's options object:
    /// `{bucket, keyPrefix, region, endpoint, forcePathStyle, accessKeyId, secretAccessKey,
    /// sessionToken, requestChecksumCalculation, requestTimeout, connectTimeout, maxAttempts,
    /// retryDelay, parallelism, autoTuning, conditionalWrites}` (times in milliseconds).
    pub fn from_json(options: &Value) -> Result<Self> {
        let bucket = text(options, "bucket").ok_or_else(|| bad("S3 connection needs a bucket".into()))?.to_string();
        let endpoint = endpoint(options)?;
        let credentials = match (text(options, "accessKeyId"), text(options, "secretAccessKey")) {
            (Some(id), Some(secret)) => Some(StaticCredentials {
                access_key_id: id.to_string(),
                secret_access_key: secret.to_string(),
                session_token: text(options, "sessionToken").map(str::to_string),
            }),
            (None, None) => None,
            _ => return Err(bad("S3 credentials need both an access key id and a secret access key".into())),
        };
        let millis = |name: &str, default: Duration| -> Result<Duration> {
            Ok(number(options, name)?.map_or(default, Duration::from_millis))
        };
        Ok(Self {
            bucket,
            key_prefix: text(options, "keyPrefix").unwrap_or_default().to_string(),
            region: text(options, "region").unwrap_or(DEFAULT_REGION).to_string(),
            force_path_style: flag(options, "forcePathStyle")?.unwrap_or(endpoint.is_some()),
            checksum: checksum_mode(options, endpoint.is_some())?,
            endpoint,
            credentials,
            request_timeout: millis("requestTimeout", DEFAULT_REQUEST_TIMEOUT)?,
            connect_timeout: millis("connectTimeout", DEFAULT_CONNECT_TIMEOUT)?,
            max_attempts: number(options, "maxAttempts")?.map_or(DEFAULT_MAX_ATTEMPTS, |n| n.min(20) as u32),
            retry_delay: number(options, "retryDelay")?.map(Duration::from_millis),
            parallelism: number(options, "parallelism")?.map_or(DEFAULT_PARALLELISM, |n| n.min(1000) as usize),
            auto_tuning: auto_tuning(options)?,
            conditional_writes: conditional_writes(options)?,
        })
    }

    /// Where requests go, for messages: the custom endpoint or AWS's regional one.
    pub fn endpoint_for_messages(&self) -> String {
        self.endpoint.clone().unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", self.region))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_custom_endpoint_defaults_to_path_style_and_checksums_when_required() {
        let config = S3Config::from_json(&json!({
            "bucket": "b", "endpoint": "http://127.0.0.1:9000/", "accessKeyId": "AK", "secretAccessKey": "SK",
        }))
        .unwrap();
        assert_eq!(config.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(config.force_path_style);
        assert_eq!(config.checksum, ChecksumMode::WhenRequired);
        assert_eq!(config.region, DEFAULT_REGION);
        assert_eq!(config.conditional_writes, ConditionalWrites::Auto);
        assert_eq!(config.max_attempts, DEFAULT_MAX_ATTEMPTS);
    }

    #[test]
    fn aws_defaults_to_virtual_hosts_and_the_credential_chain() {
        let config = S3Config::from_json(&json!({"bucket": "b", "region": "eu-west-1"})).unwrap();
        assert!(config.endpoint.is_none());
        assert!(!config.force_path_style);
        assert!(config.credentials.is_none());
        assert_eq!(config.checksum, ChecksumMode::WhenSupported);
        assert_eq!(config.endpoint_for_messages(), "https://s3.eu-west-1.amazonaws.com");
    }

    #[test]
    fn query_parameters_arrive_as_text() {
        let config = S3Config::from_json(&json!({
            "bucket": "b", "forcePathStyle": "false", "requestTimeout": "1500", "maxAttempts": "5",
            "requestChecksumCalculation": "WHEN_SUPPORTED", "conditionalWrites": "emulate",
        }))
        .unwrap();
        assert!(!config.force_path_style);
        assert_eq!(config.request_timeout, Duration::from_millis(1500));
        assert_eq!(config.max_attempts, 5);
        assert_eq!(config.checksum, ChecksumMode::WhenSupported);
        assert_eq!(config.conditional_writes, ConditionalWrites::Emulated);
    }

    #[test]
    fn bad_options_are_connection_string_errors_without_secrets() {
        for options in [
            json!({}),
            json!({"bucket": "b", "endpoint": "ftp://x"}),
            json!({"bucket": "b", "endpoint": "http://AK:SK@host"}),
            json!({"bucket": "b", "accessKeyId": "AK"}),
            json!({"bucket": "b", "secretAccessKey": "SK"}),
            json!({"bucket": "b", "requestTimeout": -1}),
            json!({"bucket": "b", "forcePathStyle": "maybe"}),
            json!({"bucket": "b", "requestChecksumCalculation": "sometimes"}),
        ] {
            let error = S3Config::from_json(&options).unwrap_err();
            assert_eq!(error.kind, ErrorKind::ConnectionString, "{options}");
            assert!(!error.message.contains("SK"), "{}", error.message);
        }
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let config = S3Config::from_json(&json!({
            "bucket": "b", "accessKeyId": "AKID", "secretAccessKey": "very-secret", "sessionToken": "tok-secret",
        }))
        .unwrap();
        let shown = format!("{config:?}");
        assert!(shown.contains("AKID"));
        assert!(!shown.contains("very-secret") && !shown.contains("tok-secret"));
    }

    #[test]
    fn executor_pool_settings() {
        let options = json!({"bucket": "b", "parallelism": 40, "retryDelay": 250, "maxAttempts": 4,
            "autoTuning": {"minConcurrency": 5, "maxConcurrency": 80, "targetLatency": 100, "adjustmentInterval": 2000}});
        let config = S3Config::from_json(&options).unwrap();
        assert_eq!((config.parallelism, config.max_attempts, config.retry_delay), (40, 4, Some(Duration::from_millis(250))));
        let tuning = config.auto_tuning.unwrap();
        assert_eq!((tuning.min_concurrency, tuning.max_concurrency), (5, 80));
        assert_eq!((tuning.target_latency, tuning.adjustment_interval), (Duration::from_millis(100), Duration::from_millis(2000)));
        let off = S3Config::from_json(&json!({"bucket": "b", "autoTuning": {"enabled": false}})).unwrap();
        assert!(off.auto_tuning.is_none() && off.retry_delay.is_none());
        let inverted = S3Config::from_json(&json!({"bucket": "b", "autoTuning": {"minConcurrency": 9, "maxConcurrency": 3}}));
        assert!(inverted.unwrap_err().message.contains("minConcurrency"));
    }
}
