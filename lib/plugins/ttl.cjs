'use strict';
// TTLPlugin: records of the configured resources expire `ttl` seconds after a timestamp field
// (or at the time a `field` holds). An expiration index (`plg_ttl_expiration_index`, one entry
// `<resource>:<id>` per record, partitioned by time cohort) is kept on insert and delete, and
// interval scans read only the cohorts that may hold expired entries, then soft-delete,
// hard-delete, archive or hand the record to a callback. Timers never keep the process alive.

const { Plugin } = require('./plugin.cjs');

const STRATEGIES = ['soft-delete', 'hard-delete', 'archive', 'callback'];
const INDEX_RESOURCE = 'plg_ttl_expiration_index';

const MINUTE = 60000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** ISO week number of a UTC date. */
function isoWeek(date) {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  day.setUTCDate(day.getUTCDate() + 4 - (day.getUTCDay() || 7));
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  return { year: day.getUTCFullYear(), week: Math.ceil(((day - yearStart) / DAY + 1) / 7) };
}

/**
 * How finely expirations are grouped, by TTL: below an hour by minute (scanned every 10 s),
 * below a day by hour (every 10 min), below 30 days by day (hourly), else by ISO week (daily).
 */
const GRANULARITIES = {
  minute: { below: 3600, scanEvery: 10000, step: MINUTE, cohorts: 3, cohort: (d) => d.toISOString().slice(0, 16) },
  hour: { below: 86400, scanEvery: 10 * MINUTE, step: HOUR, cohorts: 2, cohort: (d) => d.toISOString().slice(0, 13) },
  day: { below: 2592000, scanEvery: HOUR, step: DAY, cohorts: 2, cohort: (d) => d.toISOString().slice(0, 10) },
  week: {
    below: Infinity,
    scanEvery: DAY,
    step: WEEK,
    cohorts: 2,
    cohort: (d) => {
      const { year, week } = isoWeek(d);
      return `${year}-W${String(week).padStart(2, '0')}`;
    },
  },
};

function granularityOf(ttlSeconds) {
  if (!ttlSeconds) return 'day';
  return Object.keys(GRANULARITIES).find((name) => ttlSeconds < GRANULARITIES[name].below);
}

/** The cohorts a scan reads: the current one and the few before it. */
function recentCohorts(granularity, now = Date.now()) {
  const { cohorts, step, cohort } = GRANULARITIES[granularity];
  return Array.from({ length: cohorts }, (_, i) => cohort(new Date(now - i * step)));
}

class TTLPlugin extends Plugin {
  constructor(config = {}) {
    super(config);
    this.verbose = Boolean(config.verbose);
    this.resources = config.resources || {};
    this.batchSize = config.batchSize || 100;
    this.stats = {
      totalScans: 0, totalExpired: 0, totalDeleted: 0, totalArchived: 0, totalSoftDeleted: 0, totalCallbacks: 0,
      totalErrors: 0, lastScanAt: null, lastScanDuration: 0,
    };
    this.intervals = [];
    this.isRunning = false;
    this.expirationIndex = null;
  }

  async onInstall() {
    for (const [name, config] of Object.entries(this.resources)) this._validateResourceConfig(name, config);
    this.expirationIndex = this.database.resources[INDEX_RESOURCE] || await this.database.createResource({
      name: INDEX_RESOURCE,
      attributes: {
        resourceName: 'string|required', recordId: 'string|required', expiresAtCohort: 'string|required',
        expiresAtTimestamp: 'number|required', granularity: 'string|required', createdAt: 'number',
      },
      partitions: { byExpiresAtCohort: { fields: { expiresAtCohort: 'string' } } },
      asyncPartitions: false,
    });
    for (const [name, config] of Object.entries(this.resources)) this._setupResourceHooks(name, config);
    this._startIntervals();
    this.emit('installed', { plugin: 'TTLPlugin', resources: Object.keys(this.resources) });
  }

