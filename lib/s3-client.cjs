'use strict';
// S3Client: a bucket on AWS S3 or on any S3-compatible server (MinIO, Garage, R2, B2, Spaces,
// LocalStack, moto). The requests are made in Rust (aws-sdk-s3); this object holds the settings,
// the native store and the request counters. The secret key never leaves the native side's
// settings: it is not a visible field, and toString() and inspection do not show it.

const { EventEmitter } = require('node:events');
const { native } = require('./native.cjs');
const { ConnectionString, S3_DEFAULT_ENDPOINT } = require('./connection-string.cjs');
const { installCosts } = require('./costs.cjs');
const { fromNative } = require('./errors.cjs');

let nextId = 1;

/** Connection-string query parameters (and client options) handed to the native store as they are. */
const TUNABLES = ['requestChecksumCalculation', 'checksumMode', 'requestTimeout', 'connectTimeout', 'maxAttempts', 'conditionalWrites'];

/** The native store settings for a parsed connection string. */
function nativeSettings(parsed, options) {
  // s3:// always reports the us-east-1 endpoint (as s3db.js does); only a different one, given
  // with ?endpoint=, is a custom endpoint. Otherwise the SDK picks the region's endpoint.
  const custom = parsed.protocol === 's3' ? (parsed.endpoint !== S3_DEFAULT_ENDPOINT ? parsed.endpoint : undefined) : parsed.endpoint;
  const settings = {
    bucket: parsed.bucket,
    keyPrefix: parsed.keyPrefix,
    region: parsed.region,
    endpoint: custom,
    forcePathStyle: parsed.forcePathStyle,
    accessKeyId: parsed.accessKeyId,
    secretAccessKey: parsed.secretAccessKey,
    sessionToken: parsed.sessionToken,
    parallelism: options.parallelism,
    requestTimeout: options.httpClientOptions && options.httpClientOptions.timeout,
  };
  for (const name of TUNABLES) {
    const value = options[name] ?? parsed[name];
    if (value !== undefined) settings[name] = value;
  }
  return settings;
}

class S3Client extends EventEmitter {
  /**
   * `{connectionString, parallelism = 10, verbose, id, httpClientOptions: {timeout}}` plus the
   * tunables `requestTimeout`, `connectTimeout` (ms), `maxAttempts`, `requestChecksumCalculation`
   * (`WHEN_REQUIRED` | `WHEN_SUPPORTED`) and `conditionalWrites` (`auto` | `native` | `emulate`),
   * also accepted as connection-string query parameters.
   */
  constructor(options = {}) {
    super();
    const parsed = options.connectionString instanceof ConnectionString
      ? options.connectionString
      : new ConnectionString(options.connectionString);
    this.id = options.id || `s3-${nextId++}`;
    this.verbose = Boolean(options.verbose);
    this.parallelism = Number.parseInt(options.parallelism ?? 10, 10) || 10;
    this.config = parsed;
    this.bucket = parsed.bucket;
    this.keyPrefix = parsed.keyPrefix;
    try {
      this.storage = new native.NativeS3Store(JSON.stringify(nativeSettings(parsed, { ...options, parallelism: this.parallelism })));
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** Requests sent so far, by S3 command name (`{PutObjectCommand: 3, …}`). */
  getRequestCounts() {
    return JSON.parse(this.storage.requestCounts());
  }

  toString() {
    return `S3Client(${this.config.toString()})`;
  }
}
installCosts(S3Client);

module.exports = { S3Client };
