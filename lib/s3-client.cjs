'use strict';
// S3Client: a bucket on AWS S3 or on any S3-compatible server (MinIO, Garage, R2, B2, Spaces,
// LocalStack, moto). The requests are made in Rust (aws-sdk-s3); this object holds the settings,
// the native store and the request counters. The secret key never leaves the native side's
// settings: it is not a visible field, and toString() and inspection do not show it.

const { native } = require('./native.cjs');
const { ConnectionString, S3_DEFAULT_ENDPOINT } = require('./connection-string.cjs');
const { StoreClient } = require('./store-client.cjs');
const { fromNative } = require('./errors.cjs');
const { executorPoolSettings } = require('./executor-pool.cjs');

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
    requestTimeout: options.httpClientOptions && options.httpClientOptions.timeout,
    ...options.pool,
    parallelism: options.parallelism,
  };
  for (const name of TUNABLES) {
    const value = options[name] ?? parsed[name];
    if (value !== undefined) settings[name] = value;
  }
  return settings;
}

class S3Client extends StoreClient {
  /**
   * `{connectionString, parallelism = 10, verbose, id, httpClientOptions: {timeout}}` plus the
   * tunables `requestTimeout`, `connectTimeout` (ms), `maxAttempts`, `requestChecksumCalculation`
   * (`WHEN_REQUIRED` | `WHEN_SUPPORTED`) and `conditionalWrites` (`auto` | `native` | `emulate`),
   * also accepted as connection-string query parameters. `executorPool` (lib/executor-pool.cjs)
   * sets the request concurrency, retries, timeout and auto-tuning.
   */
  constructor(options = {}) {
    const parsed = options.connectionString instanceof ConnectionString
      ? options.connectionString
      : new ConnectionString(options.connectionString);
    let storage;
    let parallelism;
    try {
      const pool = executorPoolSettings(options);
      parallelism = pool.parallelism ?? (Number.parseInt(options.parallelism ?? 10, 10) || 10);
      storage = native.NativeStore.s3(JSON.stringify(nativeSettings(parsed, { ...options, pool, parallelism })));
    } catch (error) {
      throw fromNative(error);
    }
    super(storage, { ...options, bucket: parsed.bucket, keyPrefix: parsed.keyPrefix, region: parsed.region, endpoint: parsed.endpoint, parallelism });
    this.id = options.id || `s3-${nextId++}`;
    this.config = parsed;
  }

  toString() {
    return `S3Client(${this.config.toString()})`;
  }
}

module.exports = { S3Client };