  async onUninstall() {
    this._stopIntervals();
  }

  /** Checks a resource's TTL settings and fills in the defaults (`field`, `deleteField`, granularity). */
  _validateResourceConfig(name, config) {
    if (!config.ttl && !config.field) {
      throw new Error(`[TTLPlugin] Resource "${name}" must have either "ttl" (seconds) or "field" (timestamp field name)`);
    }
    if (!STRATEGIES.includes(config.onExpire)) {
      throw new Error(`[TTLPlugin] Resource "${name}" must have an "onExpire" value. Valid options: ${STRATEGIES.join(', ')}`);
    }
    if (config.onExpire === 'archive' && !config.archiveResource) {
      throw new Error(`[TTLPlugin] Resource "${name}" with onExpire="archive" must have an "archiveResource" specified`);
    }
    if (config.onExpire === 'callback' && typeof config.callback !== 'function') {
      throw new Error(`[TTLPlugin] Resource "${name}" with onExpire="callback" must have a "callback" function`);
    }
    if (config.onExpire === 'soft-delete' && !config.deleteField) config.deleteField = 'deletedat';
    if (!config.field) config.field = '_createdAt';
    config.granularity = granularityOf(config.ttl);
  }

  _setupResourceHooks(name, config) {
    const resource = this.database.resources[name];
    if (!resource) {
      if (this.verbose) process.emitWarning(`TTLPlugin: resource "${name}" not found; its records are not indexed`, { code: 'S3DB_TTL' });
      return;
    }
    this.addMiddleware(resource, 'insert', async (next, ...args) => {
      const record = await next(...args);
      await this._addToIndex(name, record, config);
      return record;
    });
    this.addMiddleware(resource, 'delete', async (next, id, ...args) => {
      const result = await next(id, ...args);
      await this._removeFromIndex(name, id);
      return result;
    });
  }

  /** Indexes a record under the cohort of its expiry (`<resource>:<id>`, so a rewrite replaces it). */
  async _addToIndex(name, record, config) {
    try {
      const base = record[config.field] ?? (config.field === '_createdAt' ? Date.now() : undefined);
      if (base === undefined || base === null || base === '') return;
      const baseMs = typeof base === 'number' ? base : new Date(base).getTime();
      if (!Number.isFinite(baseMs)) return;
      const expiresAt = new Date(baseMs + (config.ttl ? config.ttl * 1000 : 0));
      const id = `${name}:${record.id}`;
      const entry = {
        resourceName: name,
        recordId: record.id,
        expiresAtCohort: GRANULARITIES[config.granularity].cohort(expiresAt),
        expiresAtTimestamp: expiresAt.getTime(),
        granularity: config.granularity,
        createdAt: Date.now(),
      };
      await this.expirationIndex.upsert({ id, ...entry });
    } catch (error) {
      this.stats.totalErrors += 1;
      this.emit('cleanupError', { resource: name, error });
    }
  }

  async _removeFromIndex(name, recordId) {
    try {
      await this.expirationIndex.delete(`${name}:${recordId}`);
    } catch (error) {
      if (error.name !== 'NoSuchKey') {
        this.stats.totalErrors += 1;
        this.emit('cleanupError', { resource: name, error });
      }
    }
  }

  /** Resources configured with each granularity. */
  _byGranularity() {
    const groups = {};
    for (const [name, config] of Object.entries(this.resources)) (groups[config.granularity] ||= []).push({ name, config });
    return groups;
  }

  _startIntervals() {
    for (const [granularity, resources] of Object.entries(this._byGranularity())) {
      const timer = setInterval(() => this._cleanupGranularity(granularity, resources), GRANULARITIES[granularity].scanEvery);
      timer.unref();
      this.intervals.push(timer);
    }
    this.isRunning = true;
  }

  _stopIntervals() {
    for (const timer of this.intervals) clearInterval(timer);
    this.intervals = [];
    this.isRunning = false;
  }

