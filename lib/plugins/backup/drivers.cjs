'use strict';
// Where BackupPlugin keeps its backups. A backup is a folder in the MemoryClient backup layout
// (`s3db.json` plus one `<resource>.jsonl[.gz]` per resource); a driver stores that folder under a
// backup id, with a `<id>.manifest.json` beside it, and gives it back for a restore.
//   filesystem  a local path (`{date}`, `{time}`, `{year}`, `{month}`, `{day}`, `{type}` expand)
//   s3          the database's client (or `config.client`), under a key prefix
//   multi       several destinations, with strategy `all`, `any` or `priority`

const fs = require('node:fs');
const path = require('node:path');
const { BackupError } = require('../../errors.cjs');

const pad = (n) => String(n).padStart(2, '0');

/** Expands the path placeholders for a backup taken at `when`. */
function expandTemplate(template, { when = new Date(), type = '' } = {}) {
  const date = `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`;
  const time = `${pad(when.getHours())}-${pad(when.getMinutes())}-${pad(when.getSeconds())}`;
  return template
    .replaceAll('{date}', date)
    .replaceAll('{time}', time)
    .replaceAll('{year}', String(when.getFullYear()))
    .replaceAll('{month}', pad(when.getMonth() + 1))
    .replaceAll('{day}', pad(when.getDate()))
    .replaceAll('{type}', type);
}

/** The time a manifest records, for expanding a stored backup's path again. */
const takenAt = (manifest) => new Date(manifest && manifest.timestamp ? manifest.timestamp : Date.now());

/** Stored manifests, newest first, at most `limit`. */
function newestFirst(manifests, limit) {
  return manifests.sort((a, b) => String(b.timestamp).localeCompare(String(a.timestamp))).slice(0, limit);
}

function filesOf(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
}

class BaseBackupDriver {
  constructor(config = {}) {
    this.config = { verbose: false, ...config };
    this.database = null;
  }

  async setup(database) {
    this.database = database;
    await this.onSetup();
  }

  async onSetup() {}

  /** Stores the backup folder `sourceDir` as `backupId`; resolves to this driver's record of where. */
  async upload(sourceDir, backupId, manifest) { this._unimplemented('upload'); }

  /** Writes backup `backupId`'s files into `targetDir`. */
  async download(backupId, targetDir, metadata) { this._unimplemented('download'); }

  async delete(backupId, metadata) { this._unimplemented('delete'); }

  /** The stored manifests, newest first. */
  async list(options = {}) { this._unimplemented('list'); }

  getType() { this._unimplemented('getType'); }

  getStorageInfo() {
    return { type: this.getType(), config: this.config };
  }

  async cleanup() {}

  _unimplemented(operation) {
    throw new BackupError(`${operation}() method must be implemented by subclass`, { driver: this.constructor.name, operation });
  }
}

class FilesystemBackupDriver extends BaseBackupDriver {
  constructor(config = {}) {
    super({ path: './backups/{date}/', permissions: 0o644, directoryPermissions: 0o755, ...config });
  }

  getType() { return 'filesystem'; }

  async onSetup() {
    if (!this.config.path) {
      throw new BackupError('FilesystemBackupDriver: path configuration is required', { driver: 'filesystem', operation: 'setup' });
    }
  }

  _base(manifest) {
    return path.resolve(expandTemplate(this.config.path, { when: takenAt(manifest), type: manifest && manifest.type }));
  }

  _locate(backupId, manifest) {
    const base = this._base(manifest);
    return { base, path: path.join(base, backupId), manifestPath: path.join(base, `${backupId}.manifest.json`) };
  }

