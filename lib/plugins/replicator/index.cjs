'use strict';
// ReplicatorPlugin: every insert, update and delete of the database's resources (present and
// created later) is handed to the configured replicators — another s3db database, a webhook, SQS,
// PostgreSQL, MySQL/MariaDB, PlanetScale, Turso, BigQuery, DynamoDB, MongoDB — with retries and
// exponential backoff, `replicated` / `replicator_error` events, an optional log resource of
// failures, `retryFailedReplicators()`, and `syncAllData(id)` to copy what already exists.
// Replication runs from resource events, after the write has been acknowledged.

const { Plugin } = require('../plugin.cjs');
const { ReplicationError } = require('../../errors.cjs');
const drivers = require('./drivers.cjs');

const OPERATIONS = ['insert', 'update', 'delete'];
const DEFAULT_LOG_RESOURCE = 'replicator_log';

const normalize = (name) => (typeof name === 'string' ? name.trim().toLowerCase() : name);

function checkReplicatorConfigs(replicators, options) {
  const fail = (message, details) => {
    throw new ReplicationError(message, { operation: 'constructor', pluginName: 'ReplicatorPlugin', ...details });
  };
  if (!Array.isArray(replicators)) {
    fail('ReplicatorPlugin requires replicators array', {
      providedOptions: Object.keys(options), suggestion: 'new ReplicatorPlugin({ replicators: [{ driver: "s3db", resources: ["users"] }] })',
    });
  }
  for (const entry of replicators) {
    if (!entry || !entry.driver) fail('Each replicator must have a driver', { replicatorConfig: entry });
    if (!entry.resources || typeof entry.resources !== 'object') fail('Each replicator must have resources config', { driver: entry.driver, replicatorConfig: entry });
    if (Object.keys(entry.resources).length === 0) fail('Each replicator must have at least one resource configured', { driver: entry.driver, replicatorConfig: entry });
  }
}

class ReplicatorPlugin extends Plugin {
  constructor(options = {}) {
    super(options);
    checkReplicatorConfigs(options.replicators, options);
    this.config = {
      replicators: options.replicators,
      logErrors: options.logErrors !== false,
      replicatorLogResource: options.replicatorLogResource || DEFAULT_LOG_RESOURCE,
      persistReplicatorLog: options.persistReplicatorLog || false,
      enabled: options.enabled !== false,
      batchSize: options.batchSize || 100,
      maxRetries: options.maxRetries || 3,
      retryDelay: options.retryDelay ?? 500,
      timeout: options.timeout || 30000,
      verbose: options.verbose || false,
    };
    this.replicators = [];
    this.database = null;
    this.replicatorLog = null;
    this.eventListenersInstalled = new Set();
    this.eventHandlers = new Map();
    this.stats = { totalReplications: 0, totalErrors: 0, lastSync: null };
    this._afterCreateResourceHook = null;
  }

  /** A record without s3db's internal fields and the `$before`/`$after`/`$overflow` of events. */
  filterInternalFields(record) {
    if (!record || typeof record !== 'object') return record;
    const filtered = {};
    for (const [key, value] of Object.entries(record)) {
      if (key.startsWith('_') || key === '$overflow' || key === '$before' || key === '$after') continue;
      filtered[key] = value;
    }
    return filtered;
  }

  /** The stored record (the event may carry a partial one); the given data when it cannot be read. */
  async getCompleteData(resource, data) {
    try {
      return await resource.get(data.id);
    } catch {
      return data;
    }
  }

  _isLogResource(name) {
    return normalize(name) === normalize(this.config.replicatorLogResource);
  }

  /** Reports a failed event handler: as `error` when someone listens for it, never as a crash. */
  _handlerFailed(operation, resource, error) {
    if (this.config.verbose) console.warn(`[ReplicatorPlugin] ${operation} event of ${resource.name} failed: ${error.message}`);
    const event = { operation, error: error.message, resource: resource.name };
    if (this.listenerCount('error') > 0) this.emit('error', event);
    else this.emit('replicator_error', { ...event, resourceName: resource.name });
  }

