//! AWS SDK failures as s3db errors: the s3db.js class (`NoSuchBucket`, `PermissionError`, …),
//! a message that says what happened and where, and `code`/`statusCode` fields. Credentials
//! never appear: requests are signed in headers, and only the endpoint origin is named.

use crate::behavior::METADATA_LIMIT;
use crate::error::{Error, ErrorKind};
pub use aws_sdk_s3::config::http::HttpResponse;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use std::time::Duration;

/// What went wrong with one request, reduced to what the mapping needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: Option<String>,
    pub cause: Cause,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cause {
    /// The server answered with an error.
    Response,
    /// No complete answer within the per-request timeout.
    Timeout,
    /// The endpoint could not be reached (refused, reset, DNS, TLS); the text says why.
    Unreachable(String),
    /// No credentials: the default chain found none, or its provider failed; the text says why.
    NoCredentials(String),
    /// The request could not be built or the answer not read.
    Other(String),
}

impl Failure {
    pub fn from_sdk<E>(error: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = error.raw_response().map(|response| response.status().as_u16());
        let code = error.code().map(str::to_string);
        let message = error.message().map(str::to_string);
        let cause = match error {
            _ if is_credentials_error(error) => Cause::NoCredentials(innermost_reason(error)),
            SdkError::ServiceError(_) | SdkError::ResponseError(_) => Cause::Response,
            SdkError::TimeoutError(_) => Cause::Timeout,
            SdkError::DispatchFailure(dispatch) if dispatch.is_timeout() => Cause::Timeout,
            SdkError::DispatchFailure(dispatch) if dispatch.is_io() || dispatch.is_other() => {
                Cause::Unreachable(innermost_reason(error))
            }
            _ => Cause::Other(innermost_reason(error)),
        };
        Self { status, code, message, cause }
    }

    /// True when the request may have reached the server and been applied although no success
    /// came back: no answer, a cut-off answer, a 5xx or throttling after retries (an earlier attempt
    /// may have been applied before its answer was lost). A 4xx other than 429 is a clear refusal.
    pub fn outcome_unknown(&self) -> bool {
        match self.cause {
            Cause::Timeout | Cause::Unreachable(_) | Cause::Other(_) => true,
            Cause::NoCredentials(_) => false,
            Cause::Response => self.status.is_none_or(|s| s >= 500 || s == 429),
        }
    }

    /// A failure found while reading a body or a batch result.
    pub fn other(reason: impl Into<String>) -> Self {
        Self { status: None, code: None, message: None, cause: Cause::Other(reason.into()) }
    }
}

/// True when a credential provider failed somewhere in the error chain.
fn is_credentials_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<CredentialsError>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// The innermost cause ("Connection refused (os error 111)"), which is the telling one.
fn innermost_reason(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// Where and how a request was made, for the message.
pub struct RequestContext<'a> {
    /// SDK operation name (`PutObject`).
    pub operation: &'static str,
    pub key: &'a str,
    pub bucket: &'a str,
    pub endpoint: &'a str,
    pub max_attempts: u32,
    pub timeout: Duration,
}

const PERMISSION_CODES: &[&str] = &[
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "TokenRefreshRequired",
    "AllAccessDisabled",
    "AccountProblem",
    "InvalidSecurity",
];

const THROTTLING_CODES: &[&str] = &["SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests"];

fn is_throttling(failure: &Failure) -> bool {
    failure.code.as_deref().is_some_and(|c| THROTTLING_CODES.contains(&c)) || matches!(failure.status, Some(429 | 503))
}

/// Ends the message of a write whose outcome is unknown.
const MAY_HAVE_BEEN_APPLIED: &str = "; the write may have been applied";

/// A write failure after which the write may or may not be in place.
pub fn may_have_been_applied(mut error: Error) -> Error {
    error.message.push_str(MAY_HAVE_BEEN_APPLIED);
    error.with("mayHaveBeenApplied", true)
}

/// A write failure whose object was checked afterwards and does not hold the write.
pub fn not_applied(mut error: Error) -> Error {
    error.message = error.message.replace(MAY_HAVE_BEEN_APPLIED, "; the object does not hold this write");
    error.with("mayHaveBeenApplied", false)
}

/// Operations that change what is stored.
fn is_write(operation: &str) -> bool {
    matches!(operation, "PutObject" | "CopyObject" | "DeleteObject" | "DeleteObjects")
}

