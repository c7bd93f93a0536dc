'use strict';
// Cache drivers for CachePlugin. Values are kept as JSON text, so a caller mutating what it got
// back never changes the cached copy. `ttl` is in milliseconds (0 = no expiry).

const { EventEmitter } = require('node:events');
const { ObjectStore } = require('./storage.cjs');

const DEFAULT_TTL_MS = 300000;

/** The driver interface: `get`, `set`, `del`, `clear(prefix)`, `keys()`, `size()`. */
class Cache extends EventEmitter {
  constructor({ ttl = DEFAULT_TTL_MS } = {}) {
    super();
    this.ttl = ttl;
  }

  _expired(storedAt) {
    return this.ttl > 0 && Date.now() - storedAt > this.ttl;
  }

  async get() {
    throw new Error(`${this.constructor.name} does not implement get()`);
  }

  async set() {
    throw new Error(`${this.constructor.name} does not implement set()`);
  }

  async del() {
    throw new Error(`${this.constructor.name} does not implement del()`);
  }

  async clear() {
    throw new Error(`${this.constructor.name} does not implement clear()`);
  }

  async keys() {
    throw new Error(`${this.constructor.name} does not implement keys()`);
  }

  async size() {
    return (await this.keys()).length;
  }
}

/** In-process LRU: at most `maxSize` entries and, when set, `maxMemoryBytes` of JSON text. */
class MemoryCache extends Cache {
  constructor({ ttl = DEFAULT_TTL_MS, maxSize = 1000, maxMemoryBytes = 0 } = {}) {
    super({ ttl });
    this.maxSize = maxSize;
    this.maxMemoryBytes = maxMemoryBytes;
    this.entries = new Map();
    this.bytes = 0;
  }

  async get(key) {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (this._expired(entry.storedAt)) {
      this._remove(key);
      return null;
    }
    // Re-inserting keeps the Map in least-recently-used-first order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return JSON.parse(entry.text);
  }

  async set(key, value) {
    const text = JSON.stringify(value);
    if (text === undefined) return;
    this._remove(key);
    this.entries.set(key, { text, storedAt: Date.now() });
    this.bytes += text.length * 2;
    while (this.entries.size > 0 && (this.entries.size > this.maxSize || (this.maxMemoryBytes > 0 && this.bytes > this.maxMemoryBytes))) {
      this._remove(this.entries.keys().next().value);
    }
  }

  _remove(key) {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.text.length * 2;
    this.entries.delete(key);
  }

  async del(key) {
    this._remove(key);
  }

  async clear(prefix = '') {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this._remove(key);
  }

  async keys() {
    return [...this.entries.keys()];
  }

  async size() {
    return this.entries.size;
  }
}

/** Cache objects in the database's own bucket, under `keyPrefix` (default `plugin=cache`). */
class S3Cache extends Cache {
  constructor({ database, keyPrefix = 'plugin=cache', ttl = DEFAULT_TTL_MS } = {}) {
    super({ ttl });
    if (!database) throw new Error('S3Cache needs the database whose store it uses');
    this.objects = new ObjectStore(database);
    this.keyPrefix = keyPrefix.replace(/\/+$/, '');
  }

  _key(key) {
    return `${this.keyPrefix}/${key}`;
  }

  async get(key) {
    const object = await this.objects.get(this._key(key));
    if (!object) return null;
    if (this._expired(Number(object.metadata.storedat))) {
      await this.objects.delete([this._key(key)]);
      return null;
    }
    return JSON.parse(object.body);
  }

  async set(key, value) {
    const text = JSON.stringify(value);
    if (text === undefined) return;
    await this.objects.put(this._key(key), text, { metadata: { storedAt: String(Date.now()) }, contentType: 'application/json' });
  }

  async del(key) {
    await this.objects.delete([this._key(key)]);
  }

  async clear(prefix = '') {
    await this.objects.deletePrefix(this._key(prefix));
  }

  async keys() {
    const base = `${this.keyPrefix}/`;
    return (await this.objects.keys(base)).map((key) => key.slice(base.length));
  }
}

module.exports = { Cache, MemoryCache, S3Cache, DEFAULT_TTL_MS };
