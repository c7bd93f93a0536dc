'use strict';
// BackupPlugin: full and incremental backups of a database's resources, in the MemoryClient
// backup layout (`s3db.json` plus `<resource>.jsonl[.gz]`), stored by a driver (filesystem, S3,
// several), catalogued in `plg_backup_metadata`, checked by SHA-256, optionally encrypted
// (s3db.js's AES-256-GCM secret format), thinned by a grandfather-father-son retention, restored
// record for record. `schedule` runs backups on cron expressions (croner).

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Plugin } = require('../plugin.cjs');
const { BackupError } = require('../../errors.cjs');
const { exportBackup, importBackup, codecName } = require('../../backup.cjs');
const { encrypt, decrypt } = require('../../helpers.cjs');
const drivers = require('./drivers.cjs');

const METADATA_RESOURCE = 'plg_backup_metadata';
const ENCRYPTED_SUFFIX = '.enc';
const DAY = 24 * 60 * 60 * 1000;

/** croner, loaded when a schedule is configured. */
const cron = () => require('croner').Cron;

function validateEncryption(encryption) {
  if (!encryption) return;
  if (!encryption.key || !encryption.algorithm) throw new BackupError('Encryption requires both key and algorithm', { operation: 'configure' });
  if (!/^aes-?256-?gcm$/i.test(encryption.algorithm)) {
    throw new BackupError(`Unsupported encryption algorithm '${encryption.algorithm}': backups are encrypted with AES-256-GCM`, { operation: 'configure' });
  }
}

/** SHA-256 over the folder's files in name order (name, NUL, bytes each). */
function folderChecksum(dir) {
  const hash = crypto.createHash('sha256');
  for (const name of fs.readdirSync(dir).sort()) {
    hash.update(name).update('\0').update(fs.readFileSync(path.join(dir, name)));
  }
  return hash.digest('hex');
}

function folderSize(dir) {
  return fs.readdirSync(dir).reduce((total, name) => total + fs.statSync(path.join(dir, name)).size, 0);
}

/** Each file becomes `<file>.enc`: its bytes as base64, sealed with the passphrase. */
async function encryptFolder(dir, key) {
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file + ENCRYPTED_SUFFIX, await encrypt(fs.readFileSync(file).toString('base64'), key));
    fs.rmSync(file);
  }
}

async function decryptFolder(dir, key) {
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(ENCRYPTED_SUFFIX))) {
    const file = path.join(dir, name);
    fs.writeFileSync(file.slice(0, -ENCRYPTED_SUFFIX.length), Buffer.from(await decrypt(fs.readFileSync(file, 'utf8'), key), 'base64'));
    fs.rmSync(file);
  }
}

/**
 * The completed backups a retention policy keeps: every one younger than `daily` days, then the
 * newest of each week for `weekly` weeks, of each month for `monthly` months, of each year for
 * `yearly` years.
 */
function retained(backups, { daily = 7, weekly = 4, monthly = 12, yearly = 3 } = {}, now = Date.now()) {
  const keep = new Set();
  const newestFirst = [...backups].sort((a, b) => b.timestamp - a.timestamp);
  const periods = [
    { count: weekly, span: 7 * DAY, bucket: (t) => Math.floor(t / (7 * DAY)) },
    { count: monthly, span: 31 * DAY, bucket: (t) => { const d = new Date(t); return d.getUTCFullYear() * 12 + d.getUTCMonth(); } },
    { count: yearly, span: 366 * DAY, bucket: (t) => new Date(t).getUTCFullYear() },
  ];
  for (const backup of newestFirst) if (now - backup.timestamp <= daily * DAY) keep.add(backup.id);
  for (const { count, span, bucket } of periods) {
    const seen = new Set();
    for (const backup of newestFirst) {
      if (now - backup.timestamp > count * span) break;
      const key = bucket(backup.timestamp);
      if (!seen.has(key)) {
        seen.add(key);
        keep.add(backup.id);
      }
    }
  }
  return keep;
}

class BackupPlugin extends Plugin {
  constructor(options = {}) {
    super(options);
    const driver = options.driver || 'filesystem';
    const driverConfig = options.config || {};
    drivers.validateBackupConfig(driver, driver === 'filesystem' && !options.config ? { path: './backups/{date}/' } : driverConfig);
    if (options.compression !== undefined) {
      try {
        codecName(options.compression);
      } catch (error) {
        throw new BackupError(`Invalid compression type: ${options.compression} (none, gzip, brotli or deflate)`, { operation: 'configure' });
      }
    }
    validateEncryption(options.encryption);
    for (const [type, pattern] of Object.entries(options.schedule || {})) {
      try {
        new (cron())(pattern, { paused: true }).stop();
      } catch (error) {
        throw new BackupError(`Invalid schedule for '${type}' backups: ${error.message}`, { operation: 'configure' });
      }
    }
    this.config = {
      driver,
      driverConfig,
      schedule: options.schedule || {},
      retention: { daily: 7, weekly: 4, monthly: 12, yearly: 3, ...options.retention },
      compression: options.compression || 'gzip',
      encryption: options.encryption || null,
      verification: options.verification !== false,
      parallelism: options.parallelism || 4,
      include: options.include || null,
      exclude: options.exclude || [],
      backupMetadataResource: options.backupMetadataResource || METADATA_RESOURCE,
      tempDir: options.tempDir || path.join(os.tmpdir(), 's3db', 'backups'),
      verbose: Boolean(options.verbose),
      onBackupStart: options.onBackupStart || null,
      onBackupComplete: options.onBackupComplete || null,
      onBackupError: options.onBackupError || null,
      onRestoreStart: options.onRestoreStart || null,
      onRestoreComplete: options.onRestoreComplete || null,
      onRestoreError: options.onRestoreError || null,
    };
    this.driver = drivers.createBackupDriver(driver, driverConfig);
    this.activeBackups = new Set();
    this.scheduledJobs = new Map();
  }

