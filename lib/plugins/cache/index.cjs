'use strict';
// CachePlugin: read methods (get, exists, getMany, getAll, list, listIds, count, page, query,
// content, hasContent, getFromPartition) answer from a cache driver — memory, the database's own
// store (S3Cache, the default as in s3db.js), the filesystem, partition-aware folders, or any
// driver instance — and every write of a resource clears its entries before the write resolves.
// Keys as s3db.js writes them: `resource=<r>/action=<m>[/partition:<p>/<field>:<value>…][/<md5>].json.gz`.
// Unlike s3db.js, the arguments of list/listIds/count besides the partition (limit, offset…) are
// part of the key, so `list({limit: 5})` never answers a later `list()`.

const { createHash } = require('node:crypto');
const path = require('node:path');
const { Plugin } = require('../plugin.cjs');
const { Cache, formatBytes } = require('./cache.cjs');
const { MemoryCache } = require('./memory.cjs');
const { S3Cache } = require('./s3.cjs');
const { FilesystemCache } = require('./filesystem.cjs');
const { PartitionAwareFilesystemCache } = require('./partition-aware.cjs');
const { CacheError } = require('../../errors.cjs');

const CACHED_METHODS = ['count', 'listIds', 'getMany', 'getAll', 'page', 'list', 'get', 'exists', 'content', 'hasContent', 'query', 'getFromPartition'];

