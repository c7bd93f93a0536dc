'use strict';
// The s3db.js error classes with s3db.js's constructors (`new ValidationError(message, details)`,
// `new NoSuchKey({bucket, key})`…), built in JS so `instanceof Error` holds in every realm.
// Native failures arrive as Errors whose message is a marker plus a JSON payload.

const NATIVE_MARKER = 'S3DB_NATIVE_ERROR:';
/** Set on details built from an engine payload: the argument checks are for callers, not for us. */
const FROM_ENGINE = Symbol('s3db.fromEngine');

class BaseError extends Error {
  constructor(fields = {}) {
    const { verbose, bucket, key, message, code, statusCode, requestId, awsMessage, original, commandName, commandInput, metadata, description, ...rest } = fields;
    delete rest[FROM_ENGINE];
    super(verbose ? `${message}\n\nVerbose:\n\n${JSON.stringify(rest, null, 2)}` : message);
    this.name = this.constructor.name;
    this.bucket = bucket;
    this.key = key;
    this.thrownAt = new Date();
    this.code = code;
    this.statusCode = statusCode;
    this.requestId = requestId;
    this.awsMessage = awsMessage;
    this.original = original;
    this.commandName = commandName;
    this.commandInput = commandInput;
    this.metadata = metadata;
    this.description = description;
    this.data = { bucket, key, ...rest, verbose, message };
  }

  toJson() {
    const { name, message, code, statusCode, requestId, awsMessage, bucket, key, thrownAt, commandName, commandInput, metadata, description, data, original, stack } = this;
    return { name, message, code, statusCode, requestId, awsMessage, bucket, key, thrownAt, commandName, commandInput, metadata, description, data, original, stack };
  }

  toString() {
    return `${this.name} | ${this.message}`;
  }
}

/** AWS fields of an SDK error given as `details.original`. */
function awsFields(original) {
  if (!original || typeof original !== 'object') return {};
  const meta = original.$metadata;
  return {
    code: original.code || original.Code || original.name,
    statusCode: original.statusCode || (meta && meta.httpStatusCode),
    requestId: original.requestId || (meta && meta.requestId),
    awsMessage: original.message,
    metadata: meta ? { ...meta } : undefined,
  };
}

class S3dbError extends BaseError {
  /** `(message, details)`; `({message, ...details})` is accepted too. */
  constructor(message, details) {
    if (details === undefined && message !== null && typeof message === 'object') {
      details = message;
      message = details.message;
    }
    details = details || {};
    super({ ...details, message, code: details.code, statusCode: details.statusCode, ...awsFields(details.original) });
    // Every field the caller gave is reachable on the error, as in s3db.js's subclasses.
    for (const [field, value] of Object.entries(details)) {
      if (field !== 'message' && !(field in this)) this[field] = value;
    }
  }
}

/** A subclass whose `description` defaults to `text(details)`, and whose details may carry defaults. */
function describedError(name, text, defaults = {}) {
  return {
    [name]: class extends S3dbError {
      constructor(message, details) {
        if (details === undefined && message !== null && typeof message === 'object') {
          details = message;
          message = details.message;
        }
        const filled = { ...defaults, ...(details || {}) };
        super(message, { ...filled, description: filled.description || text(filled) });
      }
    },
  }[name];
}

const DatabaseError = describedError('DatabaseError', () => undefined);
const ValidationError = describedError('ValidationError', () => undefined);
const AuthenticationError = describedError('AuthenticationError', () => undefined);
const PermissionError = describedError('PermissionError', () => undefined);
const EncryptionError = describedError('EncryptionError', () => undefined);
const ConnectionStringError = describedError('ConnectionStringError',
  () => 'The connection string could not be read: check its scheme, bucket, key prefix and credentials.');
const CryptoError = describedError('CryptoError',
  () => 'A cryptographic operation failed: check the passphrase and that the value was encrypted by s3db.');
const SchemaError = describedError('SchemaError',
  () => 'The schema or the data does not fit: check the attribute definitions and the value types.');
const ResourceError = describedError('ResourceError',
  () => 'The resource operation failed: check the resource configuration and the arguments of the call.');
