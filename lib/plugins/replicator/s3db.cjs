'use strict';
// S3dbReplicator: copies changes into resources of another s3db database (any store: a
// connection string, or a connected Database given as `client`). Destinations per resource: a
// name, `{resource, actions, transform}`, a list of those, or a function (a transform into the
// resource of the same name).
//
// Unlike s3db.js 12.4, an insert whose id already exists in the destination replaces it, an
// update of a record the destination lacks creates it, and a delete of a missing record is done:
// replaying changes (retries, `syncAllData`) converges instead of failing.

const crypto = require('node:crypto');
const { BaseReplicator, withoutInternalFields } = require('./base.cjs');
const { ReplicationError } = require('../../errors.cjs');

const normalize = (name) => (typeof name === 'string' ? name.trim().toLowerCase() : name);
const MISSING = new Set(['NoSuchKey', 'NotFound', 'ResourceNotFound']);

/** `{source: destination}` with normalised source names, from every form s3db.js accepts. */
function destinationsMap(resources) {
  if (!resources) return {};
  if (typeof resources === 'string') return { [normalize(resources)]: resources };
  if (typeof resources === 'function') return resources;
  const map = {};
  if (Array.isArray(resources)) {
    for (const item of resources) {
      if (typeof item === 'string') map[normalize(item)] = item;
      else if (item && typeof item === 'object' && item.resource) map[normalize(item.resource)] = item;
    }
    return map;
  }
  for (const [source, destination] of Object.entries(resources)) {
    const usable = typeof destination === 'string' || typeof destination === 'function' || Array.isArray(destination)
      || (destination && typeof destination === 'object' && destination.resource);
    if (usable) map[normalize(source)] = destination;
  }
  return map;
}

class S3dbReplicator extends BaseReplicator {
  constructor(config = {}, resources = [], client = null) {
    super(config);
    this.instanceId = crypto.randomBytes(4).toString('hex');
    this.client = client;
    this.connectionString = config.connectionString;
    this.resourcesMap = destinationsMap(resources);
  }

  validateConfig() {
    const errors = [];
    if (!this.client && !this.connectionString) errors.push('You must provide a client or a connectionString');
    if (!this.resourcesMap || Object.keys(this.resourcesMap).length === 0) errors.push('You must provide a resources map or array');
    return { isValid: errors.length === 0, errors };
  }

  async initialize(database) {
    await super.initialize(database);
    if (this.client) {
      this.targetDatabase = this.client;
    } else if (this.connectionString) {
      const { Database } = require('../../database.cjs');
      this.targetDatabase = new Database({ connectionString: this.connectionString, verbose: Boolean(this.config.verbose) });
      await this.targetDatabase.connect();
      this._ownsTarget = true;
    } else {
      throw new ReplicationError('S3dbReplicator requires client or connectionString', {
        operation: 'initialize', replicatorClass: 'S3dbReplicator', suggestion: 'Give { client: db } or { connectionString: "s3://..." }',
      });
    }
    this.emit('connected', { replicator: this.name, target: this.connectionString || 'client-provided' });
  }

  shouldReplicateResource(resource, action) {
    const entry = this.resourcesMap[normalize(resource)];
    if (!entry) return false;
    if (!action) return true;
    const takes = (item) => typeof item === 'string' || typeof item === 'function'
      || (item && typeof item === 'object' && (!Array.isArray(item.actions) || item.actions.includes(action)));
    return Array.isArray(entry) ? entry.some(takes) : takes(entry);
  }

  /** Accepts `(resource, operation, data, id, before)` or one `{resource, operation, data, id}`. */
  async replicate(resourceOrChange, operation, data, recordId) {
    const change = resourceOrChange && typeof resourceOrChange === 'object' && resourceOrChange.resource
      ? resourceOrChange
      : { resource: resourceOrChange, operation, data, id: recordId };
    const source = normalize(change.resource);
    const entry = this.resourcesMap[source];
    if (!entry) {
      throw new ReplicationError('Resource not configured for replication', {
        operation: 'replicate', replicatorClass: 'S3dbReplicator', resourceName: change.resource, configuredResources: Object.keys(this.resourcesMap),
      });
    }
    const id = change.id ?? change.data?.id;
    if (!Array.isArray(entry)) return this._replicateToSingleDestination(entry, source, change.operation, change.data, id);
    const results = [];
    for (const destination of entry) results.push(await this._replicateToSingleDestination(destination, source, change.operation, change.data, id));
    return results;
  }

