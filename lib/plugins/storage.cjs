'use strict';
// PluginStorage: a plugin's own objects under `plugin=<slug>/…` (global) and
// `resource=<name>/plugin=<slug>/…` (per resource), stored by the engine in the s3db.js 12.4
// layout (field names as metadata names, behaviors, `_expiresAt` for TTL).

const { call, toJson } = require('../native.cjs');
const { PluginStorageError, S3dbError } = require('../errors.cjs');

const parse = (reply) => (typeof reply === 'string' ? JSON.parse(reply) : reply.then(JSON.parse));

/** Storage failures (not the engine's own s3db errors such as MetadataLimitError) as PluginStorageError. */
function storageFailure(error, details) {
  if (error && error.constructor === S3dbError) {
    return new PluginStorageError({ ...details, message: error.message, original: error });
  }
  return error;
}

/** Raw object access through the database's store (keys relative to its key prefix). */
class ObjectStore {
  constructor(database) {
    this.native = database._native;
  }

  async put(key, body, { metadata = {}, contentType } = {}) {
    await call(() => this.native.putObject(key, body, toJson(metadata, 'metadata'), contentType));
  }

  /** `{body, metadata, contentType, contentLength, lastModified, etag}` or `null`. */
  async get(key) {
    return parse(call(() => this.native.getObject(key)));
  }

  /** One page of keys: `{keys, next}`. */
  async listPage(prefix, { token, maxKeys } = {}) {
    return parse(call(() => this.native.listObjectKeys(prefix, token || undefined, maxKeys)));
  }

  /** Every key under `prefix`, or the first `limit`. */
  async keys(prefix, { limit } = {}) {
    const keys = [];
    let token;
    do {
      const maxKeys = limit ? Math.min(1000, limit - keys.length) : 1000;
      const page = await this.listPage(prefix, { token, maxKeys });
      keys.push(...page.keys);
      token = page.next;
    } while (token && (!limit || keys.length < limit));
    return keys;
  }

  async delete(keys) {
    return Number(await call(() => this.native.deleteObjects(toJson([].concat(keys), 'keys'))));
  }

  async deletePrefix(prefix) {
    return Number(await call(() => this.native.deletePrefix(prefix)));
  }
}

class PluginStorage {
  constructor(database, pluginSlug) {
    if (!database || !database._native) {
      throw new PluginStorageError({ message: 'PluginStorage requires a database', operation: 'constructor', pluginSlug });
    }
    if (!pluginSlug) throw new PluginStorageError({ message: 'PluginStorage requires a pluginSlug', operation: 'constructor' });
    this.database = database;
    this.pluginSlug = pluginSlug;
    this.objects = new ObjectStore(database);
  }

  /** `resource=<name>/plugin=<slug>/<parts>` or, without a resource, `plugin=<slug>/<parts>`. */
  getPluginKey(resourceName, ...parts) {
    const scope = resourceName ? `resource=${resourceName}/plugin=${this.pluginSlug}` : `plugin=${this.pluginSlug}`;
    return `${scope}/${parts.join('/')}`;
  }

  /** `{ttl (seconds), behavior: 'body-overflow' | 'body-only' | 'enforce-limits', contentType}`. */
  async set(key, data, { ttl, behavior = 'body-overflow', contentType = 'application/json' } = {}) {
    const ttlSeconds = typeof ttl === 'number' && ttl > 0 ? ttl : undefined;
    await this._engine('set', key, (native) => native.putPluginObject(key, toJson(data || {}, 'plugin data'), behavior, contentType, ttlSeconds), { behavior });
  }

  /** One engine call on the plugin's storage; a failure is a PluginStorageError naming the operation and key. */
  async _engine(operation, key, fn, details = {}) {
    try {
      return await parse(call(() => fn(this.database._native)));
    } catch (error) {
      throw storageFailure(error, { pluginSlug: this.pluginSlug, key, operation, ...details });
    }
  }

  async put(key, data, options) {
    return this.set(key, data, options);
  }

  /** The stored data, or `null` when missing or expired. */
  async get(key) {
    return this._engine('get', key, (native) => native.getPluginObject(key));
  }

  async has(key) {
    return (await this.get(key)) !== null;
  }

  /** Keys under `plugin=<slug>/<prefix>`. */
  async list(prefix = '', { limit } = {}) {
    return this.objects.keys(`plugin=${this.pluginSlug}/${prefix}`, { limit });
  }