const PartitionError = describedError('PartitionError', ({ resourceName, partitionName, fieldName, availableFields = [] }) => (
  resourceName && partitionName && fieldName
    ? `Partition '${partitionName}' of resource '${resourceName}' names the field '${fieldName}', which the attributes do not declare `
      + `(declared: ${availableFields.join(', ') || 'none'}). Declare the field, change the partition, or create the resource with strictValidation: false.`
    : undefined));
const PluginError = describedError('PluginError',
  ({ pluginName, operation }) => `Plugin ${pluginName} failed during '${operation}': check that it is configured and that the database is connected.`,
  { pluginName: 'Unknown', operation: 'unknown' });
const BackupError = describedError('BackupError',
  ({ driver, operation }) => `Backup driver '${driver}' failed during '${operation}': check its configuration and that the destination is writable.`,
  { driver: 'unknown', operation: 'unknown' });
const ReplicationError = describedError('ReplicationError',
  ({ replicatorClass, operation, resourceName }) => `Replicator ${replicatorClass} failed during '${operation}'${resourceName ? ` for resource '${resourceName}'` : ''}: check its configuration and that the target is reachable.`,
  { replicatorClass: 'unknown', operation: 'unknown' });
const CacheError = describedError('CacheError',
  ({ driver, operation }) => `Cache driver '${driver}' failed during '${operation}'.`,
  { driver: 'unknown', operation: 'unknown' });
const QueueError = describedError('QueueError',
  ({ operation, queueName }) => `Queue consumer failed during '${operation}'${queueName ? ` on '${queueName}'` : ''}: messages need "resource", "action" and "data".`,
  { operation: 'unknown' });
const PluginStorageError = describedError('PluginStorageError',
  ({ pluginSlug, key, operation }) => `Plugin storage of '${pluginSlug}' failed during '${operation}' on key '${key}'.`,
  { pluginSlug: 'unknown', key: '', operation: 'unknown' });
const PartitionDriverError = describedError('PartitionDriverError',
  ({ driver, operation, queueSize, maxQueueSize }) => `Partition driver '${driver}' failed during '${operation}'`
    + (queueSize !== undefined && maxQueueSize !== undefined ? ` (queue ${queueSize}/${maxQueueSize}).` : '.'),
  { driver: 'unknown', operation: 'unknown' });
const BehaviorError = describedError('BehaviorError',
  ({ behavior, availableBehaviors }) => `Unknown behavior '${behavior}'. Available: `
    + `${(availableBehaviors || []).join(', ') || 'user-managed, enforce-limits, truncate-data, body-overflow, body-only'}.`,
  { behavior: 'unknown', availableBehaviors: [] });
const StreamError = describedError('StreamError',
  ({ operation, resource }) => `Stream failed during '${operation}'${resource ? ` on resource '${resource}'` : ''}.`,
  { operation: 'unknown' });
const MetadataLimitError = describedError('MetadataLimitError', ({ totalSize, effectiveLimit, absoluteLimit, resourceName }) => (
  totalSize && effectiveLimit
    ? `The metadata takes ${totalSize} bytes; ${effectiveLimit} fit (S3 allows ${absoluteLimit} in all). `
      + `Use the body-overflow or body-only behavior${resourceName ? ` for '${resourceName}'` : ''}, or store fewer or shorter fields.`
    : undefined), { absoluteLimit: 2047 });
const UnknownError = describedError('UnknownError', () => undefined);

class AnalyticsNotEnabledError extends S3dbError {
  constructor(details = {}) {
    const { pluginName = 'EventualConsistency', resourceName = 'unknown', field = 'unknown', configuredResources = [], registeredResources = [], pluginInitialized = false, ...rest } = details;
    super(`Analytics not enabled for ${resourceName}.${field}`, {
      ...rest, pluginName, resourceName, field, configuredResources, registeredResources, pluginInitialized,
      description: `Analytics for ${resourceName}.${field} are not set up (plugin initialized: ${pluginInitialized}; `
        + `analytics resources ${registeredResources.length}/${configuredResources.length}). Connect the database before creating the resource.`,
    });
  }
}

