'use strict';
// MemoryClient: an in-process S3 bucket. Each instance has its own storage (as in s3db.js 12.4);
// `memory://<bucket>` connection strings share one store per bucket name within the process.

const { EventEmitter } = require('node:events');
const path = require('node:path');
const { native, callSync } = require('./native.cjs');
const { NoSuchKey } = require('./errors.cjs');

let nextId = 1;

class MemoryClient extends EventEmitter {
  constructor(options = {}) {
    super();
    this.id = options.id || `memory-${nextId++}`;
    this.bucket = options.bucket || 's3db';
    this.keyPrefix = options.keyPrefix || '';
    this.region = options.region || 'us-east-1';
    this.verbose = Boolean(options.verbose);
    this.parallelism = Number.parseInt(options.parallelism ?? 10, 10) || 10;
    this.config = { bucket: this.bucket, keyPrefix: this.keyPrefix, region: this.region, endpoint: 'memory://', forcePathStyle: true };
    this.storage = new native.NativeMemoryStore(options.sharedBucket);
  }

  /** Number of objects stored. */
  get objectCount() {
    return this.storage.objectCount;
  }

  /** Every stored key, in order. */
  getAllStoredKeys() {
    return this.storage.keys();
  }

  /** A key relative to the key prefix, joined as s3db.js joins it (`path.join`). */
  _absoluteKey(key) {
    return this.keyPrefix ? path.posix.join(this.keyPrefix, key) : key;
  }

  /** Writes an object (key relative to the key prefix); resolves to `{ETag}`. */
  async putObject({ key, body = '', contentType, metadata = {} } = {}) {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const etag = callSync(() => this.storage.putObject(this._absoluteKey(key), bytes, contentType, JSON.stringify(metadata || {})));
    return { ETag: etag };
  }

  /** The object shaped like the AWS SDK's GetObject output; NoSuchKey when it does not exist. */
  async getObject(key) {
    const object = callSync(() => this.storage.getObject(this._absoluteKey(key)));
    if (!object) throw new NoSuchKey({ message: `No such key: ${key} [bucket:${this.bucket}]`, bucket: this.bucket, key });
    const body = object.body;
    return {
      Body: { transformToString: async (encoding = 'utf8') => body.toString(encoding), transformToByteArray: async () => new Uint8Array(body) },
      ContentType: object.contentType,
      ContentLength: object.contentLength,
      LastModified: new Date(object.lastModifiedMs),
      ETag: object.etag,
      Metadata: JSON.parse(object.metadata),
    };
  }

  /** Requests this client's store has answered, by S3 command name (`{PutObjectCommand: 3, …}`). */
  getRequestCounts() {
    return JSON.parse(this.storage.requestCounts());
  }
}

module.exports = { MemoryClient };
