'use strict';
// MetricsPlugin: counts and times every resource's operations, keeps error and performance logs,
// flushes them into `plg_metrics`, `plg_error_logs` and `plg_performance_logs` (s3db.js 12.4's
// layout, `byDate` partitions), and serves Prometheus text on an HTTP endpoint.
//
// As in s3db.js, under NODE_ENV=test nothing is installed (no resources, no timing) and there is no
// flush timer: tests call the methods by hand.

const http = require('node:http');
const { Plugin } = require('./plugin.cjs');
const { idGenerator } = require('../helpers.cjs');
const { formatPrometheus } = require('./prometheus.cjs');

/** Operations whose counts and times are kept per operation and per resource. */
const COUNTED = ['insert', 'update', 'delete', 'get', 'list', 'count'];
/** Operations that are timed (the others of this list go to the performance log only). */
const TIMED = ['insert', 'update', 'delete', 'deleteMany', 'get', 'getMany', 'getAll', 'list', 'listIds', 'count', 'page'];
const OWN_RESOURCES = ['plg_metrics', 'plg_error_logs', 'plg_performance_logs'];

const byDate = { byDate: { fields: { createdAt: 'string|maxlength:10' } } };
const RESOURCES = {
  metricsResource: {
    name: 'plg_metrics',
    attributes: {
      id: 'string|required', type: 'string|required', resourceName: 'string', operation: 'string', count: 'number|required',
      totalTime: 'number|required', errors: 'number|required', avgTime: 'number|required', timestamp: 'string|required',
      metadata: 'json', createdAt: 'string|required',
    },
  },
  errorsResource: {
    name: 'plg_error_logs',
    attributes: {
      id: 'string|required', resourceName: 'string|required', operation: 'string|required', error: 'string|required',
      timestamp: 'string|required', metadata: 'json', createdAt: 'string|required',
    },
  },
  performanceResource: {
    name: 'plg_performance_logs',
    attributes: {
      id: 'string|required', resourceName: 'string|required', operation: 'string|required', duration: 'number|required',
      timestamp: 'string|required', metadata: 'json', createdAt: 'string|required',
    },
  },
};

const counters = () => Object.fromEntries(COUNTED.map((operation) => [operation, { count: 0, totalTime: 0, errors: 0 }]));
const inTests = () => process.env.NODE_ENV === 'test';
const logId = (kind) => `${kind}-${Date.now()}-${idGenerator(9)}`;

class MetricsPlugin extends Plugin {
  constructor(options = {}) {
    super(options);
    const prometheus = options.prometheus || {};
    this.config = {
      collectPerformance: options.collectPerformance !== false,
      collectErrors: options.collectErrors !== false,
      collectUsage: options.collectUsage !== false,
      retentionDays: options.retentionDays || 30,
      flushInterval: options.flushInterval || 60000,
      ...options,
      prometheus: {
        enabled: prometheus.enabled !== false,
        mode: prometheus.mode || 'auto',
        port: prometheus.port ?? 9090,
        host: prometheus.host || '0.0.0.0',
        path: prometheus.path || '/metrics',
        includeResourceLabels: prometheus.includeResourceLabels !== false,
      },
    };
    this.metrics = { operations: counters(), resources: {}, errors: [], performance: [], startTime: new Date().toISOString() };
    this.flushTimer = null;
    this.metricsServer = null;
    this._timed = new WeakSet();
  }

  async onInstall() {
    if (inTests()) return;
    for (const [field, config] of Object.entries(RESOURCES)) {
      this[field] = this.database.resources[config.name]
        || await this.database.createResource({ ...config, partitions: byDate, behavior: 'body-overflow' });
    }
    this.database.addHook('afterCreateResource', ({ resource }) => this.installResourceHooks(resource));
    for (const resource of Object.values(this.database.resources)) this.installResourceHooks(resource);
    this.startFlushTimer();
  }

  /** Flushes every `flushInterval` ms (none when it is 0); the timer never keeps the process alive. */
  startFlushTimer() {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    if (!(this.config.flushInterval > 0)) return;
    this.flushTimer = setInterval(() => this.flushMetrics().catch(() => {}), this.config.flushInterval);
    this.flushTimer.unref();
  }