/** Throws when a field a constructor needs is not a string (s3db.js's argument checks). */
function requireStrings(details, names, optional = []) {
  if (details[FROM_ENGINE]) return;
  for (const name of names) {
    if (typeof details[name] !== 'string') throw new Error(`${name} must be a string`);
  }
  for (const name of optional) {
    if (details[name] !== undefined && typeof details[name] !== 'string') throw new Error(`${name} must be a string`);
  }
}

/** The engine's own message when it sent one, else the s3db.js text. */
const engineMessage = (details, text) => (details[FROM_ENGINE] && details.message ? details.message : text);

/**
 * A class constructed from one details object whose `required` fields must be strings (s3db.js's
 * argument checks), with the message `text(details)`; `alwaysSet` fields exist even when absent.
 */
function checkedError(name, { required, optional = [], alwaysSet = [], text }) {
  return {
    [name]: class extends S3dbError {
      constructor(details = {}) {
        requireStrings(details, required, optional);
        super(engineMessage(details, text(details)), { ...details });
        for (const field of alwaysSet) this[field] = details[field];
      }
    },
  }[name];
}

const ResourceNotFound = checkedError('ResourceNotFound', {
  required: ['id', 'bucket', 'resourceName'],
  text: ({ bucket, resourceName, id }) => `Resource not found: ${resourceName}/${id} [bucket:${bucket}]`,
});
const NoSuchBucket = checkedError('NoSuchBucket', { required: ['bucket'], text: ({ bucket }) => `Bucket does not exists [bucket:${bucket}]` });
const NoSuchKey = checkedError('NoSuchKey', {
  required: ['key', 'bucket'], optional: ['id'], alwaysSet: ['resourceName', 'id'],
  text: ({ key, bucket }) => `No such key: ${key} [bucket:${bucket}]`,
});
const NotFound = checkedError('NotFound', {
  required: ['key', 'bucket'], alwaysSet: ['resourceName', 'id'],
  text: ({ key, bucket }) => `Not found: ${key} [bucket:${bucket}]`,
});
const MissingMetadata = checkedError('MissingMetadata', { required: ['bucket'], text: ({ bucket }) => `Missing metadata for bucket [bucket:${bucket}]` });

/** A document that failed schema validation; also a ValidationError for callers that catch those. */
class InvalidResourceItem extends ValidationError {
  constructor(details = {}) {
    requireStrings(details, ['bucket', 'resourceName']);
    const { bucket, resourceName, validation, message } = details;
    super(message || `Validation error: This item is not valid. Resource=${resourceName} [bucket:${bucket}].\n${JSON.stringify(validation, null, 2)}`, { ...details });
  }
}

const ErrorMap = { NotFound, NoSuchKey, UnknownError, NoSuchBucket, MissingMetadata, InvalidResourceItem };

/** Every class by name, for rebuilding engine errors. */
const CLASSES = {
  BaseError, S3dbError, DatabaseError, ValidationError, AuthenticationError, PermissionError,
  EncryptionError, CryptoError, SchemaError, ResourceError, PartitionError, PluginError,
  PluginStorageError, BackupError, ReplicationError, CacheError, QueueError, PartitionDriverError, BehaviorError, StreamError, MetadataLimitError,
  AnalyticsNotEnabledError, ConnectionStringError, UnknownError, ResourceNotFound, NoSuchBucket,
  NoSuchKey, NotFound, MissingMetadata, InvalidResourceItem,
};

/** Classes constructed from one details object (`new NoSuchKey({bucket, key})`). */
const DETAILS_ONLY = new Set([ResourceNotFound, NoSuchBucket, NoSuchKey, NotFound, MissingMetadata, InvalidResourceItem, AnalyticsNotEnabledError]);

/** Rebuilds the s3db error class from a native failure; other errors pass through. */
function fromNative(error) {
  const text = error && typeof error.message === 'string' ? error.message : '';
  if (!text.startsWith(NATIVE_MARKER)) return fromArgumentConversion(error) || error;
  let payload;
  try {
    payload = JSON.parse(text.slice(NATIVE_MARKER.length));
  } catch {
    return new UnknownError(text.slice(NATIVE_MARKER.length));
  }
  return fromPayload(payload);
}