/** JSON with sorted object keys, so equal arguments hash equally. */
function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : stableJson(item))).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return `{${Object.keys(value).sort().filter((k) => value[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What a read's arguments make of its key: `{params, partition, partitionValues}`. */
function readShape(method, args) {
  const [first, second] = args;
  const options = (value) => (value && typeof value === 'object' ? value : {});
  const withoutCacheFlags = ({ skipCache, partition, partitionValues, ...rest }) => rest;
  switch (method) {
    case 'getMany': return { params: { ids: first } };
    case 'get': case 'exists': case 'content': case 'hasContent': return { params: { id: first } };
    case 'getAll': return { params: {} };
    case 'page': case 'list': case 'listIds': case 'count': {
      const { partition, partitionValues } = options(first);
      return { params: withoutCacheFlags(options(first)), partition, partitionValues };
    }
    case 'query': {
      const { partition, partitionValues, limit, offset } = options(second);
      return { params: { filter: first || {}, options: { limit, offset } }, partition, partitionValues };
    }
    case 'getFromPartition': {
      const { id, partitionName, partitionValues } = options(first);
      return { params: { id, partitionName }, partition: partitionName, partitionValues };
    }
    default: return { params: {} };
  }
}

const skipsCache = (args) => {
  const last = args[args.length - 1];
  return Boolean(last && typeof last === 'object' && last.skipCache === true);
};

class CachePlugin extends Plugin {
  constructor(options = {}) {
    super(options);
    this.config = {
      driver: options.driver || 's3',
      config: {
        ttl: options.ttl,
        maxSize: options.maxSize,
        maxMemoryBytes: options.maxMemoryBytes,
        maxMemoryPercent: options.maxMemoryPercent,
        ...options.config,
      },
      include: options.include || null,
      exclude: options.exclude || [],
      includePartitions: options.includePartitions !== false,
      partitionStrategy: options.partitionStrategy || 'hierarchical',
      partitionAware: options.partitionAware !== false,
      trackUsage: options.trackUsage !== false,
      preloadRelated: options.preloadRelated !== false,
      retryAttempts: options.retryAttempts || 3,
      retryDelay: options.retryDelay || 100,
      verbose: options.verbose || false,
    };
    this.driver = null;
    this.resetStats();
  }

  /** The driver options without the ones left undefined (so each driver's defaults apply). */
  _driverOptions() {
    return Object.fromEntries(Object.entries(this.config.config).filter(([, value]) => value !== undefined));
  }

  _createDriver() {
    const { driver } = this.config;
    if (driver && typeof driver === 'object') return driver;
    const options = this._driverOptions();
    if (driver === 'memory') return new MemoryCache(options);
    if (driver === 'filesystem') {
      if (!this.config.partitionAware) return new FilesystemCache(options);
      const { partitionStrategy, trackUsage, preloadRelated } = this.config;
      return new PartitionAwareFilesystemCache({ partitionStrategy, trackUsage, preloadRelated, ...options });
    }
    if (driver !== 's3' && this.config.verbose) console.warn(`[CachePlugin] unknown driver '${driver}': using the S3 cache`);
    return new S3Cache({ client: this.database.client, ...options });
  }

  async onInstall() {
    this.driver = this._createDriver();
    this.installDatabaseHooks();
    this.installResourceHooks();
  }

  installDatabaseHooks() {
    this.database.addHook('afterCreateResource', (context) => {
      const resource = context && context.resource ? context.resource : context;
      if (resource && this.shouldCacheResource(resource.name)) this.installResourceHooksForResource(resource);
    });
  }

  installResourceHooks() {
    for (const resource of Object.values(this.database.resources)) {
      if (this.shouldCacheResource(resource.name)) this.installResourceHooksForResource(resource);
    }
  }

  /** Plugin-created resources (`createdBy` other than 'user', `plg_…`) only when `include` names them. */
  shouldCacheResource(name) {
    const { include, exclude } = this.config;
    if (include) return include.includes(name) && !exclude.includes(name);
    const createdBy = this.database?.savedMetadata?.resources?.[name]?.createdBy;
    if (createdBy && createdBy !== 'user') return false;
    if (name.startsWith('plg_')) return false;
    return !exclude.includes(name);
  }

  _partitionAware() {
    return this.driver instanceof PartitionAwareFilesystemCache;
  }

  installResourceHooksForResource(resource) {
    if (!this.driver || resource._cachePlugin === this) return;
    Object.defineProperty(resource, '_cachePlugin', { value: this, configurable: true, writable: true, enumerable: false });
    Object.defineProperty(resource, 'cache', { value: this.driver, configurable: true, writable: true, enumerable: false });
    resource.cacheKeyFor = async ({ action, params = {}, partition, partitionValues } = {}) => this.generateCacheKey(resource, action, params, partition, partitionValues);
    if (this._partitionAware()) {
      resource.clearPartitionCache = (partition, partitionValues = {}) => this.driver.clearPartition(resource.name, partition, partitionValues);
      resource.getPartitionCacheStats = (partition = null) => this.driver.getPartitionStats(resource.name, partition);
      resource.getCacheRecommendations = () => this.driver.getCacheRecommendations(resource.name);
      resource.warmPartitionCache = (partitions = [], options = {}) => this._warmPartitions(resource, partitions, options);
    }
    for (const method of CACHED_METHODS) {
      if (typeof resource[method] !== 'function') continue;
      resource.useMiddleware(method, (ctx, next) => this._cachedRead(resource, method, ctx.args, next));
    }
    resource._writeObservers.push(({ ids }) => this.clearCacheForResource(resource, ids && ids.length === 1 ? { id: ids[0] } : undefined));
  }

  async _cachedRead(resource, method, args, next) {
    if (skipsCache(args)) return next();
    const { params, partition, partitionValues } = readShape(method, args);
    const key = await this.generateCacheKey(resource, method, params, partition, partitionValues);
    const scope = this._partitionAware() ? { resource: resource.name, action: method, partition, partitionValues } : undefined;
    let cached;
    try {
      cached = scope ? await this.driver._get(key, scope) : await this.driver.get(key);
    } catch (error) {
      if (error.name !== 'NoSuchKey') {
        this.stats.errors += 1;
        throw error;
      }
    }
    if (cached !== null && cached !== undefined) {
      this.stats.hits += 1;
      return cached;
    }
    this.stats.misses += 1;
    const fresh = await next();
    try {
      if (scope) await this.driver._set(key, fresh, scope);
      else await this.driver.set(key, fresh);
      this.stats.writes += 1;
    } catch (error) {
      this.stats.errors += 1;
      if (this.config.verbose) console.warn(`[CachePlugin] caching ${key} failed: ${error.message}`);
    }
    return fresh;
  }

  /**
   * Clears the resource's cached answers. When that fails, a record's own entries (`data.id`)
   * are still cleared one by one, so a read of that record cannot be answered stale.
   */
  async clearCacheForResource(resource, data) {
    // This plugin's own driver: with several cache plugins on one resource, `resource.cache` is the last one's.
    const cache = this.driver || (resource && resource.cache);
    if (!resource || !cache) return;
    const [ok, error] = await this.clearCacheWithRetry(cache, `resource=${resource.name}`);
    if (ok) return;
    this.emit('cache_clear_error', { resource: resource.name, type: 'broad', error: error.message });
    if (!data || data.id === undefined) return;
    for (const method of ['get', 'exists', 'content', 'hasContent']) {
      const [cleared, failure] = await this.clearCacheWithRetry(cache, await this.generateCacheKey(resource, method, { id: data.id }));
      if (!cleared) this.emit('cache_clear_error', { resource: resource.name, method, id: data.id, error: failure.message });
    }
  }

  async clearCacheWithRetry(cache, key) {
    let lastError;
    for (let attempt = 0; attempt < this.config.retryAttempts; attempt += 1) {
      try {
        await cache.clear(key);
        this.stats.deletes += 1;
        return [true, null];
      } catch (error) {
        if (error.name === 'NoSuchKey' || error.code === 'NoSuchKey') return [true, null];
        lastError = error;
        if (attempt < this.config.retryAttempts - 1) await new Promise((resolve) => setTimeout(resolve, this.config.retryDelay * 2 ** attempt));
      }
    }
    return [false, lastError];
  }

  async generateCacheKey(resource, action, params = {}, partition = null, partitionValues = null) {
    const parts = [`resource=${resource.name}`, `action=${action}`];
    if (partition && partitionValues && Object.keys(partitionValues).length > 0) {
      parts.push(`partition:${partition}`);
      for (const [field, value] of Object.entries(partitionValues)) if (value !== null && value !== undefined) parts.push(`${field}:${value}`);
    }
    if (params && Object.keys(params).some((name) => params[name] !== undefined)) parts.push(this.hashParams(params));
    return `${path.posix.join(...parts)}.json.gz`;
  }

  hashParams(params) {
    return createHash('md5').update(stableJson(params) || 'empty').digest('hex').slice(0, 16);
  }

  async getCacheStats() {
    if (!this.driver) return null;
    const keys = await this.driver.keys();
    return { size: keys.length, keys, driver: this.driver.constructor.name, stats: this.getStats() };
  }

  async clearAllCache() {
    if (!this.driver) return;
    for (const resource of Object.values(this.database.resources)) {
      if (resource.cache) await resource.cache.clear(`resource=${resource.name}`);
    }
  }

  /** Up to `sampleSize` records, a page of 100 at a time. */
  async _sampleRecords(resource, sampleSize) {
    const sampled = [];
    for (let offset = 0; sampled.length < sampleSize; offset += 100) {
      const page = await resource.page({ offset, size: 100 }).catch(() => null);
      const items = page ? (Array.isArray(page) ? page : page.items || []) : [];
      if (items.length === 0) break;
      sampled.push(...items);
    }
    return sampled.slice(0, sampleSize);
  }

  /** Lists each partition value the sampled records fall in (filling the cache); resolves to how many. */
  async _listSampledPartitions(resource, records, names) {
    let listed = 0;
    for (const name of names) {
      const seen = new Set();
      for (const record of records) {
        const values = this.getPartitionValues(record, resource)[name];
        const signature = JSON.stringify(values);
        if (!values || seen.has(signature)) continue;
        seen.add(signature);
        await resource.list({ partition: name, partitionValues: values }).catch(() => null);
        listed += 1;
      }
    }
    return listed;
  }

  async _warmPartitions(resource, partitions, { sampleSize = 100 } = {}) {
    const names = partitions.length ? partitions : Object.keys(resource.config.partitions || {});
    const records = await this._sampleRecords(resource, sampleSize);
    const partitionsWarmed = await this._listSampledPartitions(resource, records, names);
    return { resourceName: resource.name, partitionsWarmed, recordsSampled: records.length };
  }

  /** Fills the cache for a resource: its list and count, and the lists of the partitions a sample of records falls in. */
  async warmCache(resourceName, { includePartitions = true, sampleSize = 100 } = {}) {
    const resource = this.database.resources[resourceName];
    if (!resource) {
      throw new CacheError('Resource not found for cache warming', {
        operation: 'warmCache', driver: this.driver?.constructor.name, resourceName, availableResources: Object.keys(this.database.resources),
      });
    }
    await resource.list();
    await resource.count();
    if (this._partitionAware() && resource.warmPartitionCache) {
      return resource.warmPartitionCache(Object.keys(resource.config.partitions || {}), { sampleSize });
    }
    const records = await this._sampleRecords(resource, sampleSize);
    const partitions = includePartitions ? Object.keys(resource.config.partitions || {}) : [];
    await this._listSampledPartitions(resource, records, partitions);
    return { resourceName, recordsSampled: records.length, partitionsWarmed: partitions.length };
  }

  async analyzeCacheUsage() {
    if (!this._partitionAware()) return { message: 'Cache usage analysis is only available with PartitionAwareFilesystemCache' };
    const analysis = { totalResources: Object.keys(this.database.resources).length, resourceStats: {}, recommendations: {}, summary: {} };
    for (const name of Object.keys(this.database.resources)) {
      if (!this.shouldCacheResource(name)) continue;
      analysis.resourceStats[name] = await this.driver.getPartitionStats(name);
      analysis.recommendations[name] = await this.driver.getCacheRecommendations(name);
    }
    const all = Object.values(analysis.recommendations).flat();
    const mostUsed = all.filter((r) => r.recommendation === 'preload').sort((a, b) => b.priority - a.priority).slice(0, 5);
    const leastUsed = all.filter((r) => r.recommendation === 'archive').slice(0, 5);
    analysis.summary = {
      mostUsedPartitions: mostUsed,
      leastUsedPartitions: leastUsed,
      suggestedOptimizations: [`Consider preloading ${mostUsed.length} high-usage partitions`, `Archive ${leastUsed.length} unused partitions`, 'Monitor cache hit rates for partition efficiency'],
    };
    return analysis;
  }

  getStats() {
    const { hits, misses, writes, deletes, errors, startTime } = this.stats;
    const total = hits + misses;
    const hitRate = total ? (hits / total) * 100 : 0;
    const missRate = total ? (misses / total) * 100 : 0;
    const uptime = Math.floor((Date.now() - startTime) / 1000);
    const perSecond = (count) => (uptime > 0 ? (count / uptime).toFixed(2) : 0);
    return {
      hits, misses, writes, deletes, errors, total,
      hitRate: `${hitRate.toFixed(2)}%`,
      missRate: `${missRate.toFixed(2)}%`,
      hitRateDecimal: hitRate / 100,
      missRateDecimal: missRate / 100,
      uptime,
      uptimeFormatted: `${Math.floor(uptime / 3600)}h ${Math.floor((uptime % 3600) / 60)}m ${uptime % 60}s`,
      startTime: new Date(startTime).toISOString(),
      hitsPerSecond: perSecond(hits),
      missesPerSecond: perSecond(misses),
      writesPerSecond: perSecond(writes),
    };
  }

  resetStats() {
    this.stats = { hits: 0, misses: 0, writes: 0, deletes: 0, errors: 0, startTime: Date.now() };
  }

  async onStop() {
    if (this.driver && typeof this.driver.destroy === 'function') this.driver.destroy();
  }
}

module.exports = { CachePlugin, Cache, MemoryCache, S3Cache, FilesystemCache, PartitionAwareFilesystemCache, formatBytes };
