'use strict';
// What every replicator shares: the base class ReplicatorPlugin drives (`initialize`,
// `replicate`, `replicateBatch`, `getStatus`, `shouldReplicateResource`), the change message
// queues and webhooks receive, the optional peer SDK loader, and `TableReplicator`, the base of
// the drivers that write rows into tables or collections (SQL databases, BigQuery, DynamoDB,
// MongoDB).

const { EventEmitter } = require('node:events');
const path = require('node:path');
const { createRequire } = require('node:module');
const { ReplicationError } = require('../../errors.cjs');

const ACTIONS = ['insert', 'update', 'delete'];

/** A record without the fields s3db and its plugins add (`_…`, `$…`), keeping `keep`. */
function withoutInternalFields(data, keep = []) {
  if (!data || typeof data !== 'object') return data;
  const clean = {};
  for (const [key, value] of Object.entries(data)) {
    if ((key.startsWith('_') || key.startsWith('$')) && !keep.includes(key)) continue;
    clean[key] = value;
  }
  return clean;
}

/** The JSON change message of queues and webhooks: `before` only on updates. */
function changeMessage(source, resource, operation, data, beforeData = null) {
  const message = { resource, action: operation, timestamp: new Date().toISOString(), source };
  if (operation === 'update') message.before = beforeData;
  message.data = data;
  return message;
}

/**
 * Loads an optional peer dependency from this package's folder or the application's, or throws a
 * ReplicationError naming the package to install.
 */
