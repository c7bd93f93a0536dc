'use strict';
// MemoryClient: an in-process S3 bucket. Each instance has its own storage (as in s3db.js 12.4);
// `memory://<bucket>` connection strings share one store per bucket name within the process.

const fs = require('node:fs');
const { native, callSync } = require('./native.cjs');
const { StoreClient } = require('./store-client.cjs');
const { S3dbError } = require('./errors.cjs');

let nextId = 1;
const SNAPSHOT_HANDLE = Symbol('s3db.snapshotHandle');

function formatBytes(bytes) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Math.round(value * 100) / 100} ${units[unit]}`;
}

class MemoryClient extends StoreClient {
  constructor(options = {}) {
    const limits = options.enforceLimits
      ? JSON.stringify({ metadataLimit: options.metadataLimit ?? 2048, maxObjectSize: options.maxObjectSize ?? 5 * 1024 ** 3 })
      : undefined;
    const keyPrefix = options.keyPrefix || '';
    super(callSync(() => native.NativeStore.memory(keyPrefix, options.sharedBucket, limits)), {
      ...options, bucket: options.bucket || 's3db', keyPrefix, endpoint: 'memory://',
    });
    this.id = options.id || `memory-${nextId++}`;
    this.enforceLimits = Boolean(options.enforceLimits);
    this.persistPath = options.persistPath;
    this.autoPersist = Boolean(options.autoPersist);
    // What an earlier run saved is loaded back: otherwise the first automatic save would replace
    // that file with only what this run wrote.
    if (this.persistPath && fs.existsSync(this.persistPath)) callSync(() => this.storage.loadFromDisk(this.persistPath));
    if (this.autoPersist && this.persistPath) this._watchForPersistence();
  }

  /** Number of objects stored. */
  get objectCount() {
    return this.storage.keys().length;
  }

  /** Every stored key, in order. */
  getAllStoredKeys() {
    return this.storage.keys();
  }

  /**
   * A point-in-time copy: `{timestamp, bucket, keyPrefix, objectCount, objects}`. `objects`
   * (`{key: {metadata, contentType, etag, body (base64), …}}`) is plain JSON, built when first read;
   * `restore()` takes the snapshot or that JSON back.
   */
  snapshot() {
    const handle = this.storage.snapshot();
    const timestamp = new Date().toISOString();
    const snapshot = { timestamp, bucket: this.bucket, keyPrefix: this.keyPrefix, objectCount: handle.objectCount };
    let objects;
    Object.defineProperty(snapshot, 'objects', {
      enumerable: true,
      get: () => {
        objects ??= JSON.parse(handle.toJson(this.bucket, this.keyPrefix, timestamp)).objects;
        return objects;
      },
    });
    Object.defineProperty(snapshot, SNAPSHOT_HANDLE, { value: handle });
    return snapshot;
  }

  restore(snapshot) {
    if (snapshot && snapshot[SNAPSHOT_HANDLE] instanceof native.NativeSnapshot) {
      this.storage.restore(snapshot[SNAPSHOT_HANDLE]);
    } else if (snapshot && snapshot.objects !== null && typeof snapshot.objects === 'object') {
      callSync(() => this.storage.restoreJson(JSON.stringify({ objects: snapshot.objects })));
    } else {
      throw new S3dbError('Invalid snapshot format: expected what snapshot() returns', { operation: 'restore' });
    }
  }

  async saveToDisk(path = this.persistPath) {
    if (!path) throw new S3dbError('No persist path: pass a path or create the client with persistPath', { operation: 'saveToDisk' });
    this._save(path);
    return path;
  }

  async loadFromDisk(path = this.persistPath) {
    if (!path) throw new S3dbError('No persist path: pass a path or create the client with persistPath', { operation: 'loadFromDisk' });
    const objectCount = callSync(() => this.storage.loadFromDisk(path));
    return { objectCount, path };
  }

  getStats() {
    const { objectCount, totalSize } = JSON.parse(this.storage.stats());
    return { objectCount, totalSize, totalSizeFormatted: formatBytes(totalSize), keys: this.storage.keys(), bucket: this.bucket };
  }


  /** Saves to `persistPath` now when anything was written since the last save. */
  flush() {
    if (!this.persistPath) return false;
    const writes = this._writeCount();
    if (writes === this._savedAtWrites) return false;
    this._save(this.persistPath);
    this._savedAtWrites = writes;
    this._savedAt = Date.now();
    return true;
  }

  _save(path) {
    callSync(() => this.storage.saveToDisk(path, this.bucket, new Date().toISOString()));
  }

  _writeCount() {
    const counts = this.getRequestCounts();
    return counts.PutObjectCommand + counts.CopyObjectCommand + counts.DeleteObjectCommand + counts.DeleteObjectsCommand;
  }

  /** Writes through the client API are saved before their call resolves (s3db.js does the same). */
  _afterWrite() {
    if (this.autoPersist) this._flushReporting();
  }

  /**
   * An automatic save that fails does not fail the write that triggered it nor the process: it is
   * a `persistError` event (a process warning when nobody listens), and the next save retries.
   */
  _flushReporting() {
    try {
      this.flush();
    } catch (error) {
      if (this.listenerCount('persistError') > 0) this.emit('persistError', error);
      else process.emitWarning(`MemoryClient autoPersist: ${error.message}`, { code: 'S3DB_PERSIST' });
    }
  }

  /**
   * With `autoPersist`, changes reach the file within a quarter second, at least once a second
   * during a run of writes that never lets timers fire (`_engineWrote`, called on the write path),
   * and before the process exits — normally, by `process.exit()`, or on SIGINT/SIGTERM/SIGHUP.
   * (Writes go straight from the engine to the store, so changes are noticed by polling the write
   * counters; the timer does not keep the process alive.)
   */
  _watchForPersistence() {
    this._savedAtWrites = this._writeCount();
    this._savedAt = Date.now();
    this._persistTimer = setInterval(() => this._flushReporting(), 250);
    this._persistTimer.unref();
    persistOnExit(this);
  }

  /** A resource of a database on this client wrote: save when the last save is a second old. */
  _engineWrote() {
    if (this.autoPersist && this.persistPath && Date.now() - (this._savedAt || 0) >= 1000) this._flushReporting();
  }
}

/** Clients to save when the process ends, with one set of process listeners for all of them. */
const persistedClients = new Set();
const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function persistOnExit(client) {
  if (persistedClients.size === 0) {
    const flushAll = () => persistedClients.forEach((c) => c._flushReporting());
    process.on('beforeExit', flushAll);
    // `process.exit()` skips beforeExit; saving is synchronous, so it can run on `exit`.
    process.on('exit', flushAll);
    for (const signal of EXIT_SIGNALS) {
      process.once(signal, function onSignal() {
        flushAll();
        // Node's default for the signal (ending the process) applies again unless the app has
        // listeners of its own, which then decide.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    }
  }
  persistedClients.add(client);
}

/**
 * s3db.js's `MemoryStorage`: the object store behind a MemoryClient, addressed by key with
 * S3-shaped answers (`put`, `get`, `head`, `copy`, `delete`, `deleteMultiple`, `list`, …).
 */
class MemoryStorage {
  constructor(config = {}) {
    this.bucket = config.bucket || 's3db';
    this._client = new MemoryClient({ ...config, bucket: this.bucket, autoPersist: false });
    this.persistPath = config.persistPath;
  }

  async put(key, { body, metadata, contentType, ifMatch } = {}) {
    const { ETag } = await this._client.putObject({ key, body, metadata, contentType, ifMatch });
    return { ETag, VersionId: null, ServerSideEncryption: null, Location: `/${this.bucket}/${key}` };
  }

  get(key) {
    return this._client.getObject(key);
  }

  head(key) {
    return this._client.headObject(key);
  }

  async copy(from, to, { metadata, metadataDirective, contentType } = {}) {
    await this._client.copyObject({ from, to, metadata, metadataDirective, contentType });
    const { ETag, LastModified } = await this._client.headObject(to);
    return { CopyObjectResult: { ETag, LastModified: LastModified.toISOString() }, BucketKeyEnabled: false, VersionId: null };
  }

  exists(key) {
    return this._client.storage.keys().includes(key);
  }

  async delete(key) {
    await this._client.deleteObject(key);
    return { DeleteMarker: false, VersionId: null };
  }

  async deleteMultiple(keys) {
    const existing = new Set(this._client.storage.keys());
    await this._client.deleteObjects(keys);
    return { Deleted: keys.filter((key) => existing.has(key)).map((Key) => ({ Key })), Errors: [] };
  }

  list({ prefix = '', delimiter = null, maxKeys = 1000, continuationToken = null } = {}) {
    return this._client.listObjects({ prefix, delimiter: delimiter || undefined, maxKeys, continuationToken: continuationToken || undefined });
  }

  snapshot() {
    return this._client.snapshot();
  }

  restore(snapshot) {
    this._client.restore(snapshot);
  }

  saveToDisk(path = this.persistPath) {
    return this._client.saveToDisk(path);
  }

  loadFromDisk(path = this.persistPath) {
    return this._client.loadFromDisk(path);
  }

  getStats() {
    return this._client.getStats();
  }

  clear() {
    return this._client.clear();
  }
}

module.exports = { MemoryClient, MemoryStorage };
