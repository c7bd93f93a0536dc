'use strict';
// BigqueryReplicator: changes go to Google BigQuery tables through the optional peer
// `@google-cloud/bigquery`. `mutability` (global or per table) decides what a change becomes:
//   append-only  every change is a new row with `_operation_type` and `_operation_timestamp`
//   immutable    the same, plus `_is_deleted` and a per-record `_version`
//   mutable      inserts add rows, updates and deletes run DML on the row with that id

const { TableReplicator, loadPeer } = require('./base.cjs');

const MUTABILITY = ['append-only', 'mutable', 'immutable'];

function checkMutability(mode) {
  if (!MUTABILITY.includes(mode)) throw new Error(`Invalid mutability mode: ${mode}. Must be one of: ${MUTABILITY.join(', ')}`);
  return mode;
}

class BigqueryReplicator extends TableReplicator {
  constructor(config = {}, resources = {}) {
    super(config, resources);
    this.projectId = config.projectId;
    this.datasetId = config.datasetId;
    this.credentials = config.credentials;
    this.location = config.location || 'US';
    this.logTable = config.logTable;
    this.bigqueryClient = null;
    this.mutability = checkMutability(config.mutability || 'append-only');
    this.versionCounters = new Map();
    this.resources = this.parseResourcesConfig(resources);
  }

  targetFields(item) {
    return { transform: item.transform || null, mutability: checkMutability(item.mutability || this.mutability) };
  }

  connectionErrors() {
    const errors = [];
    if (!this.projectId) errors.push('projectId is required');
    if (!this.datasetId) errors.push('datasetId is required');
    return errors;
  }

  validateConfig() {
    const result = super.validateConfig();
    for (const [resourceName, targets] of Object.entries(this.resources)) {
      for (const target of targets) {
        if (target.transform && typeof target.transform !== 'function') result.errors.push(`Transform must be a function for resource '${resourceName}'`);
      }
    }
    return { isValid: result.errors.length === 0, errors: result.errors };
  }

  /** The targets taking `operation`, as `{table, transform, mutability}`. */
  getTablesForResource(resourceName, operation) {
    return this.targetsFor(resourceName, operation).map(({ table, transform, mutability }) => ({ table, transform, mutability }));
  }

  applyTransform(data, transform) {
    const clean = this._cleanInternalFields(data);
    return typeof transform === 'function' ? transform(clean) || clean : clean;
  }

  _addTrackingFields(data, operation, mutability, id) {
    if (mutability === 'mutable') return { ...data };
    const tracked = { ...data, _operation_type: operation, _operation_timestamp: new Date().toISOString() };
    if (mutability === 'immutable') {
      tracked._is_deleted = operation === 'delete';
      tracked._version = this._getNextVersion(id);
    }
    return tracked;
  }

  _getNextVersion(id) {
    const next = (this.versionCounters.get(id) || 0) + 1;
    this.versionCounters.set(id, next);
    return next;
  }

  async connect() {
    const { BigQuery } = loadPeer('@google-cloud/bigquery', this.name);
    this.bigqueryClient = new BigQuery({ projectId: this.projectId, credentials: this.credentials, location: this.location });
    this.dataset = this.bigqueryClient.dataset(this.datasetId);
    this.connected = true;
  }

  async ping() {
    await this.dataset.getMetadata();
  }

  async writeChange(target, operation, row, id, resourceName) {
    const table = `\`${this.projectId}.${this.datasetId}.${target.table}\``;
    let jobId;
    if (operation === 'insert' || target.mutability !== 'mutable') {
      await this.dataset.table(target.table).insert([this._addTrackingFields({ ...row, id }, operation, target.mutability, id)]);
    } else if (operation === 'update') {
      const columns = Object.keys(row).filter((column) => column !== 'id');
      const [job] = await this.bigqueryClient.createQueryJob({
        query: `UPDATE ${table} SET ${columns.map((column) => `\`${column}\` = @${column}`).join(', ')} WHERE id = @id`,
        params: { ...row, id },
        location: this.location,
      });
      await job.getQueryResults();
      jobId = job.id;
    } else if (operation === 'delete') {
      const [job] = await this.bigqueryClient.createQueryJob({ query: `DELETE FROM ${table} WHERE id = @id`, params: { id }, location: this.location });
      await job.getQueryResults();
      jobId = job.id;
    } else {
      throw new Error(`Unsupported operation: ${operation}`);
    }
    if (this.logTable) {
      await this.dataset.table(this.logTable).insert([{ resource_name: resourceName, operation, record_id: id, data: JSON.stringify(row), timestamp: new Date().toISOString(), source: 's3db-replicator' }]);
    }
    return { jobId };
  }

  async disconnect() {
    this.bigqueryClient = null;
    this.dataset = null;
  }

  getStatus() {
    return {
      name: this.name, config: this.config, connected: Boolean(this.bigqueryClient), projectId: this.projectId, datasetId: this.datasetId,
      location: this.location, mutability: this.mutability, resources: Object.keys(this.resources), logTable: this.logTable || null,
    };
  }
}

module.exports = { BigqueryReplicator };
