'use strict';
// The s3db.js error classes, built in JS so `instanceof Error` holds in every realm.
// Native failures arrive as Errors whose message is a marker plus a JSON payload.

const NATIVE_MARKER = 'S3DB_NATIVE_ERROR:';

class BaseError extends Error {
  constructor({ message, code, statusCode, description, ...details } = {}) {
    super(message);
    this.name = this.constructor.name;
    this.code = code || this.constructor.name;
    if (statusCode !== undefined) this.statusCode = statusCode;
    if (description !== undefined) this.description = description;
    this.thrownAt = new Date();
    Object.assign(this, details);
  }

  toJson() {
    const { stack, ...fields } = this;
    return { ...fields, name: this.name, message: this.message, stack };
  }

  toString() {
    return `${this.name} | ${this.message}`;
  }
}

const define = (name, Parent = BaseError) => ({ [name]: class extends Parent {} })[name];

const S3dbError = define('S3dbError');
const DatabaseError = define('DatabaseError', S3dbError);
const ValidationError = define('ValidationError', S3dbError);
const AuthenticationError = define('AuthenticationError', S3dbError);
const PermissionError = define('PermissionError', S3dbError);
const EncryptionError = define('EncryptionError', S3dbError);
const CryptoError = define('CryptoError', S3dbError);
const SchemaError = define('SchemaError', S3dbError);
const ResourceError = define('ResourceError', S3dbError);
const PartitionError = define('PartitionError', S3dbError);
const PluginError = define('PluginError', S3dbError);
const PluginStorageError = define('PluginStorageError', S3dbError);
const PartitionDriverError = define('PartitionDriverError', S3dbError);
const BehaviorError = define('BehaviorError', S3dbError);
const StreamError = define('StreamError', S3dbError);
const MetadataLimitError = define('MetadataLimitError', S3dbError);
const AnalyticsNotEnabledError = define('AnalyticsNotEnabledError', S3dbError);
const ConnectionStringError = define('ConnectionStringError', S3dbError);
const UnknownError = define('UnknownError', S3dbError);
const ResourceNotFound = define('ResourceNotFound', S3dbError);
const NoSuchBucket = define('NoSuchBucket', S3dbError);
const NoSuchKey = define('NoSuchKey', S3dbError);
const NotFound = define('NotFound', S3dbError);
const MissingMetadata = define('MissingMetadata', S3dbError);
// A document that failed schema validation; also a ValidationError for callers that catch those.
const InvalidResourceItem = define('InvalidResourceItem', ValidationError);

const ErrorMap = {
  BaseError, S3dbError, DatabaseError, ValidationError, AuthenticationError, PermissionError,
  EncryptionError, CryptoError, SchemaError, ResourceError, PartitionError, PluginError,
  PluginStorageError, PartitionDriverError, BehaviorError, StreamError, MetadataLimitError,
  AnalyticsNotEnabledError, ConnectionStringError, UnknownError, ResourceNotFound, NoSuchBucket,
  NoSuchKey, NotFound, MissingMetadata, InvalidResourceItem,
};

/** Rebuilds the s3db error class from a native failure; other errors pass through. */
function fromNative(error) {
  const text = error && typeof error.message === 'string' ? error.message : '';
  if (!text.startsWith(NATIVE_MARKER)) return error;
  let payload;
  try {
    payload = JSON.parse(text.slice(NATIVE_MARKER.length));
  } catch {
    return new UnknownError({ message: text.slice(NATIVE_MARKER.length) });
  }
  return fromPayload(payload);
}

/** An error object from the engine's `{name, message, ...details}` payload. */
function fromPayload(payload) {
  const Class = ErrorMap[payload.name] || UnknownError;
  const built = new Class(payload);
  if (payload.validation) built.errors = payload.validation;
  return built;
}

/** Maps an AWS-style error (code/statusCode) to the matching s3db class. */
function mapAwsError(err, context = {}) {
  const code = err && (err.code || err.Code || err.name);
  const status = err && (err.statusCode || (err.$metadata && err.$metadata.httpStatusCode));
  const base = { ...context, original: err, code, statusCode: status };
  if (code === 'NoSuchKey' || code === 'NotFound') return new NoSuchKey({ ...base, message: `No such key: ${context.key} [bucket:${context.bucket}]` });
  if (code === 'NoSuchBucket') return new NoSuchBucket({ ...base, message: `Bucket does not exists [bucket:${context.bucket}]` });
  if (code === 'AccessDenied' || status === 403 || code === 'Forbidden') return new PermissionError({ ...base, message: 'Access denied' });
  if (code === 'ValidationError' || status === 400) return new ValidationError({ ...base, message: 'Validation error' });
  if (code === 'MissingMetadata') return new MissingMetadata({ ...base, message: `Missing metadata for bucket [bucket:${context.bucket}]` });
  return new UnknownError({ ...base, message: `Unknown error: ${err && err.message} | Code: ${code} | Status: ${status}` });
}

module.exports = { ...ErrorMap, ErrorMap, fromNative, fromPayload, mapAwsError };