  async onStart() {
    const { enabled, mode } = this.config.prometheus;
    if (!enabled) return;
    if (mode === 'integrated') {
      throw new Error('[Metrics Plugin] prometheus.mode=integrated requires API Plugin to be active');
    }
    if (mode !== 'auto' && mode !== 'standalone') {
      process.emitWarning(`MetricsPlugin: unknown prometheus.mode "${mode}" (auto, integrated or standalone)`, { code: 'S3DB_METRICS' });
      return;
    }
    await this._listen();
  }

  async onStop() {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    const server = this.metricsServer;
    this.metricsServer = null;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** The standalone Prometheus endpoint; it never keeps the process alive by itself. */
  async _listen() {
    const { port, host, path } = this.config.prometheus;
    const server = http.createServer((req, res) => this._serve(req, res, path));
    await new Promise((resolve) => {
      server.once('listening', resolve);
      server.once('error', (error) => {
        process.emitWarning(`MetricsPlugin: the Prometheus endpoint cannot listen on ${host}:${port}: ${error.message}`, { code: 'S3DB_METRICS' });
        resolve();
      });
      server.listen(port, host);
    });
    if (!server.listening) return;
    server.unref();
    this.metricsServer = server;
  }

  async _serve(req, res, path) {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Methods', 'GET');
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    if (req.method !== 'GET' || req.url.split('?')[0] !== path) return res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
    try {
      const text = await this.getPrometheusMetrics();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    } catch {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Server Error');
    }
  }

  /** Times `resource`'s operations (once per resource; never the plugin's own resources). */
  installResourceHooks(resource) {
    if (!resource || OWN_RESOURCES.includes(resource.name) || this._timed.has(resource)) return;
    this._timed.add(resource);
    const plugin = this;
    for (const operation of TIMED) {
      if (typeof resource[operation] !== 'function') continue;
      // s3db.js keeps the untimed method as `_<operation>`; apps and its tests look for it.
      if (!(`_${operation}` in resource)) resource[`_${operation}`] = resource[operation].bind(resource);
      this.addMiddleware(resource, operation, async (next, ...args) => {
        const started = performance.now();
        try {
          const result = await next(...args);
          plugin.recordOperation(resource.name, operation, performance.now() - started, false);
          return result;
        } catch (error) {
          plugin.recordOperation(resource.name, operation, performance.now() - started, true);
          plugin.recordError(resource.name, operation, error);
          throw error;
        }
      });
    }
  }

  recordOperation(resourceName, operation, duration, isError) {
    const add = (table) => {
      const entry = table[operation];
      if (!entry) return;
      entry.count += 1;
      entry.totalTime += duration;
      if (isError) entry.errors += 1;
    };
    add(this.metrics.operations);
    add(this.metrics.resources[resourceName] ||= counters());
    if (this.config.collectPerformance) {
      this.metrics.performance.push({ resourceName, operation, duration, timestamp: new Date().toISOString() });
    }
  }

  recordError(resourceName, operation, error) {
    if (!this.config.collectErrors) return;
    this.metrics.errors.push({ resourceName, operation, error: error.message, stack: error.stack, timestamp: new Date().toISOString() });
  }

  /** Writes the counters and logs gathered since the last flush, then starts again from zero. */
  async flushMetrics() {
    if (!this.metricsResource) return;
    const now = new Date();
    const timestamp = now.toISOString();
    const createdAt = timestamp.slice(0, 10);
    const operationRows = (resourceName, table, metadata) => Object.entries(table)
      .filter(([, data]) => data.count > 0)
      .map(([operation, data]) => ({
        id: logId('metrics'), type: 'operation', resourceName, operation, count: data.count, totalTime: data.totalTime,
        errors: data.errors, avgTime: data.totalTime / data.count, timestamp, createdAt, metadata,
      }));
    const rows = [
      ...operationRows('global', this.metrics.operations, inTests() ? {} : { global: 'true' }),
      ...Object.entries(this.metrics.resources).flatMap(([name, table]) => operationRows(name, table, inTests() ? {} : { resource: 'true' })),
    ];
    const performanceRows = this.config.collectPerformance ? this.metrics.performance.map((p) => ({
      id: logId('perf'), ...p, createdAt: p.timestamp.slice(0, 10), metadata: inTests() ? {} : { perf: 'true' },
    })) : [];
    const errorRows = this.config.collectErrors ? this.metrics.errors.map(({ stack, ...e }) => ({
      id: logId('error'), ...e, createdAt: e.timestamp.slice(0, 10), metadata: inTests() ? {} : { error: 'true', stack },
    })) : [];
    try {
      await this.metricsResource.insertMany(rows);
      if (this.performanceResource) await this.performanceResource.insertMany(performanceRows);
      if (this.errorsResource) await this.errorsResource.insertMany(errorRows);
      this.resetMetrics();
    } catch (error) {
      process.emitWarning(`MetricsPlugin: flush failed: ${error.message}`, { code: 'S3DB_METRICS' });
    }
  }

  resetMetrics() {
    this.metrics.operations = counters();
    for (const name of Object.keys(this.metrics.resources)) this.metrics.resources[name] = counters();
    this.metrics.performance = [];
    this.metrics.errors = [];
  }

  async getMetrics({ type = 'operation', ...filter } = {}) {
    return select(this.metricsResource, filter, (metric) => !type || metric.type === type);
  }

  async getErrorLogs(filter = {}) {
    return select(this.errorsResource, filter);
  }

  async getPerformanceLogs(filter = {}) {
    return select(this.performanceResource, filter);
  }

  /** Totals of the last 24 hours of flushed metrics. */
  async getStats() {
    const now = new Date();
    const since = new Date(now.getTime() - 86400000).toISOString();
    const [metrics, errors] = await Promise.all([this.getMetrics({ startDate: since, limit: Infinity }), this.getErrorLogs({ startDate: since, limit: Infinity })]);
    const stats = {
      period: '24h',
      totalOperations: 0,
      totalErrors: errors.length,
      avgResponseTime: 0,
      operationsByType: {},
      resources: {},
      uptime: { startTime: this.metrics.startTime, duration: now.getTime() - new Date(this.metrics.startTime).getTime() },
    };
    let totalTime = 0;
    for (const metric of metrics) {
      stats.totalOperations += metric.count;
      totalTime += metric.totalTime;
      const entry = stats.operationsByType[metric.operation] ||= { count: 0, errors: 0, avgTime: 0, totalTime: 0 };
      entry.count += metric.count;
      entry.errors += metric.errors;
      entry.totalTime += metric.totalTime;
      entry.avgTime = entry.totalTime / entry.count;
    }
    for (const entry of Object.values(stats.operationsByType)) delete entry.totalTime;
    stats.avgResponseTime = stats.totalOperations > 0 ? totalTime / stats.totalOperations : 0;
    return stats;
  }

  /** Deletes flushed metrics and logs older than `retentionDays`. */
  async cleanupOldData() {
    const cutoff = new Date(Date.now() - this.config.retentionDays * 86400000).toISOString().slice(0, 10);
    for (const resource of [this.metricsResource, this.errorsResource, this.performanceResource]) {
      if (!resource) continue;
      const old = (await resource.getAll()).filter((row) => row.createdAt < cutoff).map((row) => row.id);
      if (old.length) await resource.deleteMany(old);
    }
  }

  async getPrometheusMetrics() {
    return formatPrometheus(this.metrics, { includeResourceLabels: this.config.prometheus.includeResourceLabels });
  }
}

/** Rows of `resource` matching the filter, newest first, paged. */
async function select(resource, { resourceName, operation, startDate, endDate, limit = 100, offset = 0 } = {}, extra = () => true) {
  if (!resource) return [];
  const from = startDate ? new Date(startDate).getTime() : -Infinity;
  const to = endDate ? new Date(endDate).getTime() : Infinity;
  const rows = (await resource.getAll()).filter((row) => extra(row)
    && (!resourceName || row.resourceName === resourceName)
    && (!operation || row.operation === operation)
    && new Date(row.timestamp).getTime() >= from && new Date(row.timestamp).getTime() <= to);
  rows.sort((a, b) => b.timestamp.localeCompare(a.timestamp));
  return rows.slice(offset, offset + limit);
}

module.exports = { MetricsPlugin };