  async upload(sourceDir, backupId, manifest) {
    const where = this._locate(backupId, manifest);
    try {
      fs.mkdirSync(where.path, { recursive: true, mode: this.config.directoryPermissions });
      for (const file of filesOf(sourceDir)) {
        fs.copyFileSync(path.join(sourceDir, file), path.join(where.path, file));
        fs.chmodSync(path.join(where.path, file), this.config.permissions);
      }
      fs.writeFileSync(where.manifestPath, JSON.stringify(manifest, null, 2), { mode: this.config.permissions });
    } catch (error) {
      throw new BackupError(`Failed to write backup ${backupId} to ${where.path}: ${error.message}`, { driver: 'filesystem', operation: 'upload', backupId, original: error });
    }
    return { path: where.path, manifestPath: where.manifestPath };
  }

  async download(backupId, targetDir, metadata) {
    const source = (metadata && metadata.driverInfo && metadata.driverInfo.path) || this._locate(backupId, metadata).path;
    if (!fs.existsSync(source)) {
      throw new BackupError(`Backup files of ${backupId} not found at ${source}`, { driver: 'filesystem', operation: 'download', backupId });
    }
    fs.mkdirSync(targetDir, { recursive: true });
    for (const file of filesOf(source)) fs.copyFileSync(path.join(source, file), path.join(targetDir, file));
    return targetDir;
  }

  async delete(backupId, metadata) {
    const info = (metadata && metadata.driverInfo) || this._locate(backupId, metadata);
    fs.rmSync(info.path, { recursive: true, force: true });
    if (info.manifestPath) fs.rmSync(info.manifestPath, { force: true });
  }

  async list({ limit = 50, prefix = '' } = {}) {
    const root = path.resolve(this.config.path.split('{')[0] || '.');
    const manifests = [];
    const walk = (dir, depth) => {
      if (depth > 4 || !fs.existsSync(dir)) return;
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full, depth + 1);
        else if (entry.name.endsWith('.manifest.json') && entry.name.startsWith(prefix)) {
          try {
            manifests.push({ ...JSON.parse(fs.readFileSync(full, 'utf8')), manifestPath: full });
          } catch {
            // a manifest being written or damaged is not a backup to list
          }
        }
      }
    };
    walk(root, 0);
    return newestFirst(manifests, limit);
  }

  getStorageInfo() {
    return { type: 'filesystem', config: { ...this.config }, basePath: this.config.path };
  }
}

class S3BackupDriver extends BaseBackupDriver {
  constructor(config = {}) {
    super({ bucket: null, path: 'backups/{date}/', storageClass: 'STANDARD_IA', serverSideEncryption: 'AES256', client: null, ...config });
  }

  getType() { return 's3'; }

  async onSetup() {
    this.client = this.config.client || (this.database && this.database.client);
    if (!this.client) throw new BackupError('S3BackupDriver: client is required', { driver: 's3', operation: 'setup' });
    if (!this.config.bucket) this.config.bucket = this.client.bucket || this.client.config?.bucket;
  }

  _prefix(manifest) {
    const expanded = expandTemplate(this.config.path, { when: takenAt(manifest), type: manifest && manifest.type });
    return expanded.replace(/^\/+/, '').replace(/\/?$/, '/');
  }

  _locate(backupId, manifest) {
    const prefix = this._prefix(manifest);
    return { prefix, key: `${prefix}${backupId}/`, manifestKey: `${prefix}${backupId}.manifest.json` };
  }

  async upload(sourceDir, backupId, manifest) {
    const where = this._locate(backupId, manifest);
    try {
      for (const file of filesOf(sourceDir)) {
        await this.client.putObject({ key: `${where.key}${file}`, body: fs.readFileSync(path.join(sourceDir, file)), contentType: 'application/octet-stream' });
      }
      await this.client.putObject({ key: where.manifestKey, body: JSON.stringify(manifest), contentType: 'application/json' });
    } catch (error) {
      throw new BackupError(`Failed to upload backup ${backupId} to ${where.key}: ${error.message}`, { driver: 's3', operation: 'upload', backupId, original: error });
    }
    return { bucket: this.config.bucket, key: where.key, manifestKey: where.manifestKey, storageClass: this.config.storageClass };
  }

