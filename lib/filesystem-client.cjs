'use strict';
// FileSystemClient: a bucket in a local directory (the `file://` connection string).
// Durable writes (temp file + rename; `fsync: true` to survive power loss), safe for several
// processes sharing one directory, keys that can never leave the base directory.

const path = require('node:path');
const { native, callSync } = require('./native.cjs');
const { StoreClient } = require('./store-client.cjs');

let nextId = 1;

class FileSystemClient extends StoreClient {
  constructor(options = {}) {
    const basePath = path.resolve(options.basePath || './s3db-data');
    const keyPrefix = options.keyPrefix || '';
    super(callSync(() => native.NativeStore.filesystem(basePath, keyPrefix, Boolean(options.fsync))), {
      ...options, bucket: options.bucket || 's3db', keyPrefix, endpoint: `file://${basePath}`,
    });
    this.id = options.id || `fs-${nextId++}`;
    this.basePath = basePath;
  }

}

module.exports = { FileSystemClient };