  installEventListeners(resource) {
    if (!resource || this.eventListenersInstalled.has(resource.name) || this._isLogResource(resource.name)) return;
    const guarded = (operation, work) => async (...args) => {
      try {
        await work(...args);
      } catch (error) {
        this._handlerFailed(operation, resource, error);
      }
    };
    const handlers = {
      insert: guarded('insert', async (data) => {
        await this.processReplicatorEvent('insert', resource.name, data.id, this.filterInternalFields(data));
      }),
      update: guarded('update', async (data, beforeData) => {
        // The engine's update event carries the whole record; others may not.
        const complete = data && data.$after !== undefined ? data : await this.getCompleteData(resource, data);
        const before = beforeData ?? (data && data.$before) ?? null;
        await this.processReplicatorEvent('update', resource.name, complete.id, this.filterInternalFields(complete), before && this.filterInternalFields(before));
      }),
      delete: guarded('delete', async (data) => {
        const record = data && data.$before ? data.$before : data;
        await this.processReplicatorEvent('delete', resource.name, record.id, this.filterInternalFields(record));
      }),
    };
    // deleteMany reports only a count as an event (as in s3db.js); its ids reach write observers.
    if (Array.isArray(resource._writeObservers)) {
      handlers.bulkDelete = ({ method, ids }) => {
        if (method !== 'deleteMany' || !ids) return;
        setImmediate(() => ids.forEach((id) => handlers.delete({ id })));
      };
      resource._writeObservers.push(handlers.bulkDelete);
    }
    this.eventHandlers.set(resource.name, handlers);
    for (const operation of OPERATIONS) resource.on(operation, handlers[operation]);
    this.eventListenersInstalled.add(resource.name);
  }

  async onInstall() {
    if (this.config.persistReplicatorLog) {
      const name = this.config.replicatorLogResource;
      let log;
      try {
        log = await this.database.createResource({
          name,
          attributes: {
            resource: 'string|optional', action: 'string|optional', resourceName: 'string|optional', operation: 'string|optional',
            recordId: 'string|optional', replicator: 'string|optional', data: 'json|optional', error: 'string|optional',
            status: 'string|optional', timestamp: 'any|optional', createdAt: 'string|optional', lastAttempt: 'string|optional',
          },
          behavior: 'truncate-data',
          createdBy: 'ReplicatorPlugin',
        });
      } catch {
        log = this.database.resources[name];
      }
      this.replicatorLogResource = log;
      this.replicatorLog = log;
    }
    await this.initializeReplicators(this.database);
    this.installDatabaseHooks();
    for (const resource of Object.values(this.database.resources)) {
      if (!this._isLogResource(resource.name)) this.installEventListeners(resource);
    }
  }

  async start() {}

  installDatabaseHooks() {
    this._afterCreateResourceHook = (created) => {
      // Hooks receive the resource (s3db.js) or a context holding it (this engine's database).
      const resource = created && created.resource && typeof created.resource === 'object' && !created.name ? created.resource : created;
      if (resource && !this._isLogResource(resource.name)) this.installEventListeners(resource, this.database, this);
    };
    this.database.addHook('afterCreateResource', this._afterCreateResourceHook);
  }

  removeDatabaseHooks() {
    if (this._afterCreateResourceHook && this.database && typeof this.database.removeHook === 'function') {
      this.database.removeHook('afterCreateResource', this._afterCreateResourceHook);
    }
    this._afterCreateResourceHook = null;
  }

  createReplicator(driver, config, resources, client) {
    return drivers.createReplicator(driver, config, resources, client);
  }

  async initializeReplicators(database) {
    for (const [index, entry] of this.config.replicators.entries()) {
      const { driver, config = {}, resources, client, ...rest } = entry;
      const replicator = this.createReplicator(driver, { ...config, ...rest }, resources || config.resources || {}, client);
      if (!replicator) continue;
      replicator.id = entry.id || config.id || `${driver}-${index}`;
      replicator.driver = driver;
      await replicator.initialize(database);
      this.replicators.push(replicator);
    }
  }

  async uploadMetadataFile() {
    if (this.database && typeof this.database.uploadMetadataFile === 'function') await this.database.uploadMetadataFile();
  }

  /** Runs `operation` up to `maxRetries` times, waiting `retryDelay` (500 ms), then twice that, … between attempts. */
  async retryWithBackoff(operation, maxRetries = 3) {
    let lastError;
    for (let attempt = 1; attempt <= maxRetries; attempt += 1) {
      try {
        return await operation();
      } catch (error) {
        lastError = error;
        if (this.config.verbose) console.warn(`[ReplicatorPlugin] attempt ${attempt}/${maxRetries} failed: ${error.message}`);
        if (attempt === maxRetries) break;
        await new Promise((resolve) => setTimeout(resolve, 2 ** (attempt - 1) * this.config.retryDelay));
      }
    }
    throw lastError;
  }

