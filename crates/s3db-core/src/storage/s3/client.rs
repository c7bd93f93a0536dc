//! Building the AWS SDK client: one hyper 1 + rustls (ring) HTTP client with a keep-alive pool,
//! static credentials or the default credential chain, timeouts, retries and checksum mode.

use super::config::{ChecksumMode, S3Config};
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Builder, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
    SharedHttpClient,
};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Idle keep-alive connections are reused for this long.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(60);

fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .pool_idle_timeout(IDLE_CONNECTION_TIMEOUT)
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The SDK client for `config`. With static credentials nothing is awaited; without them the
/// default chain (environment, shared profile, web identity, ECS, IMDS) is loaded first.
pub async fn build(config: &S3Config, retries: Arc<AtomicU64>) -> aws_sdk_s3::Client {
    let http = http_client();
    let region = Region::new(config.region.clone());
    let builder = match &config.credentials {
        Some(keys) => Builder::new().behavior_version(BehaviorVersion::latest()).credentials_provider(Credentials::new(
            keys.access_key_id.clone(),
            keys.secret_access_key.clone(),
            keys.session_token.clone(),
            None,
            "s3db-native-connection-string",
        )),
        None => {
            let shared = aws_config::defaults(BehaviorVersion::latest())
                .region(region.clone())
                .http_client(http.clone())
                .load()
                .await;
            Builder::from(&shared)
        }
    };
    let (request_checksums, response_checksums) = match config.checksum {
        ChecksumMode::WhenSupported => {
            (RequestChecksumCalculation::WhenSupported, ResponseChecksumValidation::WhenSupported)
        }
        ChecksumMode::WhenRequired => (RequestChecksumCalculation::WhenRequired, ResponseChecksumValidation::WhenRequired),
    };
    let mut builder = builder
        .region(region)
        .http_client(http)
        .force_path_style(config.force_path_style)
        .request_checksum_calculation(request_checksums)
        .response_checksum_validation(response_checksums)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(config.connect_timeout)
                .operation_attempt_timeout(config.request_timeout)
                .build(),
        )
        // Exponential backoff with full jitter on throttling (SlowDown, 503), 5xx, timeouts and
        // dropped connections.
        .retry_config(retry_config(config))
        .interceptor(RetryCounter(retries));
    if let Some(endpoint) = &config.endpoint {
        builder = builder.endpoint_url(endpoint.clone());
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

fn retry_config(config: &S3Config) -> RetryConfig {
    let standard = RetryConfig::standard().with_max_attempts(config.max_attempts);
    match config.retry_delay {
        Some(delay) => standard.with_initial_backoff(delay),
        None => standard,
    }
}

/// Counts attempts after the first (the SDK's retries) for `getQueueStats().retryCount`, and
/// reports each to the request's observer (`pool:taskRetry`).
#[derive(Debug)]
struct RetryCounter(Arc<AtomicU64>);

impl Intercept for RetryCounter {
    fn name(&self) -> &'static str {
        "s3db-retry-counter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<RequestAttempts>().is_some_and(|attempts| attempts.attempts() > 1) {
            self.0.fetch_add(1, Ordering::Relaxed);
            crate::storage::observed::report_retry();
        }
        Ok(())
    }
}