  /**
   * `schedule: {<backup type>: <cron expression>}` (e.g. `{full: '0 2 * * *', incremental: '0 * * * *'}`):
   * one job per type, never overlapping itself, never keeping the process alive.
   */
  async onStart() {
    for (const [type, pattern] of Object.entries(this.config.schedule)) {
      if (this.scheduledJobs.has(type)) continue;
      // backup() reports its own failures (backup_error, onBackupError); nothing is left to throw.
      const Cron = cron();
      const job = new Cron(pattern, { unref: true, protect: true }, () => this.backup(type).catch(() => {}));
      this.scheduledJobs.set(type, job);
    }
  }

  /** The next time each scheduled backup type runs. */
  nextScheduledRuns() {
    return Object.fromEntries([...this.scheduledJobs].map(([type, job]) => [type, job.nextRun()]));
  }

  async onInstall() {
    await this.driver.setup(this.database);
    fs.mkdirSync(this.config.tempDir, { recursive: true });
    const name = this.config.backupMetadataResource;
    this.metadata = this.database.resources[name] || await this.database.createResource({
      name,
      attributes: {
        id: 'string|required', type: 'string|required', timestamp: 'number|required', resources: 'json|required',
        driverInfo: 'json|required', size: 'number|default:0', compressed: 'boolean|default:false',
        encrypted: 'boolean|default:false', checksum: 'string|default:null', status: 'string|required',
        error: 'string|default:null', duration: 'number|default:0', createdAt: 'string|required',
      },
      behavior: 'body-overflow',
      timestamps: true,
      createdBy: 'BackupPlugin',
    });
    this.emit('initialized', { driver: this.driver.getType(), config: this.driver.getStorageInfo() });
  }

  async onStop() {
    for (const job of this.scheduledJobs.values()) job.stop();
    this.scheduledJobs.clear();
    for (const id of this.activeBackups) this.emit('backup_cancelled', { id });
    this.activeBackups.clear();
  }

  async onUninstall() {
    await this.onStop();
    await this.driver.cleanup();
  }

  /** The resources a backup covers: `resources` when given, else all but `exclude` (within `include`). */
  _resourcesToBackup(requested) {
    const names = Object.keys(this.database.resources);
    if (requested && requested.length) return names.filter((name) => requested.includes(name));
    return names.filter((name) => (!this.config.include || this.config.include.includes(name)) && !this.config.exclude.includes(name));
  }

  async _lastCompleted() {
    const completed = (await this.listBackups({ limit: 1000 })).filter((backup) => backup.status === 'completed');
    return completed[0] || null;
  }

  async _callHook(name, ...args) {
    if (typeof this.config[name] === 'function') await this.config[name](...args);
  }