  /** Keys under `resource=<name>/plugin=<slug>/<subPrefix>`. */
  async listForResource(resourceName, subPrefix = '', { limit } = {}) {
    return this.objects.keys(`resource=${resourceName}/plugin=${this.pluginSlug}/${subPrefix}`, { limit });
  }

  async delete(key) {
    await this.objects.delete([key]);
  }

  /** Deletes the plugin's objects (of one resource, or all of them); resolves to how many. */
  async deleteAll(resourceName = null) {
    if (resourceName) return this.objects.deletePrefix(`resource=${resourceName}/plugin=${this.pluginSlug}/`);
    const names = new Set([
      ...Object.keys(this.database.resources || {}),
      ...Object.keys(this.database.savedMetadata?.resources || {}),
    ]);
    let deleted = await this.objects.deletePrefix(`plugin=${this.pluginSlug}/`);
    for (const name of names) deleted += await this.objects.deletePrefix(`resource=${name}/plugin=${this.pluginSlug}/`);
    return deleted;
  }

  /** s3db.js's name for batchPut: `[{key, data, options}]` → `[{key, ok, error?}]`. */
  async batchSet(items) {
    return this.batchPut(items);
  }

  async _expiry(key) {
    return this._engine('getTTL', key, (native) => native.pluginObjectExpiry(key));
  }

  /** Seconds left before the entry expires; null when it is missing or has no TTL. */
  async getTTL(key) {
    const found = await this._expiry(key);
    if (!found || found.expiresAt === null) return null;
    return Math.floor(Math.max(0, found.expiresAt - Date.now()) / 1000);
  }

  /** True when the entry is missing or past its TTL. */
  async isExpired(key) {
    const found = await this._expiry(key);
    if (!found) return true;
    return found.expiresAt !== null && Date.now() > found.expiresAt;
  }

  /** Extends a live entry's TTL by `additionalSeconds`; false when it has none (or is gone). */
  async touch(key, additionalSeconds) {
    return this._engine('touch', key, (native) => native.touchPluginObject(key, Number(additionalSeconds)));
  }

  async batchPut(items) {
    const results = [];
    for (const { key, data, options } of items) {
      try {
        await this.set(key, data, options);
        results.push({ key, ok: true });
      } catch (error) {
        results.push({ key, ok: false, error });
      }
    }
    return results;
  }

  async batchGet(keys) {
    const results = [];
    for (const key of keys) {
      try {
        results.push({ key, ok: true, data: await this.get(key) });
      } catch (error) {
        results.push({ key, ok: false, error });
      }
    }
    return results;
  }

  /** Adds `amount` to the counter's `value`; concurrent increments (any process) all count. */
  async increment(key, amount = 1, options = {}) {
    if (typeof amount !== 'number' || !Number.isFinite(amount)) {
      throw new PluginStorageError({ message: `increment amount must be a finite number, got ${typeof amount}`, pluginSlug: this.pluginSlug, key, operation: 'increment' });
    }
    const ttl = typeof options.ttl === 'number' && options.ttl > 0 ? options.ttl : undefined;
    return this._engine('increment', key, (native) => native.incrementPluginCounter(key, amount, ttl));
  }

  /**
   * A lock shared by every process on the bucket: resolves to `{key, workerId}` once held, or
   * `null` when `timeout` ms passed first. A holder that does not release it loses it after `ttl` s.
   */
  async acquireLock(lockName, { ttl = 30, timeout = 0, workerId = 'unknown' } = {}) {
    const key = this.getPluginKey(null, 'locks', lockName);
    const started = Date.now();
    for (;;) {
      const holder = toJson({ workerId, acquiredAt: Date.now() }, 'lock holder');
      const taken = await this._engine('acquireLock', key, (native) => native.tryPluginLock(key, holder, ttl));
      if (taken) return { key, workerId };
      if (Date.now() - started >= timeout) return null;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async releaseLock(lockName) {
    await this.delete(this.getPluginKey(null, 'locks', lockName));
  }

  async isLocked(lockName) {
    return this.has(this.getPluginKey(null, 'locks', lockName));
  }

  async decrement(key, amount = 1, options = {}) {
    return this.increment(key, -amount, options);
  }
}

module.exports = { PluginStorage, ObjectStore };