  async download(backupId, targetDir, metadata) {
    const key = (metadata && metadata.driverInfo && metadata.driverInfo.key) || this._locate(backupId, metadata).key;
    const keys = await this.client.getAllKeys({ prefix: key });
    if (keys.length === 0) throw new BackupError(`Backup files of ${backupId} not found under ${key}`, { driver: 's3', operation: 'download', backupId });
    fs.mkdirSync(targetDir, { recursive: true });
    for (const fileKey of keys) {
      const object = await this.client.getObject(fileKey);
      fs.writeFileSync(path.join(targetDir, fileKey.slice(key.length)), Buffer.from(await object.Body.transformToByteArray()));
    }
    return targetDir;
  }

  async delete(backupId, metadata) {
    const where = (metadata && metadata.driverInfo && metadata.driverInfo.key) ? metadata.driverInfo : this._locate(backupId, metadata);
    const keys = await this.client.getAllKeys({ prefix: where.key });
    if (where.manifestKey) keys.push(where.manifestKey);
    if (keys.length) await this.client.deleteObjects(keys);
  }

  async list({ limit = 50, prefix = '' } = {}) {
    const root = this.config.path.split('{')[0].replace(/^\/+/, '');
    const keys = (await this.client.getAllKeys({ prefix: root })).filter((key) => key.endsWith('.manifest.json') && path.posix.basename(key).startsWith(prefix));
    const manifests = [];
    for (const key of keys) {
      const object = await this.client.getObject(key);
      manifests.push({ ...JSON.parse(await object.Body.transformToString()), manifestKey: key });
    }
    return newestFirst(manifests, limit);
  }
}

const STRATEGIES = ['all', 'any', 'priority'];

class MultiBackupDriver extends BaseBackupDriver {
  constructor(config = {}) {
    super({ destinations: [], strategy: 'all', concurrency: 3, ...config });
    this.drivers = [];
  }

  getType() { return 'multi'; }

  async onSetup() {
    const { destinations, strategy } = this.config;
    if (!Array.isArray(destinations) || destinations.length === 0) {
      throw new BackupError('MultiBackupDriver requires non-empty destinations array', { driver: 'multi', operation: 'setup' });
    }
    if (!STRATEGIES.includes(strategy)) {
      throw new BackupError(`MultiBackupDriver: unknown strategy '${strategy}' (one of ${STRATEGIES.join(', ')})`, { driver: 'multi', operation: 'setup' });
    }
    this.drivers = [];
    for (const [index, destination] of destinations.entries()) {
      const driver = createBackupDriver(destination.driver, destination.config || {});
      await driver.setup(this.database);
      this.drivers.push({ index, driver });
    }
  }

  async upload(sourceDir, backupId, manifest) {
    const attempt = async ({ index, driver }) => {
      try {
        return { destination: index, driver: driver.getType(), status: 'success', ...await driver.upload(sourceDir, backupId, manifest) };
      } catch (error) {
        return { destination: index, driver: driver.getType(), status: 'failed', error: error.message };
      }
    };
    if (this.config.strategy === 'priority') {
      const failures = [];
      for (const entry of this.drivers) {
        const outcome = await attempt(entry);
        if (outcome.status === 'success') return [...failures, outcome];
        failures.push(outcome);
      }
      throw new BackupError('All priority destinations failed', { driver: 'multi', operation: 'upload', backupId, failures });
    }
    const outcomes = await Promise.all(this.drivers.map(attempt));
    const failed = outcomes.filter((outcome) => outcome.status !== 'success');
    if (this.config.strategy === 'all' && failed.length) {
      throw new BackupError(`Some destinations failed with strategy "all": ${failed.map((f) => f.error).join('; ')}`, { driver: 'multi', operation: 'upload', backupId, failures: failed });
    }
    if (failed.length === outcomes.length) {
      throw new BackupError(`All destinations failed with strategy "any": ${failed.map((f) => f.error).join('; ')}`, { driver: 'multi', operation: 'upload', backupId, failures: failed });
    }
    return outcomes;
  }

