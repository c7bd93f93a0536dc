'use strict';
// S3Cache: cache entries as objects of the database's own store (any client: S3, memory, file),
// under `plugin=cache/<keyPrefix>/<key>`, in s3db.js's layout: a JSON body `{data, compressed, …}`
// with the data gzip+base64 from `compressionThreshold` bytes, and `_expiresAt` when `ttl` (ms) is
// set. Clearing a prefix clears only that prefix.

const zlib = require('node:zlib');
const { Cache } = require('./cache.cjs');
const { CacheError } = require('../../errors.cjs');

class S3Cache extends Cache {
  constructor({ client, keyPrefix = 'cache', ttl = 0, prefix, enableCompression = true, compressionThreshold = 1024 } = {}) {
    super();
    if (!client) throw new CacheError('S3Cache needs a client (the database client: db.client)', { operation: 'constructor', driver: 'S3Cache' });
    this.client = client;
    this.keyPrefix = keyPrefix.replace(/\/+$/, '');
    this.ttl = ttl;
    this.config.ttl = ttl;
    this.config.client = client;
    this.config.prefix = prefix !== undefined ? prefix : `${this.keyPrefix}/`;
    this.config.enableCompression = enableCompression;
    this.config.compressionThreshold = compressionThreshold;
  }

  _objectKey(key) {
    return `plugin=cache/${this.keyPrefix}/${key}`;
  }

  _pack(data) {
    const text = JSON.stringify(data);
    if (!this.config.enableCompression || text.length < this.config.compressionThreshold) return { data: text, compressed: false, originalSize: text.length };
    const packed = zlib.gzipSync(text).toString('base64');
    return { data: packed, compressed: true, originalSize: text.length, compressedSize: packed.length, compressionRatio: (packed.length / text.length).toFixed(2) };
  }

  async _set(key, data) {
    const body = this._pack(data);
    if (this.ttl > 0) body._expiresAt = Date.now() + this.ttl;
    await this.client.putObject({ key: this._objectKey(key), body: JSON.stringify(body), contentType: body.compressed ? 'application/gzip' : 'application/json' });
    return data;
  }

  async _get(key) {
    let object;
    try {
      object = await this.client.getObject(this._objectKey(key));
    } catch (error) {
      if (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.code === 'NoSuchKey') return null;
      throw error;
    }
    let value;
    try {
      const stored = JSON.parse(await object.Body.transformToString());
      if (stored.data === undefined || (stored._expiresAt && Date.now() > Number(stored._expiresAt))) value = undefined;
      else value = JSON.parse(stored.compressed ? zlib.gunzipSync(Buffer.from(stored.data, 'base64')).toString('utf8') : stored.data);
    } catch {
      // A damaged entry is a miss, not a failed read.
      value = undefined;
    }
    if (value === undefined) {
      await this._del(key);
      return null;
    }
    return value;
  }

  async _del(key) {
    await this.client.deleteObjects([this._objectKey(key)]);
    return true;
  }

  async _clear(prefix = '') {
    const keys = await this.client.getAllKeys({ prefix: this._objectKey(prefix || '') });
    for (let start = 0; start < keys.length; start += 1000) await this.client.deleteObjects(keys.slice(start, start + 1000));
    return true;
  }

  async keys() {
    const base = this._objectKey('');
    return (await this.client.getAllKeys({ prefix: base })).map((key) => (key.startsWith(base) ? key.slice(base.length) : key));
  }
}

module.exports = { S3Cache };
