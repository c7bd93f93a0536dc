'use strict';
// PartitionAwareFilesystemCache: a FilesystemCache whose partition reads are files under one
// folder per resource and partition value, so a partition's entries are cleared by removing its
// folder. `partitionStrategy`:
//   hierarchical  resource=<r>/partition=<p>/<field>=<value>/…
//   flat          resource=<r>/partitions/
//   temporal      resource=<r>/partition=<p>/<yyyy>/<mm>/<dd> for date-valued partitions
// With `trackUsage`, reads and writes are counted per partition (saved to `usageStatsFile`), and
// `getCacheRecommendations` suggests what to preload, keep, shorten or archive.

const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');
const { FilesystemCache } = require('./filesystem.cjs');

const DAY = 24 * 60 * 60 * 1000;
const DATE_VALUE = /^\d{4}-\d{2}-\d{2}/;

const sortedEntries = (values = {}) => Object.entries(values || {}).filter(([, v]) => v !== null && v !== undefined).sort(([a], [b]) => a.localeCompare(b));

class PartitionAwareFilesystemCache extends FilesystemCache {
  constructor({
    partitionStrategy = 'hierarchical', trackUsage = true, preloadRelated = false, preloadThreshold = 10, maxCacheSize = null,
    usageStatsFile = 'partition-usage.json', ...config
  } = {}) {
    super(config);
    this.partitionStrategy = partitionStrategy;
    this.trackUsage = trackUsage;
    this.preloadRelated = preloadRelated;
    this.preloadThreshold = preloadThreshold;
    this.maxCacheSize = maxCacheSize;
    this.usageStatsFile = path.join(this.directory, usageStatsFile);
    this.partitionUsage = new Map();
    this._loadUsageStatsSync();
  }

  _getPartitionCacheKey(resource, action, partition, partitionValues = {}, params = {}) {
    const parts = [`resource=${resource}`, `action=${action}`];
    const values = sortedEntries(partitionValues);
    if (partition && values.length) {
      parts.push(`partition=${partition}`);
      for (const [field, value] of values) parts.push(`${field}=${value}`);
    }
    const paramEntries = Object.entries(params || {}).sort(([a], [b]) => a.localeCompare(b));
    if (paramEntries.length) parts.push(`params=${Buffer.from(paramEntries.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join('|')).toString('base64')}`);
    return `${parts.join('/')}${this.fileExtension}`;
  }

  _isTemporalPartition(partition, partitionValues = {}) {
    if (/date|time|day|month|year|period/i.test(partition || '')) return true;
    return Object.values(partitionValues || {}).some((value) => typeof value === 'string' && DATE_VALUE.test(value));
  }

  _getTemporalDirectory(base, partition, partitionValues) {
    const value = Object.values(partitionValues || {}).find((v) => typeof v === 'string' && DATE_VALUE.test(v));
    if (!value) return path.join(base, `partition=${partition}`);
    const [year, month, day] = value.slice(0, 10).split('-');
    return path.join(base, `partition=${partition}`, year, month, day);
  }

  _getPartitionDirectory(resource, partition, partitionValues = {}) {
    const base = path.join(this.directory, `resource=${encodeURIComponent(resource)}`);
    if (!partition) return base;
    if (this.partitionStrategy === 'flat') return path.join(base, 'partitions');
    if (this.partitionStrategy === 'temporal' && this._isTemporalPartition(partition, partitionValues)) {
      return this._getTemporalDirectory(base, partition, partitionValues);
    }
    return path.join(base, `partition=${encodeURIComponent(partition)}`, ...sortedEntries(partitionValues).map(([f, v]) => `${encodeURIComponent(f)}=${encodeURIComponent(String(v))}`));
  }

  _partitionFile(resource, action, partition, partitionValues, params) {
    const key = this._getPartitionCacheKey(resource, action, partition, partitionValues, params);
    return { key, file: path.join(this._getPartitionDirectory(resource, partition, partitionValues), encodeURIComponent(key)) };
  }

  _getUsageKey(resource, partition, partitionValues = {}) {
    const values = sortedEntries(partitionValues).map(([f, v]) => `${f}=${v}`).join('&');
    return values ? `${resource}/${partition}/${values}` : `${resource}/${partition}`;
  }

  _trackPartitionUsage(resource, partition, partitionValues) {
    if (!this.trackUsage) return;
    const key = this._getUsageKey(resource, partition, partitionValues);
    const usage = this.partitionUsage.get(key) || { count: 0, firstAccess: Date.now(), lastAccess: Date.now() };
    usage.count += 1;
    usage.lastAccess = Date.now();
    this.partitionUsage.set(key, usage);
    this._scheduleUsageSave();
  }

  _scheduleUsageSave() {
    if (this._usageTimer) return;
    this._usageTimer = setTimeout(() => {
      this._usageTimer = null;
      this._saveUsageStats().catch(() => {});
    }, 1000);
    this._usageTimer.unref();
  }

  async _saveUsageStats() {
    if (!this.trackUsage) return;
    await fsp.mkdir(this.directory, { recursive: true });
    await fsp.writeFile(this.usageStatsFile, JSON.stringify(Object.fromEntries(this.partitionUsage)));
  }

  _loadUsageStatsSync() {
    try {
      for (const [key, usage] of Object.entries(JSON.parse(fs.readFileSync(this.usageStatsFile, 'utf8')))) this.partitionUsage.set(key, usage);
    } catch {
      // no saved usage yet
    }
  }

  async loadUsageStats() {
    this._loadUsageStatsSync();
    return this.partitionUsage;
  }