  async logError(replicator, resourceName, operation, recordId, data, error) {
    const log = this.database && this.database.resources && this.database.resources[this.config.replicatorLogResource];
    if (!log) return;
    try {
      await log.insert({
        replicator: replicator.name || replicator.id, resourceName, operation, recordId: recordId === undefined ? undefined : String(recordId),
        data: JSON.stringify(data), error: error.message, timestamp: new Date().toISOString(), status: 'error',
      });
    } catch (logError) {
      this.emit('replicator_log_error', {
        replicator: replicator.name || replicator.id, resourceName, operation, recordId, originalError: error.message, logError: logError.message,
      });
    }
  }

  /** A replicator's answer that reports failure without throwing (`{success: false}`) counts as one. */
  static _failureOf(result) {
    return result && typeof result === 'object' && result.success === false ? new Error(result.error || 'replication failed') : null;
  }

  async _replicateWith(replicator, change, { retry }) {
    const { resourceName, operation, recordId, data, beforeData } = change;
    const name = replicator.name || replicator.id;
    try {
      const run = () => replicator.replicate(resourceName, operation, data, recordId, beforeData);
      const result = retry ? await this.retryWithBackoff(run, this.config.maxRetries) : await run();
      const failure = ReplicatorPlugin._failureOf(result);
      if (failure) throw failure;
      this.stats.totalReplications += 1;
      this.emit('replicated', { replicator: name, resourceName, operation, recordId, result, success: true });
      return result;
    } catch (error) {
      this.stats.totalErrors += 1;
      if (this.config.verbose) console.warn(`[ReplicatorPlugin] ${name} failed to replicate ${resourceName}/${recordId}: ${error.message}`);
      this.emit('replicator_error', { replicator: name, resourceName, operation, recordId, error: error.message });
      if (this.config.logErrors && this.database) await this.logError(replicator, resourceName, operation, recordId, data, error);
      throw error;
    }
  }

  _replicatorsFor(resourceName, operation) {
    return this.replicators.filter((replicator) => replicator.shouldReplicateResource && replicator.shouldReplicateResource(resourceName, operation));
  }

  /** Hands one change to every replicator that takes it; resolves to their settled outcomes. */
  async processReplicatorEvent(operation, resourceName, recordId, data, beforeData = null) {
    if (!this.config.enabled) return undefined;
    const replicators = this._replicatorsFor(resourceName, operation);
    if (replicators.length === 0) return undefined;
    const change = { resourceName, operation, recordId, data, beforeData };
    return Promise.allSettled(replicators.map((replicator) => this._replicateWith(replicator, change, { retry: true })));
  }

  /** Like processReplicatorEvent for one queued item, without retries; failures resolve to `{success: false}`. */
  async processReplicatorItem(item) {
    const replicators = this._replicatorsFor(item.resourceName, item.operation);
    if (replicators.length === 0) return undefined;
    return Promise.allSettled(replicators.map(async (replicator) => {
      try {
        const result = await this._replicateWith(replicator, item, { retry: false });
        return { success: true, result };
      } catch (error) {
        return { success: false, error: error.message };
      }
    }));
  }

  async logReplicator(item) {
    const log = this.replicatorLog || (this.database && this.database.resources[this.config.replicatorLogResource]);
    if (!log) {
      this.emit('replicator.log.failed', { error: 'replicator log resource not found', item });
      return;
    }
    try {
      await log.insert({
        id: item.id || `repl-${Date.now()}-${Math.random().toString(36).slice(2)}`,
        resource: item.resource || item.resourceName || '',
        action: item.operation || item.action || '',
        data: item.data || {},
        timestamp: typeof item.timestamp === 'number' ? item.timestamp : Date.now(),
        createdAt: item.createdAt || new Date().toISOString().slice(0, 10),
      });
    } catch (error) {
      this.emit('replicator.log.failed', { error, item });
    }
  }

  async updateReplicatorLog(logId, updates) {
    if (!this.replicatorLog) return;
    try {
      await this.replicatorLog.patch(logId, { ...updates, lastAttempt: new Date().toISOString() });
    } catch (error) {
      this.emit('replicator.updateLog.failed', { error: error.message, logId, updates });
    }
  }

  async getReplicatorStats() {
    const replicators = await Promise.all(this.replicators.map(async (replicator) => ({
      id: replicator.id, driver: replicator.driver, config: replicator.config, status: await replicator.getStatus(),
    })));
    return { replicators, stats: this.stats, lastSync: this.stats.lastSync };
  }

