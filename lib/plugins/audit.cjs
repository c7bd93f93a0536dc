'use strict';
// AuditPlugin: one `plg_audits` record per insert, update, delete and deleteMany of every
// resource, in s3db.js 12.4's layout (partitions byDate on the YYYY-MM-DD `createdAt` and
// byResource), with history and statistics queries over it.

const { Plugin } = require('./plugin.cjs');
const { idGenerator } = require('../helpers.cjs');

const AUDIT_RESOURCE = 'plg_audits';

const AUDIT_CONFIG = {
  name: AUDIT_RESOURCE,
  attributes: {
    id: 'string|required',
    resourceName: 'string|required',
    operation: 'string|required',
    recordId: 'string|required',
    userId: 'string|optional',
    timestamp: 'string|required',
    createdAt: 'string|required',
    oldData: 'string|optional',
    newData: 'string|optional',
    partition: 'string|optional',
    partitionValues: 'string|optional',
    metadata: 'string|optional',
  },
  partitions: {
    byDate: { fields: { createdAt: 'string|maxlength:10' } },
    byResource: { fields: { resourceName: 'string' } },
  },
  behavior: 'body-overflow',
};

const DAY_MS = 86400000;
/** A query limit that keeps every match. */
const EVERY = Number.MAX_SAFE_INTEGER;
const isoDay = (date) => date.toISOString().slice(0, 10);

class AuditPlugin extends Plugin {
  constructor(options = {}) {
    super(options);
    this.auditResource = null;
    this.config = {
      ...options,
      includeData: options.includeData !== false,
      includePartitions: options.includePartitions !== false,
      maxDataSize: options.maxDataSize || 10000,
    };
    this._audited = new WeakSet();
  }

  async onInstall() {
    this.auditResource = this.database.resources[AUDIT_RESOURCE] || await this.database.createResource(AUDIT_CONFIG);
    this.database.addHook('afterCreateResource', ({ resource }) => this.setupResourceAuditing(resource));
    for (const resource of Object.values(this.database.resources)) this.setupResourceAuditing(resource);
  }

  /** Audits `resource`'s writes (once per resource; never the audit resource itself). */
  setupResourceAuditing(resource) {
    if (!resource || resource.name === AUDIT_RESOURCE || this._audited.has(resource)) return;
    this._audited.add(resource);
    resource.on('insert', (record) => this._record(resource, 'insert', record.id, null, record));
    resource.on('update', (event) => {
      const { $before: before, $after: after, ...record } = event;
      return this._record(resource, 'update', record.id, before || null, after || record);
    });
    resource.on('delete', (record) => {
      const { $before: before, $after: _after, ...rest } = record;
      return this._record(resource, 'delete', rest.id, before || rest, null);
    });
    // deleteMany emits no event per record: read the records first, audit them once deleted.
    this.addMiddleware(resource, 'deleteMany', async (next, ids = [], ...rest) => {
      const doomed = await Promise.all([].concat(ids).map((id) => resource.getOrNull(id).catch(() => null).then((record) => record || { id })));
      const result = await next(ids, ...rest);
      // After the events already queued (they are delivered on setImmediate), so that the audit
      // trail keeps the order of the calls.
      await new Promise((resolve) => setImmediate(resolve));
      for (const old of doomed) await this._record(resource, 'deleteMany', old.id, old, null);
      return result;
    });
  }

  installEventListenersForResource(resource) {
    return this.setupResourceAuditing(resource);
  }

  async _record(resource, operation, recordId, oldData, newData) {
    const partitionValues = this.config.includePartitions ? this._partitionValuesOf(newData || oldData, resource) : null;
    await this.logAudit({
      resourceName: resource.name,
      operation,
      recordId: recordId ?? 'auto-generated',
      oldData: this.config.includeData && oldData ? JSON.stringify(this.truncateData(oldData)) : null,
      newData: this.config.includeData && newData ? JSON.stringify(this.truncateData(newData)) : null,
      partition: partitionValues ? Object.keys(partitionValues)[0] : null,
      partitionValues: partitionValues ? JSON.stringify(partitionValues) : null,
    });
  }

  /** Partition values per partition, leaving out partitions the record has no value for. */
  _partitionValuesOf(data, resource) {
    if (!data) return null;
    const all = this.getPartitionValues(data, resource);
    const present = Object.entries(all).filter(([, values]) => Object.keys(values).length > 0);
    return present.length ? Object.fromEntries(present) : null;
  }

