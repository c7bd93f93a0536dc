'use strict';
// FilesystemCache: one file per entry in `directory`, named `<prefix>_<key><fileExtension>` with
// the key percent-encoded (reversible, so `keys()` and prefix clears are exact), the JSON gzip+
// base64-compressed from `compressionThreshold` bytes, and a `.meta` file beside it with the key,
// the write time and the TTL (ms). An unref'd timer removes expired files every `cleanupInterval`.

const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');
const zlib = require('node:zlib');
const { createHash } = require('node:crypto');
const { Cache } = require('./cache.cjs');

const NAME_LIMIT = 200;
const META_SUFFIX = '.meta';

class FilesystemCache extends Cache {
  constructor({
    directory, prefix = 'cache', ttl = 3600000, enableCompression = true, compressionThreshold = 1024, createDirectory = true,
    fileExtension = '.cache', enableMetadata = true, maxFileSize = 10485760, enableStats = false, enableCleanup = true,
    cleanupInterval = 300000, encoding = 'utf8', fileMode = 0o644, ...config
  } = {}) {
    super(config);
    if (!directory) throw new Error('FilesystemCache: directory parameter is required');
    this.directory = path.resolve(directory);
    this.prefix = prefix;
    this.ttl = ttl;
    this.enableCompression = enableCompression;
    this.compressionThreshold = compressionThreshold;
    this.createDirectory = createDirectory;
    this.fileExtension = fileExtension;
    this.enableMetadata = enableMetadata;
    this.maxFileSize = maxFileSize;
    this.enableStats = enableStats;
    this.enableCleanup = enableCleanup;
    this.cleanupInterval = cleanupInterval;
    this.encoding = encoding;
    this.fileMode = fileMode;
    this.stats = { hits: 0, misses: 0, sets: 0, deletes: 0, clears: 0, errors: 0 };
    if (createDirectory) fs.mkdirSync(this.directory, { recursive: true });
    this.cleanupTimer = null;
    if (enableCleanup && cleanupInterval > 0) {
      this.cleanupTimer = setInterval(() => this._cleanup().catch(() => {}), cleanupInterval);
      this.cleanupTimer.unref();
    }
  }

  _count(stat) {
    if (this.enableStats) this.stats[stat] += 1;
  }

  /** The file name of a key: percent-encoded, or a digest when that would be too long. */
  _fileName(key) {
    const encoded = encodeURIComponent(key);
    const stem = encoded.length <= NAME_LIMIT ? encoded : `${encoded.slice(0, 100)}~${createHash('sha256').update(key).digest('hex')}`;
    return `${this.prefix}_${stem}${this.fileExtension}`;
  }

  _getFilePath(key) {
    return path.join(this.directory, this._fileName(key));
  }

  _getMetadataPath(filePath) {
    return filePath + META_SUFFIX;
  }

  /** Writes `payload` (any JSON value) as an entry file at `filePath`, with its metadata. */
  async _writeEntry(filePath, key, payload) {
    const text = JSON.stringify(payload);
    const originalSize = Buffer.byteLength(text);
    if (originalSize > this.maxFileSize) throw new Error(`Cache data exceeds maximum file size: ${originalSize} > ${this.maxFileSize}`);
    const compressed = this.enableCompression && originalSize >= this.compressionThreshold;
    const content = compressed ? zlib.gzipSync(text).toString('base64') : text;
    await fsp.writeFile(filePath, content, { encoding: 'utf8', mode: this.fileMode });
    const meta = { key, timestamp: Date.now(), ttl: this.ttl, compressed, originalSize, compressedSize: Buffer.byteLength(content) };
    await fsp.writeFile(this._getMetadataPath(filePath), JSON.stringify(meta), { encoding: 'utf8', mode: this.fileMode });
  }

  /** The entry at `filePath`, or `undefined` when missing or expired (an expired one is removed). */
  async _readEntry(filePath) {
    let meta;
    try {
      meta = JSON.parse(await fsp.readFile(this._getMetadataPath(filePath), 'utf8'));
    } catch {
      meta = null;
    }
    let content;
    try {
      content = await fsp.readFile(filePath, 'utf8');
    } catch (error) {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    }
    const ttl = meta && typeof meta.ttl === 'number' ? meta.ttl : this.ttl;
    if (meta && ttl > 0 && Date.now() - meta.timestamp > ttl) {
      await this._removeFile(filePath);
      return undefined;
    }
    const compressed = meta ? meta.compressed : !content.startsWith('{') && !content.startsWith('[') && !content.startsWith('"');
    return JSON.parse(compressed ? zlib.gunzipSync(Buffer.from(content, 'base64')).toString('utf8') : content);
  }

  async _removeFile(filePath) {
    await fsp.rm(filePath, { force: true });
    await fsp.rm(this._getMetadataPath(filePath), { force: true });
  }

  async _set(key, data) {
    try {
      await this._writeEntry(this._getFilePath(key), key, data);
      this._count('sets');
      return data;
    } catch (error) {
      this._count('errors');
      throw new Error(`Failed to set cache key '${key}': ${error.message}`);
    }
  }

  async _get(key) {
    const entry = await this._readEntry(this._getFilePath(key)).catch(() => undefined);
    if (entry === undefined) {
      this._count('misses');
      return null;
    }
    this._count('hits');
    return entry;
  }

  async _del(key) {
    try {
      await this._removeFile(this._getFilePath(key));
      this._count('deletes');
      return true;
    } catch (error) {
      throw new Error(`Failed to delete cache key '${key}': ${error.message}`);
    }
  }

  /** The entry files of this cache in `directory` (not in sub-folders): `{file, key}`. */
  async _entries() {
    let names;
    try {
      names = await fsp.readdir(this.directory);
    } catch (error) {
      if (error.code === 'ENOENT') return [];
      throw error;
    }
    const entries = [];
    for (const name of names) {
      if (!name.startsWith(`${this.prefix}_`) || !name.endsWith(this.fileExtension)) continue;
      const file = path.join(this.directory, name);
      const stem = name.slice(this.prefix.length + 1, name.length - this.fileExtension.length);
      let key;
      if (stem.includes('~')) {
        key = await fsp.readFile(this._getMetadataPath(file), 'utf8').then((text) => JSON.parse(text).key, () => null);
      } else {
        try {
          key = decodeURIComponent(stem);
        } catch {
          key = stem;
        }
      }
      if (key !== null) entries.push({ file, key });
    }
    return entries;
  }

  async _clear(prefix) {
    try {
      for (const { file, key } of await this._entries()) if (!prefix || key.startsWith(prefix)) await this._removeFile(file);
      this._count('clears');
      return true;
    } catch (error) {
      throw new Error(`Failed to clear cache: ${error.message}`);
    }
  }

  async keys() {
    return (await this._entries()).map(({ key }) => key);
  }

  async size() {
    return (await this.keys()).length;
  }

  /** Removes expired entries. */
  async _cleanup() {
    for (const { file } of await this._entries()) await this._readEntry(file).catch(() => undefined);
  }

  getStats() {
    return { ...this.stats, directory: this.directory, ttl: this.ttl, compression: this.enableCompression };
  }

  destroy() {
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
    this.cleanupTimer = null;
  }
}

module.exports = { FilesystemCache };
