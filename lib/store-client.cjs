'use strict';
// The client API shared by the embedded stores: low-level object calls (keys relative to
// `keyPrefix`, SDK-shaped responses) with s3db.js's client events, and request counting.

const { EventEmitter } = require('node:events');
const { Readable } = require('node:stream');
const { call } = require('./native.cjs');
const { fromNative, NoSuchKey, UnknownError, ValidationError } = require('./errors.cjs');
const { installCosts } = require('./costs.cjs');
const { exportBackup, importBackup } = require('./backup.cjs');

const parse = async (reply) => JSON.parse(await reply);
const WRITE_COMMANDS = new Set(['PutObjectCommand', 'CopyObjectCommand', 'DeleteObjectCommand', 'DeleteObjectsCommand']);

/** A GetObject body as the AWS SDK gives it: a Readable with `transformTo*` helpers. */
function sdkBody(bytes) {
  const body = Readable.from([bytes]);
  body.transformToByteArray = async () => new Uint8Array(bytes);
  body.transformToString = async (encoding = 'utf8') => bytes.toString(encoding);
  body.buffer = bytes;
  return body;
}

/** The client events that report each S3 request. */
const REQUEST_EVENTS = ['command.request', 'command.response', 'command.error'];
/** The executor pool's per-task events: its tasks are the engine's S3 requests. */
const TASK_EVENTS = ['pool:taskStarted', 'pool:taskRetry', 'pool:taskCompleted', 'pool:taskError', 'pool:taskFailed', 'pool:drained'];
const OBSERVING_EVENTS = [...REQUEST_EVENTS, ...TASK_EVENTS];

class StoreClient extends EventEmitter {
  /** `storage` is the NativeStore; `config` the client's `{bucket, keyPrefix, …}`. */
  constructor(storage, config) {
    super();
    this.storage = storage;
    this.bucket = config.bucket;
    this.keyPrefix = config.keyPrefix;
    this.region = config.region || 'us-east-1';
    this.verbose = Boolean(config.verbose);
    this.parallelism = Number.parseInt(config.parallelism ?? 10, 10) || 10;
    this.config = { bucket: this.bucket, keyPrefix: this.keyPrefix, region: this.region, endpoint: config.endpoint, forcePathStyle: true };
    // The engine's own requests are reported only while someone listens for them.
    this._observing = false;
    this._inFlight = 0;
    this.on('newListener', (event) => {
      if (OBSERVING_EVENTS.includes(event) && !this._observing) this._observeEngineRequests(true);
    });
    this.on('removeListener', (event) => {
      if (OBSERVING_EVENTS.includes(event) && this._observing && OBSERVING_EVENTS.every((name) => this.listenerCount(name) === 0)) this._observeEngineRequests(false);
    });
  }

  /** Turns the engine's request reports into `command.*` and `pool:task*` events. */
  _observeEngineRequests(on) {
    if (typeof this.storage.observeRequests !== 'function') return;
    this._observing = on;
    this._inFlight = 0;
    this.storage.observeRequests(on ? (text) => this._reportRequest(JSON.parse(text)) : null);
  }

  _reportRequest({ id, phase, command, key, error, ms, attempt }) {
    const input = { Bucket: this.bucket, Key: key };
    // A pool task as s3db.js reports it; `timings.execution` counts from when the request was asked.
    const task = { id: `${command}#${id}`, command, key, timings: ms === null ? {} : { execution: ms } };
    if (phase === 'request') {
      this._inFlight += 1;
      this.emit('command.request', command, input);
      this.emit('pool:taskStarted', task);
      return;
    }
    if (phase === 'retry') {
      this.emit('pool:taskRetry', task, attempt);
      return;
    }
    // Requests that started before observing began end without a start seen here.
    this._inFlight = Math.max(0, this._inFlight - 1);
    if (phase === 'response') {
      this.emit('command.response', command, {}, input);
      this.emit('pool:taskCompleted', task, {});
    } else {
      const failure = Object.assign(new Error(error), { name: 'S3Error' });
      this.emit('command.error', command, failure, input);
      this.emit('pool:taskError', task, failure);
      this.emit('pool:taskFailed', task, failure);
    }
    if (this._inFlight === 0) this.emit('pool:drained');
  }

  /** Runs one low-level command with `command.request`/`command.response` and per-method events. */
  async _command(name, eventName, input, run) {
    this.emit('command.request', name, input);
    try {
      const response = await run();
      if (WRITE_COMMANDS.has(name) && this._afterWrite) this._afterWrite();
      this.emit('command.response', name, response, input);
      this.emit(eventName, null, input);
      return response;
    } catch (error) {
      const mapped = fromNative(error);
      this.emit(eventName, mapped, input);
      throw mapped;
    }
  }

  /** Requests answered so far, by S3 command name (`{PutObjectCommand: 3, …}`). */
  getRequestCounts() {
    return JSON.parse(this.storage.requestCounts());
  }

  /**
   * The request scheduler (`executorPool`): `{concurrency, queueSize, activeCount,
   * processedCount, errorCount, retryCount}`. Local stores answer at once: nothing queues.
   */
  getQueueStats() {
    return JSON.parse(this.storage.queueStats());
  }

