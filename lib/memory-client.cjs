'use strict';
// MemoryClient: an in-process S3 bucket. Each instance has its own storage (as in s3db.js 12.4);
// `memory://<bucket>` connection strings share one store per bucket name within the process.

const { EventEmitter } = require('node:events');
const { native } = require('./native.cjs');
const { installCosts } = require('./costs.cjs');

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

  /** Requests this client's store has answered, by S3 command name (`{PutObjectCommand: 3, …}`). */
  getRequestCounts() {
    return JSON.parse(this.storage.requestCounts());
  }
}

installCosts(MemoryClient);

module.exports = { MemoryClient };
