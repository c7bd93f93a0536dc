'use strict';
// The client API shared by the embedded stores: low-level object calls (keys relative to
// `keyPrefix`, SDK-shaped responses) with s3db.js's client events, and request counting.

const { EventEmitter } = require('node:events');
const { call } = require('./native.cjs');
const { fromNative, NoSuchKey } = require('./errors.cjs');
const { installCosts } = require('./costs.cjs');
const { exportBackup, importBackup } = require('./backup.cjs');

const parse = async (reply) => JSON.parse(await reply);

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
  }

  /** Runs one low-level command with `command.request`/`command.response` and per-method events. */
  async _command(name, eventName, input, run) {
    this.emit('command.request', name, input);
    try {
      const response = await run();
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

  async putObject({ key, metadata = {}, body, contentType, ifNoneMatch } = {}) {
    const buffer = body === undefined || body === null ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return this._command('PutObjectCommand', 'putObject', { key, metadata, contentType }, () =>
      parse(call(() => this.storage.putObject(key, JSON.stringify(metadata), buffer, contentType, ifNoneMatch === '*'))));
  }

  async getObject(key) {
    return this._command('GetObjectCommand', 'getObject', { key }, async () => {
      const response = await parse(call(() => this.storage.getObject(key)));
      const bytes = Buffer.from(response.Body, 'base64');
      response.Body = {
        transformToByteArray: async () => new Uint8Array(bytes),
        transformToString: async (encoding = 'utf8') => bytes.toString(encoding),
        buffer: bytes,
      };
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

  async listObjects({ prefix, maxKeys, continuationToken } = {}) {
    return this._command('ListObjectsV2Command', 'listObjects', { prefix, maxKeys, continuationToken }, () =>
      parse(call(() => this.storage.listObjects(prefix, continuationToken, maxKeys))));
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
    for (let i = 0; i < keys.length; i += 1000) await this.deleteObjects(keys.slice(i, i + 1000));
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