  /** `set(key, data)`, or `set(resource, action, data, {partition, partitionValues, params})`. */
  async set(resource, action, data, options = {}) {
    if (typeof action === 'string' && options.partition) return this._set(null, data, { resource, action, ...options });
    return super.set(resource, action);
  }

  /** `get(key)`, or `get(resource, action, {partition, partitionValues, params})`. */
  async get(resource, action, options = {}) {
    if (typeof action === 'string' && options.partition) return this._get(null, { resource, action, ...options });
    return super.get(resource);
  }

  async _set(key, data, { resource, action, partition, partitionValues, params } = {}) {
    if (!resource || !partition) return super._set(key, data);
    const { key: partitionKey, file } = this._partitionFile(resource, action, partition, partitionValues, params);
    try {
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await this._writeEntry(file, partitionKey, data);
    } catch (error) {
      throw new Error(`Failed to set cache key '${partitionKey}': ${error.message}`);
    }
    this._trackPartitionUsage(resource, partition, partitionValues);
    return data;
  }

  async _get(key, { resource, action, partition, partitionValues, params } = {}) {
    if (!resource || !partition) return super._get(key);
    const { file } = this._partitionFile(resource, action, partition, partitionValues, params);
    const entry = await this._readEntry(file).catch(() => undefined);
    if (entry === undefined) {
      this._count('misses');
      return null;
    }
    this._count('hits');
    this._trackPartitionUsage(resource, partition, partitionValues);
    return entry;
  }

  /** Removes a partition's folder (or one value's); resolves to true. */
  async clearPartition(resource, partition, partitionValues = {}) {
    await fsp.rm(this._getPartitionDirectory(resource, partition, partitionValues), { recursive: true, force: true });
    this.partitionUsage.delete(this._getUsageKey(resource, partition, partitionValues));
    await this._saveUsageStats().catch(() => {});
    return true;
  }

  async clearResourcePartitions(resource) {
    await fsp.rm(path.join(this.directory, `resource=${encodeURIComponent(resource)}`), { recursive: true, force: true });
    for (const key of [...this.partitionUsage.keys()]) if (key.startsWith(`${resource}/`)) this.partitionUsage.delete(key);
    await this._saveUsageStats().catch(() => {});
    return true;
  }

  /** Clears the flat entries under `prefix` and the partition folders of the resource it names (all of them without a prefix). */
  async _clear(prefix) {
    await super._clear(prefix);
    const resource = prefix ? /^resource=([^/]+)/.exec(prefix) : null;
    if (prefix && !resource) return true;
    const folders = resource
      ? [`resource=${encodeURIComponent(resource[1])}`]
      : (await fsp.readdir(this.directory).catch(() => [])).filter((name) => name.startsWith('resource='));
    for (const folder of folders) await fsp.rm(path.join(this.directory, folder), { recursive: true, force: true });
    return true;
  }

  /** Every key, the partition files' included. */
  async keys() {
    const keys = await super.keys();
    const walk = async (dir) => {
      for (const entry of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.endsWith('.meta')) keys.push(decodeURIComponent(entry.name));
      }
    };
    for (const name of await fsp.readdir(this.directory).catch(() => [])) {
      if (name.startsWith('resource=')) await walk(path.join(this.directory, name));
    }
    return keys;
  }

  async _calculateDirectoryStats(dir, stats) {
    for (const entry of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await this._calculateDirectoryStats(full, stats);
      } else if (!entry.name.endsWith('.meta')) {
        const { size } = await fsp.stat(full);
        stats.totalFiles += 1;
        stats.totalSize += size;
        const partition = /partition=([^/]+)/.exec(path.relative(this.directory, full));
        if (partition) {
          const name = decodeURIComponent(partition[1]);
          stats.partitions[name] = stats.partitions[name] || { files: 0, size: 0 };
          stats.partitions[name].files += 1;
          stats.partitions[name].size += size;
        }
      }
    }
  }

  async getPartitionStats(resource, partition = null) {
    const stats = { totalFiles: 0, totalSize: 0, partitions: {}, usage: {} };
    await this._calculateDirectoryStats(path.join(this.directory, `resource=${encodeURIComponent(resource)}`), stats);
    if (partition) stats.partitions = stats.partitions[partition] ? { [partition]: stats.partitions[partition] } : {};
    for (const [key, usage] of this.partitionUsage) {
      const [owner, name] = key.split('/');
      if (owner === resource && (!partition || name === partition)) stats.usage[key.slice(owner.length + 1)] = usage;
    }
    return stats;
  }

  /** Per tracked partition: 'preload' (> 10 reads a day), 'keep', 'reduce_ttl' (< 0.1 a day) or 'archive' (unused 30 days). */
  async getCacheRecommendations(resource) {
    const now = Date.now();
    const recommendations = [];
    for (const [key, usage] of this.partitionUsage) {
      if (!key.startsWith(`${resource}/`)) continue;
      const partition = key.split('/')[1];
      const idleDays = (now - usage.lastAccess) / DAY;
      const perDay = usage.count / Math.max(1, idleDays);
      let recommendation = 'keep';
      let priority = usage.count;
      if (idleDays > 30) [recommendation, priority] = ['archive', 0];
      else if (perDay < 0.1) [recommendation, priority] = ['reduce_ttl', 1];
      else if (perDay > 10) [recommendation, priority] = ['preload', 100];
      recommendations.push({ partition, recommendation, priority, usage: perDay, lastAccess: new Date(usage.lastAccess).toISOString() });
    }
    return recommendations.sort((a, b) => b.priority - a.priority);
  }

  destroy() {
    super.destroy();
    if (this._usageTimer) clearTimeout(this._usageTimer);
    this._usageTimer = null;
  }
}

module.exports = { PartitionAwareFilesystemCache };
