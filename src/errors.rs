//! Engine errors and panics as JS errors. The message carries a JSON payload
//! (`{name, message, ...details}`) behind a marker; the JS facade rebuilds the s3db.js error class.

use s3db_core::{Error, ErrorKind};

const MARKER: &str = "S3DB_NATIVE_ERROR:";

pub fn to_napi(error: Error) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, format!("{MARKER}{}", error.to_json()))
}

pub fn from_panic(payload: Box<dyn std::any::Any + Send>) -> napi::Error {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    to_napi(Error::new(ErrorKind::Internal, format!("internal error in s3db-native: {text}")))
}

pub fn bad_json(what: &str, error: serde_json::Error) -> Error {
    Error::validation(format!("{what} is not valid JSON: {error}"))
}
