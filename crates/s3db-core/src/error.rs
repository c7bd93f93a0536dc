//! Engine errors. Each carries a stable `name` (the s3db.js error class users catch) so the
//! binding can rebuild the right JS error class.

use serde_json::{json, Map, Value};
use std::fmt;

/// The s3db.js error classes the engine can raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Document failed schema validation (s3db.js `InvalidResourceItem`).
    InvalidResourceItem,
    /// Bad argument from the caller (empty id, non-object document, …).
    Validation,
    /// A record or object that does not exist.
    NoSuchKey,
    ResourceNotFound,
    /// Plain s3db.js `Error`s users match by message (already exists, does not exist).
    Resource,
    Database,
    Schema,
    Partition,
    Crypto,
    MetadataLimit,
    Behavior,
    ConnectionString,
    Storage,
    /// A conditional write found the object changed (S3 `412 PreconditionFailed`).
    PreconditionFailed,
    /// The bucket does not exist (s3db.js `NoSuchBucket`).
    NoSuchBucket,
    /// The store refused the credentials or the operation (s3db.js `PermissionError`).
    Permission,
    /// No credentials could be found (s3db.js `AuthenticationError`).
    Authentication,
    /// The store could not be reached or did not answer usefully: throttling that outlasted the
    /// retries, timeouts, refused connections, unexpected responses (s3db.js maps these to
    /// `UnknownError`, with the code and status as fields).
    Service,
    Internal,
}

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidResourceItem => "InvalidResourceItem",
            ErrorKind::Validation => "ValidationError",
            ErrorKind::NoSuchKey => "NoSuchKey",
            ErrorKind::ResourceNotFound => "ResourceNotFound",
            ErrorKind::Resource => "ResourceError",
            ErrorKind::Database => "DatabaseError",
            ErrorKind::Schema => "SchemaError",
            ErrorKind::Partition => "PartitionError",
            ErrorKind::Crypto => "CryptoError",
            ErrorKind::MetadataLimit => "MetadataLimitError",
            ErrorKind::Behavior => "BehaviorError",
            ErrorKind::ConnectionString => "ConnectionStringError",
            ErrorKind::Storage => "S3dbError",
            ErrorKind::PreconditionFailed => "PreconditionFailed",
            ErrorKind::NoSuchBucket => "NoSuchBucket",
            ErrorKind::Permission => "PermissionError",
            ErrorKind::Authentication => "AuthenticationError",
            ErrorKind::Service => "UnknownError",
            ErrorKind::Internal => "UnknownError",
        }
    }
}

/// An engine error: kind, message and optional structured details (validation issues, ids, keys).
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    /// A more specific name than the kind's class (`SlowDown`, `RequestTimeout`): the JS error
    /// keeps the class and takes this name.
    pub specific_name: Option<&'static str>,
    pub message: String,
    pub details: Map<String, Value>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, specific_name: None, message: message.into(), details: Map::new() }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    pub fn named(mut self, name: &'static str) -> Self {
        self.specific_name = Some(name);
        self
    }

    /// The name users see: the specific one, else the kind's class.
    pub fn name(&self) -> &'static str {
        self.specific_name.unwrap_or(self.kind.name())
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// `{name, message, specificName?, ...details}`: what the binding hands to the JS error
    /// factory (`name` picks the class, `specificName` renames the instance).
    pub fn to_json(&self) -> Value {
        let mut obj = self.details.clone();
        obj.insert("name".into(), json!(self.kind.name()));
        if let Some(specific) = self.specific_name {
            obj.insert("specificName".into(), json!(specific));
        }
        obj.insert("message".into(), json!(self.message));
        Value::Object(obj)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name(), self.message)
    }
}

impl std::error::Error for Error {}