  /**
   * Takes a backup: `full`, `incremental` (records written since the last completed backup, by
   * their timestamps), or any other type name (taken as full). Resolves to its record.
   */
  async backup(type = 'full', options = {}) {
    const id = `${type}-${new Date().toISOString().replace(/[:.]/g, '-')}-${crypto.randomBytes(4).toString('hex')}`;
    const started = Date.now();
    const workDir = path.join(this.config.tempDir, id);
    this.activeBackups.add(id);
    try {
      await this._callHook('onBackupStart', type, { backupId: id });
      this.emit('backup_start', { id, type });
      const resources = this._resourcesToBackup(options.resources);
      const since = type === 'incremental' ? (await this._lastCompleted())?.timestamp : undefined;
      await this.metadata.insert({
        id, type, timestamp: started, resources, driverInfo: {}, size: 0, status: 'in_progress',
        compressed: this.config.compression !== 'none', encrypted: Boolean(this.config.encryption), createdAt: new Date(started).toISOString().slice(0, 10),
      });

      fs.mkdirSync(workDir, { recursive: true });
      await exportBackup(this.database.client, workDir, { compress: this.config.compression, database: this.database, resources, since });
      if (this.config.encryption) await encryptFolder(workDir, this.config.encryption.key);
      const checksum = folderChecksum(workDir);
      const size = folderSize(workDir);
      const manifest = { id, type, timestamp: new Date(started).toISOString(), resources, checksum, size, compression: this.config.compression, encrypted: Boolean(this.config.encryption), since: since || null };
      const driverInfo = await this.driver.upload(workDir, id, manifest);
      if (this.config.verification) await this._verify(id, checksum, { timestamp: started, type, driverInfo });

      const duration = Date.now() - started;
      await this.metadata.update(id, { status: 'completed', size, checksum, driverInfo, duration });
      const result = { id, type, size, duration, checksum, driverInfo, resources, timestamp: started };
      await this._callHook('onBackupComplete', type, result);
      this.emit('backup_complete', result);
      await this._applyRetention();
      return result;
    } catch (error) {
      await this.metadata?.update(id, { status: 'failed', error: error.message, duration: Date.now() - started }).catch(() => {});
      await this._callHook('onBackupError', type, { backupId: id, error }).catch(() => {});
      this.emit('backup_error', { id, type, error: error.message });
      throw error;
    } finally {
      this.activeBackups.delete(id);
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }

  /** Reads the stored backup back and compares its checksum. */
  async _verify(id, checksum, metadata) {
    const dir = path.join(this.config.tempDir, `${id}-verify`);
    try {
      await this.driver.download(id, dir, metadata);
      const stored = folderChecksum(dir);
      if (stored !== checksum) throw new BackupError(`Backup ${id} failed verification: stored checksum ${stored}, expected ${checksum}`, { driver: this.driver.getType(), operation: 'verify', backupId: id });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async _applyRetention() {
    const completed = (await this.listBackups({ limit: 100000 })).filter((backup) => backup.status === 'completed');
    const keep = retained(completed, this.config.retention);
    for (const backup of completed) {
      if (keep.has(backup.id)) continue;
      try {
        await this.driver.delete(backup.id, backup);
        await this.metadata.delete(backup.id);
      } catch (error) {
        this.emit('retention_error', { id: backup.id, error: error.message });
      }
    }
  }

  /**
   * Restores backup `id`: records are written under their ids; with `overwrite: false` (the
   * default) records that exist are left as they are. `resources` restricts the restore.
   */
  async restore(id, { overwrite = false, resources } = {}) {
    const metadata = await this.getBackupStatus(id);
    if (!metadata) throw new BackupError(`Backup '${id}' not found`, { driver: this.driver.getType(), operation: 'restore', backupId: id });
    if (metadata.status !== 'completed') throw new BackupError(`Backup '${id}' is not complete (status ${metadata.status})`, { driver: this.driver.getType(), operation: 'restore', backupId: id });
    const dir = path.join(this.config.tempDir, `restore-${id}`);
    try {
      await this._callHook('onRestoreStart', id, { overwrite, resources });
      this.emit('restore_start', { id, backupId: id });
      await this.driver.download(id, dir, metadata);
      if (this.config.verification && metadata.checksum && folderChecksum(dir) !== metadata.checksum) {
        throw new BackupError(`Backup ${id} is damaged: its checksum does not match`, { driver: this.driver.getType(), operation: 'restore', backupId: id });
      }
      if (metadata.encrypted) {
        if (!this.config.encryption) throw new BackupError(`Backup ${id} is encrypted: configure encryption.key to restore it`, { operation: 'restore', backupId: id });
        await decryptFolder(dir, this.config.encryption.key);
      }
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 's3db.json'), 'utf8'));
      // The backup catalogue itself is restored only when asked for: an old copy would bring back
      // entries of backups that retention has deleted since.
      const restored = Object.keys(manifest.resources)
        .filter((name) => (resources ? resources.includes(name) : name !== this.config.backupMetadataResource));
      const outcome = restored.length
        ? await importBackup(this.database.client, dir, { database: this.database, resources: restored, overwrite })
        : { recordsImported: 0, errors: [] };
      const result = { backupId: id, restored, recordsRestored: outcome.recordsImported, errors: outcome.errors };
      await this._callHook('onRestoreComplete', id, result);
      this.emit('restore_complete', { id, backupId: id, restored });
      return result;
    } catch (error) {
      await this._callHook('onRestoreError', id, { error }).catch(() => {});
      this.emit('restore_error', { id, backupId: id, error: error.message });
      throw error;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The catalogued backups, newest first; `type` and `status` filter, `limit` caps. */
  async listBackups({ limit = 50, type, status } = {}) {
    const all = await this.metadata.list();
    return all
      .filter((backup) => (!type || backup.type === type) && (!status || backup.status === status))
      .sort((a, b) => b.timestamp - a.timestamp)
      .slice(0, limit);
  }

  async getBackupStatus(id) {
    return this.metadata.get(id).catch((error) => {
      if (error.name === 'NoSuchKey' || error.name === 'ResourceNotFound' || error.name === 'NotFound') return null;
      throw error;
    });
  }
}

module.exports = { BackupPlugin, retained, ...drivers };
