'use strict';
// CachePlugin: read methods answer from a cache (memory, the database's own S3 store, or a
// driver instance) and every write path clears the resource's cached answers before it returns.
// Keys name the resource, the method, the partition and its values, and a hash of the arguments:
// `resource=<r>/action=<m>[/partition=<p>/<field>=<value>…]/<hash>.json`.

const { createHash } = require('node:crypto');
const { Plugin } = require('./plugin.cjs');
const { Cache, MemoryCache, S3Cache } = require('./cache-drivers.cjs');
const { PluginError } = require('../errors.cjs');

/** Read methods that are cached, and how their arguments become `{params, partition, partitionValues}`. */
const CACHED_READS = {
  get: ([id]) => ({ params: { id } }),
  exists: ([id]) => ({ params: { id } }),
  getMany: ([ids]) => ({ params: { ids } }),
  getAll: () => ({ params: {} }),
  list: ([options]) => fromListOptions(options),
  listIds: ([options]) => fromListOptions(options),
  count: ([options]) => fromListOptions(options),
  page: ([options]) => fromListOptions(options),
  query: ([filter, options]) => {
    const shaped = fromListOptions(options);
    return { ...shaped, params: { filter: filter || {}, ...shaped.params } };
  },
};

function fromListOptions(options) {
  const { partition, partitionValues, skipCache, ...params } = options && typeof options === 'object' ? options : {};
  return { params, partition, partitionValues };
}

/** JSON with object keys sorted, so equal arguments hash equally. */
function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter((k) => value[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const wantsFreshRead = (args) => args.some((arg) => arg !== null && typeof arg === 'object' && arg.skipCache === true);

class CachePlugin extends Plugin {
  constructor(options = {}) {
    super(options);
    this.config = {
      driver: options.driver || 'memory',
      ttl: options.ttl,
      maxSize: options.maxSize,
      maxMemoryBytes: options.maxMemoryBytes || options.config?.maxMemoryBytes,
      partitionAware: options.partitionAware !== false,
      include: options.include || null,
      exclude: options.exclude || [],
    };
    this.driver = null;
    this.stats = { hits: 0, misses: 0, writes: 0, clears: 0, errors: 0 };
  }

  async onInstall() {
    this.driver = this._createDriver();
    this.database._pluginHost.forEachResource((resource) => this._installOn(resource));
  }

  _createDriver() {
    const { driver, ttl, maxSize, maxMemoryBytes } = this.config;
    if (driver instanceof Cache || (driver && typeof driver === 'object' && typeof driver.get === 'function')) return driver;
    const ttlOption = ttl === undefined ? {} : { ttl };
    if (driver === 'memory') return new MemoryCache({ ...ttlOption, maxSize, maxMemoryBytes });
    if (driver === 's3') return new S3Cache({ ...ttlOption, database: this.database, keyPrefix: `plugin=${this.slug}` });
    throw new PluginError({ message: `CachePlugin: unknown driver '${driver}' (use 'memory', 's3' or a driver instance)`, pluginName: this.name });
  }

  _covers(resource) {
    if (this.config.include && !this.config.include.includes(resource.name)) return false;
    return !this.config.exclude.includes(resource.name);
  }

  _installOn(resource) {
    if (!this._covers(resource)) return;
    resource.cache = this.driver;
    resource.cacheKeyFor = async (options = {}) => this.cacheKeyFor(resource, options);
    resource.clearPartitionCache = (partition, partitionValues) => this.clearPartitionCache(resource, partition, partitionValues);
    resource.getPartitionCacheStats = (partition) => this.getPartitionCacheStats(resource, partition);
    for (const [method, shape] of Object.entries(CACHED_READS)) {
      resource.useMiddleware(method, (ctx, next) => this._cachedRead(resource, method, shape(ctx.args), ctx.args, next));
    }
    resource._writeObservers.push(() => this.clearCacheForResource(resource));
  }

  async _cachedRead(resource, method, shaped, args, next) {
    if (wantsFreshRead(args)) return next();
    const key = this.cacheKeyFor(resource, { action: method, ...shaped });
    try {
      const cached = await this.driver.get(key);
      if (cached !== null && cached !== undefined) {
        this.stats.hits++;
        return cached;
      }
    } catch {
      this.stats.errors++;
    }
    this.stats.misses++;
    const result = await next();
    try {
      await this.driver.set(key, result);
      this.stats.writes++;
    } catch {
      this.stats.errors++;
    }
    return result;
  }

  /** The cache key of a read: `{action, params, partition, partitionValues}`. */
  cacheKeyFor(resource, { action = 'list', params = {}, partition, partitionValues } = {}) {
    const parts = [`resource=${resource.name}`, `action=${action}`];
    if (this.config.partitionAware && partition) {
      parts.push(`partition=${encodeURIComponent(partition)}`);
      for (const field of Object.keys(partitionValues || {}).sort()) {
        const value = partitionValues[field];
        if (value !== null && value !== undefined) parts.push(`${encodeURIComponent(field)}=${encodeURIComponent(String(value))}`);
      }
    }
    const scoped = this.config.partitionAware ? params : { ...params, partition, partitionValues };
    const hash = createHash('sha256').update(stableJson(scoped)).digest('hex').slice(0, 16);
    parts.push(`${hash}.json`);
    return parts.join('/');
  }

  async clearCacheForResource(resource) {
    const name = typeof resource === 'string' ? resource : resource.name;
    try {
      await this.driver.clear(`resource=${name}/`);
      this.stats.clears++;
    } catch (error) {
      this.stats.errors++;
      if (this.listenerCount('cache_clear_error') > 0) this.emit('cache_clear_error', { resource: name, error: error.message });
    }
  }

  async clearAllCache() {
    await this.driver.clear('');
  }

  /** Clears the cached answers of one partition (optionally narrowed to some of its values). */
  async clearPartitionCache(resource, partition, partitionValues = {}) {
    const segments = [`/partition=${encodeURIComponent(partition)}/`];
    for (const [field, value] of Object.entries(partitionValues)) {
      segments.push(`/${encodeURIComponent(field)}=${encodeURIComponent(String(value))}/`);
    }
    const prefix = `resource=${resource.name}/`;
    for (const key of await this.driver.keys()) {
      if (key.startsWith(prefix) && segments.every((segment) => key.includes(segment))) await this.driver.del(key);
    }
  }

  async getPartitionCacheStats(resource, partition) {
    const prefix = `resource=${resource.name}/`;
    const keys = (await this.driver.keys()).filter((key) => key.startsWith(prefix));
    const inPartition = partition ? keys.filter((key) => key.includes(`/partition=${encodeURIComponent(partition)}/`)) : keys;
    return { resource: resource.name, partition: partition || null, keys: inPartition.length };
  }

  /** Fills the cache for a resource: its full listing (and count). */
  async warmCache(resourceName) {
    const resource = this.database.resources[resourceName];
    if (!resource) throw new PluginError({ message: `Resource not found: ${resourceName}`, pluginName: this.name });
    await resource.list();
    await resource.count();
  }

  async getCacheStats() {
    const keys = await this.driver.keys();
    const lookups = this.stats.hits + this.stats.misses;
    return {
      size: keys.length,
      keys,
      driver: this.driver.constructor.name,
      stats: { ...this.stats, hitRate: lookups ? this.stats.hits / lookups : 0 },
    };
  }
}

module.exports = { CachePlugin, Cache, MemoryCache, S3Cache };