  /** Writes one audit record; a failure is a warning, never the audited call's failure. */
  async logAudit({ resourceName, operation, recordId, oldData = null, newData = null, partition = null, partitionValues = null }) {
    if (!this.auditResource) return;
    const now = new Date();
    const entry = {
      id: auditId(now),
      resourceName,
      operation,
      recordId: String(recordId),
      userId: (typeof this.getCurrentUserId === 'function' && this.getCurrentUserId()) || 'system',
      timestamp: now.toISOString(),
      createdAt: isoDay(now),
      metadata: JSON.stringify({ source: 'audit-plugin', version: '2.0' }),
    };
    for (const [field, value] of Object.entries({ oldData, newData, partition, partitionValues })) {
      if (value !== null && value !== undefined) entry[field] = value;
    }
    try {
      await this.auditResource.insert(entry);
    } catch (error) {
      process.emitWarning(`AuditPlugin: audit record for ${resourceName}/${recordId} not written: ${error.message}`, { code: 'S3DB_AUDIT' });
    }
  }

  /** `data`, or when its JSON is longer than `maxDataSize`, `data` marked as truncated. */
  truncateData(data) {
    if (!this.config.includeData) return null;
    const size = JSON.stringify(data).length;
    if (size <= this.config.maxDataSize) return data;
    return { ...data, _truncated: true, _originalSize: size, _truncatedAt: new Date().toISOString() };
  }

  /** Audit records in the order they were written, filtered by resource, operation, record, partition and time. */
  async getAuditLogs({ resourceName, operation, recordId, partition, startDate, endDate, limit = 100, offset = 0 } = {}) {
    if (!this.auditResource) return [];
    let logs;
    if (startDate && !resourceName) {
      logs = [];
      for (const day of dayRange(startDate, endDate)) logs.push(...await this.auditResource.query({ createdAt: day }, { limit: EVERY }));
    } else if (resourceName) {
      logs = await this.auditResource.query({ resourceName }, { limit: EVERY });
    } else if (operation || recordId || partition || endDate) {
      logs = await this.auditResource.getAll();
    } else {
      return (await this.auditResource.page({ size: limit, offset })).items || [];
    }
    const from = startDate ? new Date(startDate).getTime() : -Infinity;
    const to = endDate ? new Date(endDate).getTime() : Infinity;
    const kept = logs.filter((log) => (!operation || log.operation === operation)
      && (!recordId || log.recordId === recordId)
      && (!partition || log.partition === partition)
      && (!resourceName || log.resourceName === resourceName)
      && new Date(log.timestamp).getTime() >= from && new Date(log.timestamp).getTime() <= to);
    kept.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return kept.slice(offset, offset + limit);
  }

  async getRecordHistory(resourceName, recordId) {
    return this.getAuditLogs({ resourceName, recordId });
  }

  async getPartitionHistory(resourceName, partitionName, partitionValues) {
    const wanted = partitionValues === undefined ? undefined : JSON.stringify(partitionValues);
    const logs = await this.getAuditLogs({ resourceName, partition: partitionName, limit: EVERY });
    return wanted === undefined ? logs : logs.filter((log) => {
      const values = log.partitionValues && JSON.parse(log.partitionValues)[partitionName];
      return values && JSON.stringify(values) === wanted;
    });
  }

  /** Counts of the matching audit records by operation, resource, partition, user and day. */
  async getAuditStats(options = {}) {
    const stats = { total: 0, byOperation: {}, byResource: {}, byPartition: {}, byUser: {}, timeline: {} };
    const bump = (table, key) => { if (key) table[key] = (table[key] || 0) + 1; };
    for (const log of await this.getAuditLogs(options)) {
      stats.total += 1;
      bump(stats.byOperation, log.operation);
      bump(stats.byResource, log.resourceName);
      bump(stats.byPartition, log.partition);
      bump(stats.byUser, log.userId);
      bump(stats.timeline, log.timestamp.slice(0, 10));
    }
    return stats;
  }

  /** Deletes audit records older than `retentionDays` days (by their day partition); resolves to how many. */
  async cleanupOldAudits(retentionDays = 90) {
    if (!this.auditResource) return 0;
    const cutoff = isoDay(new Date(Date.now() - retentionDays * DAY_MS));
    const old = (await this.auditResource.getAll()).filter((log) => log.createdAt < cutoff).map((log) => log.id);
    if (old.length) await this.auditResource.deleteMany(old);
    return old.length;
  }
}

let sequence = 0;

/**
 * `audit-<ms>-<9 characters>` as s3db.js names them; the 9 characters are a 4-digit base-36
 * sequence and 5 random ones, so ids sort in the order this process wrote them.
 */
function auditId(now) {
  sequence = (sequence + 1) % 36 ** 4;
  return `audit-${now.getTime()}-${sequence.toString(36).padStart(4, '0')}${idGenerator(5)}`;
}

/** Every YYYY-MM-DD from `start` to `end` (today when missing), both included. */
function dayRange(start, end) {
  const days = [];
  const last = end ? new Date(end) : new Date();
  for (let day = new Date(isoDay(new Date(start))); day <= last; day = new Date(day.getTime() + DAY_MS)) days.push(isoDay(day));
  return days;
}

module.exports = { AuditPlugin };