  /** Processes the expired index entries of the recent cohorts for `resources`. */
  async _cleanupGranularity(granularity, resources) {
    const started = Date.now();
    this.stats.totalScans += 1;
    const cohorts = recentCohorts(granularity, started);
    const names = new Set(resources.map((r) => r.name));
    try {
      for (const cohort of cohorts) {
        const entries = await this.expirationIndex.listPartition({ partition: 'byExpiresAtCohort', partitionValues: { expiresAtCohort: cohort } });
        const mine = entries.filter((entry) => names.has(entry.resourceName));
        for (let i = 0; i < mine.length; i += this.batchSize) {
          for (const entry of mine.slice(i, i + this.batchSize)) await this._processExpiredEntry(entry, this.resources[entry.resourceName]);
        }
      }
      this.stats.lastScanAt = new Date().toISOString();
      this.stats.lastScanDuration = Date.now() - started;
      this.emit('scanCompleted', { granularity, duration: this.stats.lastScanDuration, cohorts });
    } catch (error) {
      this.stats.totalErrors += 1;
      this.emit('cleanupError', { granularity, error });
    }
  }

  async _processExpiredEntry(entry, config) {
    try {
      const resource = this.database.resources[entry.resourceName];
      if (!resource) return;
      const record = await resource.getOrNull(entry.recordId).catch(() => null);
      if (!record) {
        await this.expirationIndex.delete(entry.id);
        return;
      }
      if (entry.expiresAtTimestamp && Date.now() < entry.expiresAtTimestamp) return;
      await this._expire(resource, record, config);
      await this.expirationIndex.delete(entry.id).catch(() => {});
      this.stats.totalExpired += 1;
      this.emit('recordExpired', { resource: entry.resourceName, record });
    } catch (error) {
      this.stats.totalErrors += 1;
      this.emit('cleanupError', { resource: entry.resourceName, error });
    }
  }

  async _expire(resource, record, config) {
    switch (config.onExpire) {
      case 'soft-delete':
        await resource.update(record.id, { [config.deleteField || 'deletedat']: new Date().toISOString(), isdeleted: 'true' });
        this.stats.totalSoftDeleted += 1;
        break;
      case 'hard-delete':
        await resource.delete(record.id);
        this.stats.totalDeleted += 1;
        break;
      case 'archive':
        await this._archive(resource, record, config);
        this.stats.totalArchived += 1;
        this.stats.totalDeleted += 1;
        break;
      case 'callback':
        this.stats.totalCallbacks += 1;
        if (await config.callback(record, resource)) {
          await resource.delete(record.id);
          this.stats.totalDeleted += 1;
        }
        break;
      default:
        throw new Error(`[TTLPlugin] unknown onExpire "${config.onExpire}"`);
    }
  }

  /** Copies the record's fields into the archive resource, then deletes it. */
  async _archive(resource, record, config) {
    const archive = this.database.resources[config.archiveResource];
    if (!archive) throw new Error(`Archive resource "${config.archiveResource}" not found`);
    const copy = Object.fromEntries(Object.entries(record).filter(([key]) => !key.startsWith('_')));
    Object.assign(copy, { archivedAt: new Date().toISOString(), archivedFrom: resource.name, originalId: record.id });
    if (!config.keepOriginalId) delete copy.id;
    await archive.insert(copy);
    await resource.delete(record.id);
  }

  async cleanupResource(name) {
    const config = this.resources[name];
    if (!config) throw new Error(`Resource "${name}" not configured in TTLPlugin`);
    await this._cleanupGranularity(config.granularity, [{ name, config }]);
    return { resource: name, granularity: config.granularity };
  }

  async runCleanup() {
    for (const [granularity, resources] of Object.entries(this._byGranularity())) await this._cleanupGranularity(granularity, resources);
  }

  getStats() {
    return { ...this.stats, resources: Object.keys(this.resources).length, isRunning: this.isRunning, intervals: this.intervals.length };
  }
}

module.exports = { TTLPlugin };