  async _replicateToSingleDestination(destination, sourceResource, operation, data, recordId) {
    const name = typeof destination === 'string' ? destination : destination && destination.resource ? destination.resource : sourceResource;
    if (destination && Array.isArray(destination.actions) && !destination.actions.includes(operation)) {
      return { skipped: true, reason: 'action_not_supported', action: operation, destination: name };
    }
    const target = this._getDestResourceObj(name);
    const transform = typeof destination === 'function' ? destination : destination && typeof destination.transform === 'function' ? destination.transform : null;
    const clean = withoutInternalFields(data);
    let record = transform ? transform(clean) || clean : clean;
    if (record && record.id === undefined && recordId !== undefined) record = { ...record, id: recordId };

    if (operation === 'insert') {
      try {
        return await target.insert(record);
      } catch (error) {
        if (!(await target.exists(record.id).catch(() => false))) throw error;
        return target.update(record.id, record);
      }
    }
    if (operation === 'update') {
      const id = recordId ?? record.id;
      try {
        return await target.update(id, record);
      } catch (error) {
        if (!MISSING.has(error.name) && !/does not exist/.test(error.message)) throw error;
        return target.insert({ ...record, id });
      }
    }
    if (operation === 'delete') {
      try {
        return await target.delete(recordId ?? record.id);
      } catch (error) {
        if (MISSING.has(error.name)) return { skipped: true, reason: 'already_deleted', destination: name };
        throw error;
      }
    }
    throw new ReplicationError(`Invalid replication operation: ${operation}`, {
      operation: 'replicate', replicatorClass: 'S3dbReplicator', invalidOperation: operation, supportedOperations: ['insert', 'update', 'delete'], resourceName: sourceResource,
    });
  }

  _applyTransformer(resource, data) {
    const clean = withoutInternalFields(data);
    const entry = this.resourcesMap[normalize(resource)];
    const candidates = Array.isArray(entry) ? entry : [entry];
    const transform = candidates.map((item) => (typeof item === 'function' ? item : item && item.transform)).find((fn) => typeof fn === 'function');
    const result = transform ? transform(clean) : clean;
    if (result && clean && clean.id !== undefined && result.id === undefined) result.id = clean.id;
    return result || clean;
  }

  _resolveDestResource(resource) {
    const entry = this.resourcesMap[normalize(resource)];
    const candidates = Array.isArray(entry) ? entry : [entry];
    for (const item of candidates) {
      if (typeof item === 'string') return item;
      if (item && typeof item === 'object' && item.resource) return item.resource;
    }
    return resource;
  }

  _getDestResourceObj(name) {
    const database = this.targetDatabase || this.client;
    const available = Object.keys((database && database.resources) || {});
    const found = available.find((candidate) => normalize(candidate) === normalize(name));
    if (!found) {
      throw new ReplicationError('Destination resource not found in target database', {
        operation: '_getDestResourceObj', replicatorClass: 'S3dbReplicator', destinationResource: name, availableResources: available,
        suggestion: 'Create the resource in the target database or check the name',
      });
    }
    return database.resources[found];
  }

  async replicateBatch(resourceName, records) {
    if (this.enabled === false) return { skipped: true, reason: 'replicator_disabled' };
    if (!this.shouldReplicateResource(resourceName)) return { skipped: true, reason: 'resource_not_included' };
    const results = [];
    const errors = [];
    for (const record of records) {
      try {
        results.push(await this.replicate({ resource: resourceName, operation: record.operation, id: record.id, data: record.data }));
      } catch (error) {
        this._warn(`batch item ${record.id} failed: ${error.message}`);
        errors.push({ id: record.id, error: error.message });
      }
    }
    this.emit('batch_replicated', { replicator: this.name, resourceName, total: records.length, successful: results.length, errors: errors.length });
    return { success: errors.length === 0, results, errors, total: records.length };
  }

  async testConnection() {
    return this._connectionCheck(async () => {
      if (!this.targetDatabase) throw new ReplicationError('No target database configured for connection test', { operation: 'testConnection', replicatorClass: 'S3dbReplicator' });
      if (typeof this.targetDatabase.connect === 'function' && !this.targetDatabase.isConnected?.()) await this.targetDatabase.connect();
    });
  }

  async getStatus() {
    return {
      ...await super.getStatus(),
      connected: Boolean(this.targetDatabase),
      targetDatabase: this.connectionString || 'client-provided',
      resources: Object.keys(this.resourcesMap || {}),
      ...this._listenerStats(),
    };
  }

  async cleanup() {
    if (this._ownsTarget && this.targetDatabase) await this.targetDatabase.disconnect().catch(() => {});
    await super.cleanup();
  }
}

module.exports = { S3dbReplicator };