  async getReplicatorLogs({ resourceName, operation, status, limit = 100, offset = 0 } = {}) {
    if (!this.replicatorLog) return [];
    const filter = {};
    if (resourceName) filter.resourceName = resourceName;
    if (operation) filter.operation = operation;
    if (status) filter.status = status;
    return (await this.replicatorLog.query(filter, { limit, offset })) || [];
  }

  /**
   * Replays the logged failures (`status: 'failed'`, and `'error'` as `logError` writes them: s3db.js
   * looked only for the first); a replayed entry is marked `retried`. Resolves to `{retried}`.
   */
  async retryFailedReplicators() {
    if (!this.replicatorLog) return { retried: 0 };
    const logs = new Set();
    for (const status of ['failed', 'error']) for (const log of (await this.replicatorLog.query({ status })) || []) logs.add(log);
    const seenIds = new Set();
    let retried = 0;
    for (const log of logs) {
      if (log.id !== undefined && seenIds.has(log.id)) continue;
      if (log.id !== undefined) seenIds.add(log.id);
      try {
        const data = typeof log.data === 'string' ? JSON.parse(log.data) : log.data;
        const outcomes = await this.processReplicatorEvent(log.operation, log.resourceName, log.recordId, data);
        if (Array.isArray(outcomes) && outcomes.some((outcome) => outcome.status === 'rejected')) continue;
        retried += 1;
        if (log.id !== undefined) await this.updateReplicatorLog(log.id, { status: 'retried' });
      } catch (error) {
        if (this.config.verbose) console.warn(`[ReplicatorPlugin] retry of ${log.resourceName}/${log.recordId} failed: ${error.message}`);
      }
    }
    return { retried };
  }

  /** Copies every record of the resources replicator `replicatorId` takes, a page at a time. */
  async syncAllData(replicatorId) {
    const replicator = this.replicators.find((candidate) => candidate.id === replicatorId);
    if (!replicator) {
      throw new ReplicationError('Replicator not found', {
        operation: 'syncAllData', pluginName: 'ReplicatorPlugin', replicatorId, availableReplicators: this.replicators.map((r) => r.id),
        suggestion: 'Check the id with getReplicatorStats()',
      });
    }
    this.stats.lastSync = new Date().toISOString();
    for (const resourceName of Object.keys(this.database.resources)) {
      if (this._isLogResource(resourceName) || !replicator.shouldReplicateResource(resourceName)) continue;
      this.emit('replicator.sync.resource', { resourceName, replicatorId });
      const resource = this.database.resources[resourceName];
      const size = this.config.batchSize || 100;
      for (let offset = 0; ; offset += size) {
        let page;
        try {
          page = await resource.page({ offset, size });
        } catch {
          break;
        }
        const records = Array.isArray(page) ? page : (page && page.items) || [];
        if (records.length === 0) break;
        for (const record of records) {
          const failure = ReplicatorPlugin._failureOf(await replicator.replicate(resourceName, 'insert', this.filterInternalFields(record), record.id));
          if (failure) throw failure;
        }
        if (records.length < size) break;
      }
    }
    this.emit('replicator.sync.completed', { replicatorId, stats: this.stats });
  }

  async stop() {
    try {
      await Promise.allSettled(this.replicators.map(async (replicator) => {
        try {
          if (replicator && typeof replicator.stop === 'function') await replicator.stop();
        } catch (error) {
          this.emit('replicator_stop_error', { replicator: replicator.name || replicator.id || 'unknown', driver: replicator.driver || 'unknown', error: error.message });
        }
      }));
      this.removeDatabaseHooks();
      if (this.database && this.database.resources) {
        for (const name of this.eventListenersInstalled) {
          const resource = this.database.resources[name];
          const handlers = this.eventHandlers.get(name);
          if (!resource || !handlers) continue;
          for (const operation of OPERATIONS) resource.off(operation, handlers[operation]);
          const at = handlers.bulkDelete ? resource._writeObservers.indexOf(handlers.bulkDelete) : -1;
          if (at >= 0) resource._writeObservers.splice(at, 1);
        }
      }
      this.replicators = [];
      this.database = null;
      this.eventListenersInstalled.clear();
      this.eventHandlers.clear();
      this.removeAllListeners();
    } catch (error) {
      this.emit('replicator_plugin_stop_error', { error: error.message });
    }
  }

  async onUninstall() {
    const { database } = this;
    await this.stop();
    this.database = database;
  }
}

module.exports = { ReplicatorPlugin, ...drivers };