/// The name a service failure goes by: the server's code when it is one (`SlowDown`,
/// `ServiceUnavailable`, `InternalError`), else what happened.
fn service_name(failure: &Failure, fallback: &'static str) -> &'static str {
    const KNOWN: &[&str] = &[
        "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling", "ThrottlingException",
        "RequestLimitExceeded", "TooManyRequests", "BadGateway", "GatewayTimeout",
    ];
    match failure.code.as_deref().and_then(|code| KNOWN.iter().find(|known| **known == code)) {
        Some(known) => known,
        None => match failure.status {
            Some(503) => "ServiceUnavailable",
            Some(502) => "BadGateway",
            Some(504) => "GatewayTimeout",
            Some(429) => "TooManyRequests",
            // A HEAD's error has no body, hence no code: a bare 5xx is still a server error.
            Some(status) if status >= 500 => "InternalError",
            _ => fallback,
        },
    }
}

pub fn to_error(failure: Failure, ctx: &RequestContext<'_>) -> Error {
    let RequestContext { operation, key, bucket, endpoint, max_attempts, timeout } = *ctx;
    let code = failure.code.clone();
    let where_ = format!("{operation} '{key}' [bucket:{bucket}]");
    let said = || match (&failure.code, &failure.message) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.clone(),
        (None, Some(message)) => message.clone(),
        (None, None) => format!("HTTP {}", failure.status.unwrap_or(0)),
    };
    let (kind, message, fallback_code) = match &failure.cause {
        Cause::Timeout => (
            ErrorKind::Service,
            format!(
                "S3 request timed out: no answer from {endpoint} within {} ms, {max_attempts} attempts: {where_}",
                timeout.as_millis()
            ),
            "TimeoutError",
        ),
        Cause::Unreachable(reason) => (
            ErrorKind::Service,
            format!("Cannot reach the S3 endpoint {endpoint} ({reason}) after {max_attempts} attempts: {where_}"),
            "NetworkingError",
        ),
        Cause::NoCredentials(reason) => (
            ErrorKind::Authentication,
            format!(
                "No S3 credentials: none in the connection string and the default AWS credential chain found none \
                 ({reason}); put KEY:SECRET in the connection string or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
                 AWS_PROFILE, web identity or an instance role: {where_}"
            ),
            "CredentialsError",
        ),
        Cause::Other(reason) => (ErrorKind::Service, format!("S3 request failed ({reason}): {where_}"), "UnknownError"),
        Cause::Response if code.as_deref() == Some("NoSuchBucket") => {
            (ErrorKind::NoSuchBucket, format!("Bucket does not exists [bucket:{bucket}] at {endpoint}"), "NoSuchBucket")
        }
        Cause::Response
            if matches!(failure.status, Some(401 | 403))
                || code.as_deref().is_some_and(|c| PERMISSION_CODES.contains(&c)) =>
        {
            (
                ErrorKind::Permission,
                format!("Access denied ({}): check the credentials and the bucket policy: {where_}", said()),
                "AccessDenied",
            )
        }
        Cause::Response if failure.status == Some(431) => (
            ErrorKind::MetadataLimit,
            format!(
                "The server refused the request headers (HTTP 431 Request Header Fields Too Large): too many metadata \
                 fields for this server (moto and Garage accept about 85; AWS S3 limits only their size, \
                 {METADATA_LIMIT} bytes); use the body-only behavior for records with that many fields: {where_}"
            ),
            "RequestHeaderFieldsTooLarge",
        ),
        Cause::Response if is_throttling(&failure) => (
            ErrorKind::Service,
            format!("S3 is throttling requests ({}) and still was after {max_attempts} attempts: {where_}", said()),
            "SlowDown",
        ),
        Cause::Response if failure.status.is_some_and(|s| s >= 500) => (
            ErrorKind::Service,
            format!("S3 server error ({}) after {max_attempts} attempts: {where_}", said()),
            "InternalError",
        ),
        Cause::Response if failure.status == Some(400) => {
            (ErrorKind::Validation, format!("Validation error: S3 refused the request ({}): {where_}", said()), "BadRequest")
        }
        Cause::Response => (ErrorKind::Service, format!("S3 request failed ({}): {where_}", said()), "UnknownError"),
    };
    let name = match &failure.cause {
        Cause::Timeout => Some("RequestTimeout"),
        Cause::Unreachable(_) => Some("NetworkingError"),
        Cause::Other(_) => Some("IncompleteResponse"),
        Cause::Response if kind == ErrorKind::Service => Some(service_name(&failure, "UnknownError")),
        _ => None,
    };
    let retried = failure.outcome_unknown();
    let mut error = Error::new(kind, message);
    if let Some(name) = name {
        error = error.named(name);
    }
    if retried {
        error = error.with("attempts", max_attempts);
    }
    if is_write(operation) && retried {
        error = may_have_been_applied(error);
    }
    let mut error = error
        .with("code", code.unwrap_or_else(|| fallback_code.to_string()))
        .with("bucket", bucket)
        .with("key", key)
        .with("commandName", format!("{operation}Command"));
    if let Some(status) = failure.status {
        error = error.with("statusCode", status);
    }
    if let Some(server_message) = failure.message {
        error = error.with("awsMessage", server_message);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext<'static> {
        RequestContext {
            operation: "PutObject",
            key: "db/resource=users/data/id=1",
            bucket: "b",
            endpoint: "http://127.0.0.1:9000",
            max_attempts: 3,
            timeout: Duration::from_millis(500),
        }
    }

    fn response(status: u16, code: Option<&str>, message: Option<&str>) -> Failure {
        Failure {
            status: Some(status),
            code: code.map(str::to_string),
            message: message.map(str::to_string),
            cause: Cause::Response,
        }
    }

    #[test]
    fn missing_bucket_is_no_such_bucket_with_the_s3db_wording() {
        let error = to_error(response(404, Some("NoSuchBucket"), Some("The specified bucket does not exist")), &ctx());
        assert_eq!(error.kind, ErrorKind::NoSuchBucket);
        assert!(error.message.starts_with("Bucket does not exists [bucket:b]"));
        assert_eq!(error.details["code"], "NoSuchBucket");
        assert_eq!(error.details["statusCode"], 404);
    }

    #[test]
    fn refused_credentials_are_permission_errors() {
        for (status, code) in [(403, Some("InvalidAccessKeyId")), (403, Some("SignatureDoesNotMatch")), (403, None), (401, None)] {
            let error = to_error(response(status, code, None), &ctx());
            assert_eq!(error.kind, ErrorKind::Permission, "{code:?}");
            assert!(error.message.starts_with("Access denied"));
            assert_eq!(error.details["commandName"], "PutObjectCommand");
        }
    }

    #[test]
    fn throttling_names_the_code_and_the_attempts() {
        let error = to_error(response(503, Some("SlowDown"), Some("Please reduce your request rate.")), &ctx());
        assert_eq!(error.kind, ErrorKind::Service);
        assert_eq!(error.kind.name(), "UnknownError");
        assert!(error.message.contains("throttling"), "{}", error.message);
        assert!(error.message.contains("SlowDown") && error.message.contains("3 attempts"));
        assert_eq!(error.details["code"], "SlowDown");
        let bare = to_error(response(503, None, None), &ctx());
        assert!(bare.message.contains("throttling") && bare.message.contains("HTTP 503"));
    }

    #[test]
    fn service_failures_are_named_even_without_a_code() {
        assert_eq!(to_error(response(500, None, None), &ctx()).name(), "InternalError");
        assert_eq!(to_error(response(500, Some("InternalError"), None), &ctx()).name(), "InternalError");
        assert_eq!(to_error(response(503, None, None), &ctx()).name(), "ServiceUnavailable");
        assert_eq!(to_error(response(503, Some("SlowDown"), None), &ctx()).name(), "SlowDown");
        let write = to_error(response(500, None, None), &ctx());
        assert!(write.message.ends_with("; the write may have been applied"), "{}", write.message);
        assert_eq!(write.details["mayHaveBeenApplied"], true);
        assert_eq!(write.details["attempts"], 3);
    }

    #[test]
    fn timeouts_and_unreachable_endpoints_say_so() {
        let timeout = Failure { status: None, code: None, message: None, cause: Cause::Timeout };
        let error = to_error(timeout, &ctx());
        assert!(error.message.contains("timed out") && error.message.contains("500 ms"));
        assert_eq!(error.details["code"], "TimeoutError");
        let refused = Failure::other("x");
        assert_eq!(to_error(refused, &ctx()).kind, ErrorKind::Service);
        let unreachable = Failure { cause: Cause::Unreachable("Connection refused".into()), ..Failure::other("") };
        let error = to_error(unreachable, &ctx());
        assert!(error.message.starts_with("Cannot reach the S3 endpoint http://127.0.0.1:9000 (Connection refused)"));
        assert_eq!(error.details["code"], "NetworkingError");
    }

    #[test]
    fn a_missing_credential_is_an_authentication_error() {
        let failure = Failure { cause: Cause::NoCredentials("no providers in chain provided credentials".into()), ..Failure::other("") };
        let error = to_error(failure, &ctx());
        assert_eq!(error.kind.name(), "AuthenticationError");
        assert!(error.message.starts_with("No S3 credentials"), "{}", error.message);
        assert!(error.message.contains("no providers in chain provided credentials"));
    }

    #[test]
    fn too_many_headers_is_a_metadata_limit_error() {
        let error = to_error(response(431, None, None), &ctx());
        assert_eq!(error.kind, ErrorKind::MetadataLimit);
        assert!(error.message.contains("431"));
    }

    #[test]
    fn other_answers_keep_status_and_server_message() {
        let error = to_error(response(500, Some("InternalError"), Some("boom")), &ctx());
        assert!(error.message.contains("server error (InternalError: boom)"));
        let error = to_error(response(400, Some("InvalidArgument"), Some("bad")), &ctx());
        assert_eq!(error.kind, ErrorKind::Validation);
        let error = to_error(response(409, Some("OperationAborted"), None), &ctx());
        assert_eq!(error.kind, ErrorKind::Service);
        assert_eq!(error.details["statusCode"], 409);
    }
}