/** What napi's argument conversion codes (`StringExpected`, …) say a value should have been. */
const EXPECTED = {
  StringExpected: 'a string', NumberExpected: 'a number', BooleanExpected: 'a boolean', ObjectExpected: 'an object',
  ArrayExpected: 'an array', FunctionExpected: 'a function', BigintExpected: 'a bigint',
};

/** napi's "Failed to convert JavaScript value …" (a wrong argument type) as a ValidationError. */
function fromArgumentConversion(error) {
  const code = error && error.code;
  if (typeof code !== 'string' || !(code in EXPECTED || code === 'InvalidArg')) return null;
  const got = /JavaScript value `(\w+)/.exec(error.message || '');
  const expected = EXPECTED[code] || 'another type';
  const message = `Invalid argument: expected ${expected}${got ? `, got ${got[1].toLowerCase()}` : ''}`;
  return new ValidationError(message, { original: error, code });
}

/** An error object from the engine's `{name, message, ...details}` payload. */
function fromPayload(payload) {
  const Class = CLASSES[payload.name] || UnknownError;
  const { name, specificName, ...details } = payload;
  const trusted = { ...details, [FROM_ENGINE]: true };
  const built = DETAILS_ONLY.has(Class) ? new Class(trusted) : new Class(details.message, trusted);
  if (built.message !== payload.message && payload.message) built.message = payload.message;
  // A failure more specific than its s3db.js class (SlowDown, RequestTimeout, DamagedObject…)
  // keeps the class and takes its own name; so does one whose class s3db.js lacks.
  const own = specificName || (!CLASSES[name] && name);
  if (typeof own === 'string' && own) built.name = own;
  if (payload.validation) built.errors = payload.validation;
  return built;
}

/** Maps an AWS SDK error (code/statusCode) to the matching s3db class. */
function mapAwsError(err, context = {}) {
  const code = err && (err.code || err.Code || err.name);
  const metadata = err && err.$metadata ? { ...err.$metadata } : undefined;
  const base = { ...context, original: err, metadata, commandName: context.commandName, commandInput: context.commandInput };
  if (code === 'NoSuchKey' || code === 'NotFound') {
    return new NoSuchKey({ ...base, [FROM_ENGINE]: typeof context.key !== 'string' || typeof context.bucket !== 'string', message: `No such key: ${context.key} [bucket:${context.bucket}]`, description: 'The key does not exist in the bucket, or the credentials may not read it.' });
  }
  if (code === 'NoSuchBucket') {
    return new NoSuchBucket({ ...base, [FROM_ENGINE]: typeof context.bucket !== 'string', message: `Bucket does not exists [bucket:${context.bucket}]`, description: 'The bucket does not exist, or the credentials may not see it.' });
  }
  if (code === 'AccessDenied' || (err && err.statusCode === 403) || code === 'Forbidden') {
    return new PermissionError('Access denied', { ...base, description: 'Access denied: check the credentials, their permissions and the bucket policy.' });
  }
  if (code === 'ValidationError' || (err && err.statusCode === 400)) {
    return new ValidationError('Validation error', { ...base, description: 'The request was refused as invalid: check its parameters.' });
  }
  if (code === 'MissingMetadata') {
    return new MissingMetadata({ ...base, [FROM_ENGINE]: typeof context.bucket !== 'string', message: `Missing metadata for bucket [bucket:${context.bucket}]`, description: 'The object has no usable metadata.' });
  }
  const detail = [
    `Unknown error: ${err && (err.message || String(err))}`,
    err && err.code && `Code: ${err.code}`,
    err && err.statusCode && `Status: ${err.statusCode}`,
    err && err.stack && `Stack: ${err.stack.split('\n')[0]}`,
  ].filter(Boolean).join(' | ');
  return new UnknownError(detail, { ...base, description: `See the original error: ${err && (err.message || String(err))}` });
}

module.exports = { ...CLASSES, ErrorMap, fromNative, fromPayload, mapAwsError };