  /** Latencies of the last 1 024 S3 requests in ms (`{count, sampleSize, avgExecution, p50, p95, p99}`), or `null`. */
  getAggregateMetrics() {
    return JSON.parse(this.storage.requestLatencies());
  }

  /** How many S3 requests may be in flight (`null` on local stores, which have no limit). */
  getConcurrency() {
    return this.getQueueStats().concurrency;
  }

  /** Changes how many S3 requests may be in flight (1–1000); running requests finish. */
  setConcurrency(concurrency) {
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
      throw new ValidationError({ message: `concurrency must be a whole number from 1 to 1000, got ${String(concurrency)}` });
    }
    if (!this.storage.setConcurrency(concurrency)) {
      throw new ValidationError({ message: `${this.constructor.name} answers every request at once: it has no concurrency to set` });
    }
  }

  // The pool's lifecycle. Local stores answer every request at once and have no pool: these
  // resolve or return to null there, as s3db.js's do on a client without an executor pool.

  /** Holds back S3 requests that have not started; resolves once the running ones have ended. */
  async pausePool() {
    if ((await call(() => this.storage.pausePool())) !== 'true') return null;
    this.emit('pool:paused');
    return undefined;
  }

  /** Lets held-back requests start. */
  resumePool() {
    const resumed = this.storage.resumePool();
    if (resumed === null) return null;
    if (resumed) this.emit('pool:resumed');
    return undefined;
  }

  /** Resolves once no S3 request runs or waits to start (held back by a pause does not count). */
  async drainPool() {
    if ((await call(() => this.storage.drainPool())) !== 'true') return null;
    this.emit('pool:drained');
    return undefined;
  }

  /** Refuses every S3 request that has not started, now and later (`PoolStoppedError`); running ones finish. */
  stopPool() {
    if (this.storage.stopPool()) this.emit('pool:stopped');
  }

  /** Bytes those requests carried: `{uploaded, downloaded}` (bodies and metadata up, bodies down). */
  getTransferCounts() {
    return JSON.parse(this.storage.transferCounts());
  }

  async putObject({ key, metadata = {}, body, contentType, ifNoneMatch, ifMatch } = {}) {
    const buffer = body === undefined || body === null ? undefined
      : Buffer.isBuffer(body) ? body : body instanceof Uint8Array ? Buffer.from(body) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return this._command('PutObjectCommand', 'putObject', { key, metadata, contentType }, () =>
      parse(call(() => this.storage.putObject(key, JSON.stringify(metadata), buffer, contentType, ifNoneMatch === '*', ifMatch ?? undefined))));
  }

  async getObject(key) {
    return this._command('GetObjectCommand', 'getObject', { key }, async () => {
      const response = await parse(call(() => this.storage.getObject(key)));
      response.Body = sdkBody(Buffer.from(response.Body, 'base64'));
      response.LastModified = new Date(response.LastModified);
      return response;
    });
  }

  async headObject(key) {
    return this._command('HeadObjectCommand', 'headObject', { key }, async () => {
      const response = await parse(call(() => this.storage.headObject(key)));
      response.LastModified = new Date(response.LastModified);
      return response;
    });
  }

  async copyObject({ from, to, metadata, metadataDirective, contentType } = {}) {
    const replace = metadataDirective === 'REPLACE' || metadata !== undefined;
    return this._command('CopyObjectCommand', 'copyObject', { from, to, metadataDirective }, () =>
      parse(call(() => this.storage.copyObject(from, to, replace ? JSON.stringify(metadata || {}) : undefined, contentType))));
  }

  async exists(key) {
    try {
      await this.headObject(key);
      return true;
    } catch (error) {
      if (error instanceof NoSuchKey) return false;
      throw error;
    }
  }

  async deleteObject(key) {
    return this._command('DeleteObjectCommand', 'deleteObject', { key }, () => parse(call(() => this.storage.deleteObject(key))));
  }

  async deleteObjects(keys) {
    return this._command('DeleteObjectsCommand', 'deleteObjects', { keys }, () =>
      parse(call(() => this.storage.deleteObjects(JSON.stringify(keys)))));
  }

  /** One listing page; with `delimiter`, keys below it are rolled up into `CommonPrefixes`. */
  async listObjects({ prefix, maxKeys, continuationToken, delimiter } = {}) {
    const page = await this._command('ListObjectsV2Command', 'listObjects', { prefix, maxKeys, continuationToken, delimiter }, () =>
      parse(call(() => this.storage.listObjects(prefix, continuationToken, maxKeys))));
    return delimiter ? this._rollUp(page, prefix || '', delimiter) : page;
  }

  _rollUp(page, prefix, delimiter) {
    const common = new Set();
    const contents = [];
    for (const entry of page.Contents) {
      const rest = this._relative(entry.Key).slice(prefix.length);
      const cut = rest.indexOf(delimiter);
      if (cut < 0) contents.push(entry);
      else common.add(prefix + rest.slice(0, cut + delimiter.length));
    }
    return { ...page, Contents: contents, CommonPrefixes: [...common].map((Prefix) => ({ Prefix })), Delimiter: delimiter };
  }

  /** Keys `offset` to `offset + amount` under `prefix` (relative to `keyPrefix`). */
  async getKeysPage({ prefix, offset = 0, amount = 100 } = {}) {
    const keys = await this.getAllKeys({ prefix });
    return keys.slice(offset, offset + amount);
  }

  /** The key to continue a listing from after skipping `offset` keys, or null past the end. */
  async getContinuationTokenAfterOffset({ prefix, offset = 1000 } = {}) {
    if (offset === 0) return null;
    const keys = await this.getAllKeys({ prefix });
    return offset <= keys.length ? keys[offset - 1] : null;
  }

  async moveObject({ from, to }) {
    await this.copyObject({ from, to, metadataDirective: 'COPY' });
    await this.deleteObject(from);
    return true;
  }

  /** Moves every key under `prefixFrom` to `prefixTo`; rejects when any move failed (after trying all). */
  async moveAllObjects({ prefixFrom, prefixTo }) {
    const keys = await this.getAllKeys({ prefix: prefixFrom });
    const results = [];
    const errors = [];
    for (const key of keys) {
      const to = prefixTo + key.slice(prefixFrom.length);
      try {
        await this.moveObject({ from: key, to });
        results.push(to);
      } catch (error) {
        errors.push({ message: error.message, raw: error, key });
      }
    }
    this.emit('moveAllObjects', { results, errors });
    if (errors.length) throw new UnknownError('Some objects could not be moved', { bucket: this.bucket, operation: 'moveAllObjects', prefixFrom, prefixTo, errors });
    return results;
  }

  /** Runs an AWS SDK command object (`new PutObjectCommand({...})`) against this store. */
  async sendCommand(command) {
    const name = command && command.constructor && command.constructor.name;
    const input = (command && command.input) || {};
    switch (name) {
      case 'PutObjectCommand':
        return this.putObject({ key: input.Key, metadata: input.Metadata, body: input.Body, contentType: input.ContentType, ifMatch: input.IfMatch, ifNoneMatch: input.IfNoneMatch });
      case 'GetObjectCommand':
        return this.getObject(input.Key);
      case 'HeadObjectCommand':
        return this.headObject(input.Key);
      case 'CopyObjectCommand':
        return this.copyObject({ from: this._copySourceKey(input.CopySource), to: input.Key, metadataDirective: input.MetadataDirective, metadata: input.MetadataDirective === 'REPLACE' ? input.Metadata : undefined, contentType: input.ContentType });
      case 'DeleteObjectCommand':
        return this.deleteObject(input.Key);
      case 'DeleteObjectsCommand':
        return this.deleteObjects(((input.Delete && input.Delete.Objects) || []).map((o) => o.Key));
      case 'ListObjectsV2Command':
        return this.listObjects({ prefix: input.Prefix, maxKeys: input.MaxKeys, continuationToken: input.ContinuationToken, delimiter: input.Delimiter });
      default:
        throw new UnknownError(`Unsupported command: ${name}`, { bucket: this.bucket, commandName: name });
    }
  }

  /** The key of a `CopySource` (`bucket/keyPrefix/key`, percent-encoded) relative to `keyPrefix`. */
  _copySourceKey(source) {
    const text = decodeURIComponent(String(source || '')).replace(/^\//, '');
    const inBucket = text.startsWith(`${this.bucket}/`) ? text.slice(this.bucket.length + 1) : text;
    return this._relative(inBucket);
  }

  /** Every key under `prefix`, relative to `keyPrefix`. */
  async getAllKeys({ prefix } = {}) {
    const keys = [];
    let continuationToken;
    do {
      const page = await this.listObjects({ prefix, continuationToken });
      for (const { Key } of page.Contents) keys.push(this._relative(Key));
      continuationToken = page.NextContinuationToken;
    } while (continuationToken);
    return keys;
  }

  async count({ prefix } = {}) {
    return (await this.getAllKeys({ prefix })).length;
  }

  async deleteAll({ prefix } = {}) {
    const keys = await this.getAllKeys({ prefix });
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.deleteObjects(batch);
      this.emit('deleteAll', { prefix, batch: batch.length, total: i + batch.length });
    }
    this.emit('deleteAllComplete', { prefix, totalDeleted: keys.length });
    return keys.length;
  }

  _relative(key) {
    if (!this.keyPrefix) return key;
    const rest = key.startsWith(this.keyPrefix) ? key.slice(this.keyPrefix.length) : key;
    return rest.startsWith('/') ? rest.slice(1) : rest;
  }

  /** Removes every object under `keyPrefix` (the whole bucket when there is none). */
  async clear() {
    await call(() => this.storage.clear());
  }

  /** A backup of the resources in `outputDir` (BackupPlugin layout); resolves to its manifest. */
  exportBackup(outputDir, options = {}) {
    return exportBackup(this, outputDir, options);
  }

  /** Loads a backup from `backupDir`; resolves to `{resourcesImported, recordsImported, errors}`. */
  importBackup(backupDir, options = {}) {
    return importBackup(this, backupDir, options);
  }
}

installCosts(StoreClient);

module.exports = { StoreClient };
