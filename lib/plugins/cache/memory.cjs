'use strict';
// MemoryCache: an in-process cache, least recently written first out, bounded by `maxSize`
// entries and by `maxMemoryBytes` (or `maxMemoryPercent` of the machine's memory). Values are kept
// as JSON text (gzip-compressed from `compressionThreshold` bytes when `enableCompression`), so a
// caller changing what it got back never changes the cached copy. `ttl` in milliseconds.

const os = require('node:os');
const zlib = require('node:zlib');
const { Cache, formatBytes } = require('./cache.cjs');

class MemoryCache extends Cache {
  constructor(config = {}) {
    super(config);
    const { maxMemoryBytes = 0, maxMemoryPercent = 0 } = config;
    if (maxMemoryBytes > 0 && maxMemoryPercent > 0) {
      throw new Error('[MemoryCache] Cannot use both maxMemoryBytes and maxMemoryPercent. Choose one: maxMemoryBytes (absolute) or maxMemoryPercent (0...1 fraction).');
    }
    if (maxMemoryPercent > 1) {
      throw new Error(`[MemoryCache] maxMemoryPercent must be between 0 and 1 (e.g., 0.1 for 10%). Received: ${maxMemoryPercent}`);
    }
    this.maxSize = config.maxSize !== undefined ? config.maxSize : 1000;
    this.maxMemoryPercent = maxMemoryPercent > 0 ? maxMemoryPercent : 0;
    this.maxMemoryBytes = maxMemoryPercent > 0 ? Math.floor(os.totalmem() * maxMemoryPercent) : maxMemoryBytes;
    this.ttl = config.ttl !== undefined ? config.ttl : 300000;
    this.enableCompression = Boolean(config.enableCompression);
    this.compressionThreshold = config.compressionThreshold !== undefined ? config.compressionThreshold : 1024;
    this.entries = new Map();
    this.currentMemoryBytes = 0;
    this.evictedDueToMemory = 0;
    this.compressionStats = { totalCompressed: 0, totalOriginalSize: 0, totalCompressedSize: 0, compressionRatio: 0 };
  }

  /** s3db.js's view of the entries: key → stored value. */
  get cache() {
    return Object.fromEntries([...this.entries].map(([key, entry]) => [key, entry.compressed ? { __compressed: true, __data: entry.stored.toString('base64'), __originalSize: entry.originalSize } : JSON.parse(entry.stored)]));
  }

  /** key → `{ts, compressed, originalSize, compressedSize}`. */
  get meta() {
    return Object.fromEntries([...this.entries].map(([key, entry]) => [key, { ts: entry.storedAt, compressed: entry.compressed, originalSize: entry.originalSize, compressedSize: entry.size }]));
  }

  _remove(key) {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.currentMemoryBytes -= entry.size;
    this.entries.delete(key);
    return true;
  }

  _evictOldest() {
    const oldest = this.entries.keys().next();
    if (oldest.done) return false;
    this._remove(oldest.value);
    return true;
  }

  async _set(key, data) {
    const text = JSON.stringify(data);
    if (text === undefined) return data;
    const originalSize = Buffer.byteLength(text);
    let stored = text;
    let compressed = false;
    if (this.enableCompression && originalSize >= this.compressionThreshold) {
      stored = zlib.gzipSync(text);
      compressed = true;
      const stats = this.compressionStats;
      stats.totalCompressed += 1;
      stats.totalOriginalSize += originalSize;
      stats.totalCompressedSize += stored.length;
      stats.compressionRatio = (stats.totalCompressedSize / stats.totalOriginalSize).toFixed(2);
    }
    const size = compressed ? stored.length : originalSize;
    this._remove(key);
    // An entry larger than the whole budget is not kept (it would evict everything and still not fit).
    if (this.maxMemoryBytes > 0 && size > this.maxMemoryBytes) {
      this.evictedDueToMemory += 1;
      return data;
    }
    if (this.maxMemoryBytes > 0) {
      while (this.entries.size > 0 && this.currentMemoryBytes + size > this.maxMemoryBytes) {
        this._evictOldest();
        this.evictedDueToMemory += 1;
      }
    }
    if (this.maxSize > 0) while (this.entries.size >= this.maxSize) this._evictOldest();
    this.entries.set(key, { stored, compressed, size, originalSize, storedAt: Date.now() });
    this.currentMemoryBytes += size;
    return data;
  }

  async _get(key) {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (this.ttl > 0 && Date.now() - entry.storedAt > this.ttl) {
      this._remove(key);
      return null;
    }
    try {
      return JSON.parse(entry.compressed ? zlib.gunzipSync(entry.stored).toString('utf8') : entry.stored);
    } catch {
      this._remove(key);
      return null;
    }
  }

  async _del(key) {
    this._remove(key);
    return true;
  }

  async _clear(prefix) {
    if (!prefix) {
      this.entries.clear();
      this.currentMemoryBytes = 0;
      return true;
    }
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this._remove(key);
    return true;
  }

  async keys() {
    return [...this.entries.keys()];
  }

  async size() {
    return this.entries.size;
  }

  getCompressionStats() {
    if (!this.enableCompression) return { enabled: false, message: 'Compression is disabled' };
    const { totalCompressed, totalOriginalSize, totalCompressedSize, compressionRatio } = this.compressionStats;
    const saved = totalOriginalSize - totalCompressedSize;
    return {
      enabled: true,
      totalItems: this.entries.size,
      compressedItems: totalCompressed,
      compressionThreshold: this.compressionThreshold,
      totalOriginalSize,
      totalCompressedSize,
      averageCompressionRatio: compressionRatio,
      spaceSavingsPercent: totalOriginalSize > 0 ? ((saved / totalOriginalSize) * 100).toFixed(2) : 0,
      memoryUsage: { uncompressed: formatBytes(totalOriginalSize), compressed: formatBytes(totalCompressedSize), saved: formatBytes(saved) },
    };
  }

  getMemoryStats() {
    const totalItems = this.entries.size;
    const total = os.totalmem();
    const free = os.freemem();
    const cachePercent = total > 0 ? ((this.currentMemoryBytes / total) * 100).toFixed(2) : '0.00';
    const limited = this.maxMemoryBytes > 0;
    return {
      currentMemoryBytes: this.currentMemoryBytes,
      maxMemoryBytes: this.maxMemoryBytes,
      maxMemoryPercent: this.maxMemoryPercent,
      memoryUsagePercent: limited ? Number(((this.currentMemoryBytes / this.maxMemoryBytes) * 100).toFixed(2)) : 0,
      cachePercentOfSystemMemory: Number(cachePercent),
      totalItems,
      maxSize: this.maxSize,
      evictedDueToMemory: this.evictedDueToMemory,
      averageItemSize: totalItems > 0 ? Math.round(this.currentMemoryBytes / totalItems) : 0,
      memoryUsage: {
        current: formatBytes(this.currentMemoryBytes),
        max: limited ? formatBytes(this.maxMemoryBytes) : 'unlimited',
        available: limited ? formatBytes(this.maxMemoryBytes - this.currentMemoryBytes) : 'unlimited',
      },
      systemMemory: { total: formatBytes(total), free: formatBytes(free), used: formatBytes(total - free), cachePercent: `${cachePercent}%` },
    };
  }
}

module.exports = { MemoryCache };
