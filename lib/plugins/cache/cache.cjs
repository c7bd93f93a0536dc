'use strict';
// The cache driver base: `get`/`set`/`del`/`clear(prefix)` check the key, call the driver's
// `_get`/`_set`/`_del`/`_clear`, and emit `get`, `set`, `delete`, `clear`.

const { EventEmitter } = require('node:events');
const { CacheError } = require('../../errors.cjs');

class Cache extends EventEmitter {
  constructor(config = {}) {
    super();
    this.config = config;
  }

  async _set() {}

  async _get() {}

  async _del() {}

  async _clear() {}

  validateKey(key) {
    if (typeof key !== 'string' || key === '') {
      throw new CacheError('Invalid cache key', { operation: 'validateKey', driver: this.constructor.name, key, keyType: typeof key, suggestion: 'Cache keys are non-empty strings' });
    }
  }

  async set(key, data) {
    this.validateKey(key);
    await this._set(key, data);
    this.emit('set', data);
    return data;
  }

  async get(key) {
    this.validateKey(key);
    const data = await this._get(key);
    this.emit('get', data);
    return data;
  }

  async del(key) {
    this.validateKey(key);
    const result = await this._del(key);
    this.emit('delete', result);
    return result;
  }

  async delete(key) {
    return this.del(key);
  }

  async clear(prefix) {
    const result = await this._clear(prefix);
    this.emit('clear', result);
    return result;
  }

  async keys() {
    return [];
  }

  async size() {
    return (await this.keys()).length;
  }
}

/** `1536` → `'1.50 KB'`. */
function formatBytes(bytes) {
  if (!bytes) return '0.00 B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  const power = Math.min(units.length - 1, Math.floor(Math.log(Math.abs(bytes)) / Math.log(1024)));
  return `${(bytes / 1024 ** power).toFixed(2)} ${units[power]}`;
}

module.exports = { Cache, formatBytes };