function loadPeer(packageName, replicatorClass) {
  const places = [require, createRequire(path.join(process.cwd(), 'noop.js'))];
  for (const place of places) {
    try {
      return place(packageName);
    } catch (error) {
      if (error.code !== 'MODULE_NOT_FOUND' && error.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
    }
  }
  throw new ReplicationError(`${replicatorClass} needs the optional package '${packageName}': npm install ${packageName}`, {
    operation: 'initialize', replicatorClass, packageName, suggestion: `npm install ${packageName}`,
  });
}

class BaseReplicator extends EventEmitter {
  constructor(config = {}) {
    super();
    this.config = config;
    this.name = this.constructor.name;
    this.enabled = config.enabled !== false;
  }

  async initialize(database) {
    this.database = database;
    this.emit('initialized', { replicator: this.name });
  }

  async replicate(resourceName) { this._unimplemented('replicate', { resourceName }); }

  async replicateBatch(resourceName, records) { this._unimplemented('replicateBatch', { resourceName, batchSize: records?.length }); }

  async testConnection() { this._unimplemented('testConnection'); }

  async getStatus() {
    return { name: this.name, config: this.config, connected: false };
  }

  async cleanup() {
    this.emit('cleanup', { replicator: this.name });
  }

  async stop() {
    await this.cleanup();
  }

  validateConfig() {
    return { isValid: true, errors: [] };
  }

  /** Runs a connection probe: true when it resolves, else `connection_error` and false. */
  async _connectionCheck(probe) {
    try {
      await probe();
      return true;
    } catch (error) {
      this._warn(`connection test failed: ${error.message}`);
      this.emit('connection_error', { replicator: this.name, error: error.message });
      return false;
    }
  }

  /** s3db.js's status counters: how many listen for `replicated` and `replicator_error`. */
  _listenerStats() {
    return { totalreplicators: this.listenerCount('replicated'), totalErrors: this.listenerCount('replicator_error') };
  }

  _cleanInternalFields(data) {
    return withoutInternalFields(data);
  }

  /** The record after the resource's `transform` (when it has one), without internal fields. */
  _applyTransformer(resource, data) {
    const clean = this._cleanInternalFields(data);
    const entry = this.resources && this.resources[resource];
    const transform = entry && typeof entry.transform === 'function' ? entry.transform : typeof entry === 'function' ? entry : null;
    const result = transform ? transform(clean) : clean;
    if (result && clean && clean.id !== undefined && result.id === undefined) result.id = clean.id;
    return result || clean;
  }

  _unimplemented(operation, details = {}) {
    throw new ReplicationError(`${operation}() method must be implemented by subclass`, {
      operation, replicatorClass: this.name, ...details, suggestion: `Extend BaseReplicator and implement ${operation}()`,
    });
  }

  _warn(message) {
    if (this.config.verbose) console.warn(`[${this.name}] ${message}`);
  }
}

/** Resources given as a list (`['users']`, `[{name, …}]`) or a map, as the message drivers take them. */
function resourceFlags(resources) {
  if (Array.isArray(resources)) {
    const flags = {};
    for (const resource of resources) {
      if (typeof resource === 'string') flags[resource] = true;
      else if (resource && typeof resource === 'object' && resource.name) flags[resource.name] = resource;
    }
    return flags;
  }
  return resources && typeof resources === 'object' ? resources : {};
}

/**
 * A driver that writes each change into one or more tables (or collections) per resource:
 * `{users: 'users_table'}`, `{users: {table, actions}}` or a list of those. Subclasses give the
 * connection checks (`connectionErrors`), extra per-target fields (`targetFields`), and the
 * writes (`connect`, `writeChange`, `disconnect`).
 */
class TableReplicator extends BaseReplicator {
  constructor(config = {}, resources = {}) {
    super(config);
    this.schemaSync = {
      enabled: config.schemaSync?.enabled || false,
      strategy: config.schemaSync?.strategy || 'alter',
      onMismatch: config.schemaSync?.onMismatch || 'error',
      autoCreateTable: config.schemaSync?.autoCreateTable !== false,
      autoCreateColumns: config.schemaSync?.autoCreateColumns !== false,
      dropMissingColumns: config.schemaSync?.dropMissingColumns || false,
    };
  }

  /** `table`, or `collection` for document stores. */
  get targetKey() { return 'table'; }

  get targetLabel() { return 'Table'; }

  /** Fields a target gets besides its name and actions, from its configuration (none by default). */
  targetFields() { return {}; }

  connectionErrors() { return []; }

  parseResourcesConfig(resources = {}) {
    const key = this.targetKey;
    const target = (item) => (typeof item === 'string'
      ? { [key]: item, actions: ['insert'], ...this.targetFields({}) }
      : { [key]: item[key], actions: item.actions || ['insert'], ...this.targetFields(item) });
    const parsed = {};
    for (const [resourceName, config] of Object.entries(resources || {})) {
      if (Array.isArray(config)) parsed[resourceName] = config.map(target);
      else if (typeof config === 'string' || (config && typeof config === 'object')) parsed[resourceName] = [target(config)];
    }
    return parsed;
  }

  validateConfig() {
    const errors = this.connectionErrors();
    if (Object.keys(this.resources).length === 0) errors.push('At least one resource must be configured');
    for (const [resourceName, targets] of Object.entries(this.resources)) {
      for (const target of targets) {
        if (!target[this.targetKey]) errors.push(`${this.targetLabel} name is required for resource '${resourceName}'`);
        if (!Array.isArray(target.actions) || target.actions.length === 0) {
          errors.push(`Actions array is required for resource '${resourceName}'`);
          continue;
        }
        const invalid = target.actions.filter((action) => !ACTIONS.includes(action));
        if (invalid.length) errors.push(`Invalid actions for resource '${resourceName}': ${invalid.join(', ')}. Valid actions: ${ACTIONS.join(', ')}`);
      }
    }
    return { isValid: errors.length === 0, errors };
  }

  shouldReplicateResource(resourceName) {
    return Object.prototype.hasOwnProperty.call(this.resources, resourceName);
  }

  shouldReplicateAction(resourceName, operation) {
    return (this.resources[resourceName] || []).some((target) => target.actions.includes(operation));
  }

  /** The targets that take `operation` for this resource (their configurations). */
  targetsFor(resourceName, operation) {
    return (this.resources[resourceName] || []).filter((target) => target.actions.includes(operation));
  }

  getTablesForResource(resourceName, operation) {
    return this.targetsFor(resourceName, operation).map((target) => target[this.targetKey]);
  }

  async initialize(database) {
    await super.initialize(database);
    const validation = this.validateConfig();
    if (!validation.isValid) {
      throw new ReplicationError(`${this.name} configuration is invalid: ${validation.errors.join('; ')}`, { operation: 'initialize', replicatorClass: this.name, errors: validation.errors });
    }
    try {
      await this.connect(database);
    } catch (error) {
      this.emit('initialization_error', { replicator: this.name, error: error.message });
      throw error;
    }
    this.emit('connected', { replicator: this.name, resources: Object.keys(this.resources) });
  }

  async connect() { this._unimplemented('connect'); }

  async writeChange() { this._unimplemented('writeChange'); }

  async disconnect() {}

  /** Writes the change into every target that takes it; resolves to `{success, results, errors, tables}`. */
  async replicate(resourceName, operation, data, id, beforeData = null) {
    if (!this.enabled || !this.shouldReplicateResource(resourceName)) return { skipped: true, reason: 'resource_not_included' };
    if (!this.shouldReplicateAction(resourceName, operation)) return { skipped: true, reason: 'action_not_included' };
    const targets = this.targetsFor(resourceName, operation);
    const results = [];
    const errors = [];
    const recordId = id ?? data?.id;
    for (const target of targets) {
      const name = target[this.targetKey];
      try {
        const clean = this._cleanInternalFields(data);
        const row = typeof target.transform === 'function' ? target.transform(clean) : clean;
        results.push({ [this.targetKey]: name, success: true, ...await this.writeChange(target, operation, row, recordId, resourceName) });
      } catch (error) {
        errors.push({ [this.targetKey]: name, error: error.message });
      }
    }
    const tables = targets.map((target) => target[this.targetKey]);
    const success = errors.length === 0;
    if (success) {
      this.emit('replicated', { replicator: this.name, resourceName, operation, id: recordId, tables, results, success });
    } else {
      this._warn(`replicating ${resourceName}/${recordId} failed: ${errors.map((e) => e.error).join('; ')}`);
      this.emit('replicator_error', { replicator: this.name, resourceName, operation, id: recordId, error: errors.map((e) => e.error).join('; ') });
    }
    return { success, results, errors, tables, ...(success ? {} : { error: errors.map((e) => e.error).join('; ') }) };
  }

  async replicateBatch(resourceName, records) {
    const results = [];
    const errors = [];
    for (const record of records) {
      const outcome = await this.replicate(resourceName, record.operation || 'insert', record.data || record, record.id, record.beforeData);
      if (outcome.success === false) errors.push({ id: record.id, error: outcome.error });
      else results.push(outcome);
    }
    this.emit('batch_replicated', { replicator: this.name, resourceName, total: records.length, successful: results.length, errors: errors.length });
    return { success: errors.length === 0, results, errors, total: records.length };
  }

  async testConnection() {
    return this._connectionCheck(async () => {
      if (!this.connected) await this.connect(this.database);
      await this.ping();
    });
  }

  async ping() {}

  async getStatus() {
    return { ...await super.getStatus(), connected: Boolean(this.connected), resources: Object.keys(this.resources) };
  }

  async cleanup() {
    if (this.connected) await this.disconnect();
    this.connected = false;
    await super.cleanup();
  }
}

module.exports = { BaseReplicator, TableReplicator, ACTIONS, withoutInternalFields, changeMessage, loadPeer, resourceFlags };