  /** The destinations' own records, matched by position, when the metadata has them. */
  _infoFor(index, metadata) {
    const infos = metadata && Array.isArray(metadata.driverInfo) ? metadata.driverInfo : [];
    const info = infos.find((entry) => entry.destination === index);
    return info && info.status === 'success' ? { ...metadata, driverInfo: info } : null;
  }

  async download(backupId, targetDir, metadata) {
    const errors = [];
    for (const { index, driver } of this.drivers) {
      const own = this._infoFor(index, metadata);
      if (metadata && Array.isArray(metadata.driverInfo) && !own) continue;
      try {
        return await driver.download(backupId, targetDir, own || metadata);
      } catch (error) {
        errors.push(error.message);
      }
    }
    throw new BackupError(`Failed to download backup ${backupId} from any destination${errors.length ? `: ${errors.join('; ')}` : ''}`, { driver: 'multi', operation: 'download', backupId });
  }

  async delete(backupId, metadata) {
    const errors = [];
    for (const { index, driver } of this.drivers) {
      const own = this._infoFor(index, metadata);
      if (metadata && Array.isArray(metadata.driverInfo) && !own) continue;
      try {
        await driver.delete(backupId, own || metadata);
      } catch (error) {
        errors.push(error.message);
      }
    }
    if (errors.length) throw new BackupError(`Failed to delete backup ${backupId} from every destination: ${errors.join('; ')}`, { driver: 'multi', operation: 'delete', backupId });
  }

  async list(options = {}) {
    const seen = new Map();
    for (const { driver } of this.drivers) {
      for (const manifest of await driver.list(options).catch(() => [])) if (!seen.has(manifest.id)) seen.set(manifest.id, manifest);
    }
    return newestFirst([...seen.values()], options.limit || 50);
  }

  async cleanup() {
    for (const { driver } of this.drivers) await driver.cleanup();
  }

  getStorageInfo() {
    return { type: 'multi', strategy: this.config.strategy, destinations: this.drivers.map(({ index, driver }) => ({ index, ...driver.getStorageInfo() })) };
  }
}

const BACKUP_DRIVERS = { filesystem: FilesystemBackupDriver, s3: S3BackupDriver, multi: MultiBackupDriver };

/** Throws a BackupError naming what a driver's configuration lacks. */
function validateBackupConfig(driver, config = {}) {
  if (!driver || typeof driver !== 'string') {
    throw new BackupError('Driver type must be a non-empty string', { driver, operation: 'validateBackupConfig' });
  }
  if (!BACKUP_DRIVERS[driver]) {
    throw new BackupError(`Unknown backup driver: ${driver}`, { driver, operation: 'validateBackupConfig', availableDrivers: Object.keys(BACKUP_DRIVERS) });
  }
  if (driver === 'filesystem' && !config.path) {
    throw new BackupError('FilesystemBackupDriver requires "path" configuration', { driver, operation: 'validateBackupConfig' });
  }
  if (driver === 'multi') {
    if (!Array.isArray(config.destinations) || config.destinations.length === 0) {
      throw new BackupError('MultiBackupDriver requires non-empty "destinations" array', { driver, operation: 'validateBackupConfig' });
    }
    config.destinations.forEach((destination, index) => {
      if (!destination || !destination.driver) {
        throw new BackupError(`Destination ${index} must have a "driver" property`, { driver, operation: 'validateBackupConfig' });
      }
      if (destination.driver !== 'multi') validateBackupConfig(destination.driver, destination.config || {});
    });
  }
  return true;
}

function createBackupDriver(driver, config = {}) {
  const Driver = BACKUP_DRIVERS[driver];
  if (!Driver) throw new BackupError(`Unknown backup driver: ${driver}`, { driver, operation: 'createBackupDriver', availableDrivers: Object.keys(BACKUP_DRIVERS) });
  return new Driver(config);
}

module.exports = {
  BaseBackupDriver, FilesystemBackupDriver, S3BackupDriver, MultiBackupDriver,
  BACKUP_DRIVERS, createBackupDriver, validateBackupConfig, expandTemplate,
};
