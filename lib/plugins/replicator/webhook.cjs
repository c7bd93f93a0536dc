'use strict';
// WebhookReplicator: POSTs (or PUT/PATCH…) each change as JSON to a URL, with bearer, basic or API
// key authentication, custom headers, a timeout, and retries with fixed or exponential backoff on
// network errors and on the configured statuses. With `batch`, `replicateBatch` sends
// `{batch: [messages]}` in requests of at most `batchSize` messages.

const { BaseReplicator, changeMessage, resourceFlags } = require('./base.cjs');

const SOURCE = 's3db-webhook-replicator';
const AUTH_TYPES = ['bearer', 'basic', 'apikey'];

class WebhookReplicator extends BaseReplicator {
  constructor(config = {}, resources = []) {
    super(config);
    this.url = config.url;
    if (!this.url) throw new Error('WebhookReplicator requires a "url" configuration');
    this.method = (config.method || 'POST').toUpperCase();
    this.headers = config.headers || {};
    this.timeout = config.timeout || 5000;
    this.retries = config.retries ?? 3;
    this.retryDelay = config.retryDelay || 1000;
    this.retryStrategy = config.retryStrategy || 'exponential';
    this.retryOnStatus = config.retryOnStatus || [429, 500, 502, 503, 504];
    this.batch = config.batch || false;
    this.batchSize = config.batchSize || 100;
    this.auth = config.auth || null;
    this.resources = resourceFlags(resources);
    this.stats = { totalRequests: 0, successfulRequests: 0, failedRequests: 0, retriedRequests: 0, totalRetries: 0 };
  }

  validateConfig() {
    const errors = [];
    if (!this.url) errors.push('URL is required');
    try {
      new URL(this.url);
    } catch {
      errors.push(`Invalid URL format: ${this.url}`);
    }
    const auth = this.auth;
    if (auth) {
      if (!auth.type) errors.push('auth.type is required when auth is configured');
      else if (!AUTH_TYPES.includes(auth.type)) errors.push(`auth.type must be one of: ${AUTH_TYPES.join(', ')}`);
      if (auth.type === 'bearer' && !auth.token) errors.push('auth.token is required for bearer authentication');
      if (auth.type === 'basic' && (!auth.username || !auth.password)) errors.push('auth.username and auth.password are required for basic authentication');
      if (auth.type === 'apikey' && (!auth.header || !auth.value)) errors.push('auth.header and auth.value are required for API key authentication');
    }
    return { isValid: errors.length === 0, errors };
  }

  _buildHeaders() {
    const headers = { 'Content-Type': 'application/json', 'User-Agent': SOURCE, ...this.headers };
    const auth = this.auth;
    if (auth && auth.type === 'bearer') headers.Authorization = `Bearer ${auth.token}`;
    if (auth && auth.type === 'basic') headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    if (auth && auth.type === 'apikey') headers[auth.header] = auth.value;
    return headers;
  }

  createPayload(resource, operation, data, id, beforeData = null) {
    return changeMessage(SOURCE, resource, operation, data, beforeData);
  }

  _delayBefore(attempt) {
    return this.retryStrategy === 'exponential' ? this.retryDelay * 2 ** attempt : this.retryDelay;
  }

  /** Sends one JSON body; resolves to `{success, status, statusText, error?}` after the retries. */
  async _makeRequest(payload, attempt = 0) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeout);
    let outcome;
    try {
      const response = await fetch(this.url, { method: this.method, headers: this._buildHeaders(), body: JSON.stringify(payload), signal: controller.signal });
      this.stats.totalRequests += 1;
      if (response.ok) {
        this.stats.successfulRequests += 1;
        await response.arrayBuffer().catch(() => null);
        return { success: true, status: response.status, statusText: response.statusText };
      }
      const text = await response.text().catch(() => '');
      outcome = { success: false, status: response.status, statusText: response.statusText, error: text || `HTTP ${response.status}: ${response.statusText}`, retry: this.retryOnStatus.includes(response.status) };
    } catch (error) {
      this.stats.totalRequests += 1;
      outcome = { success: false, error: error.name === 'AbortError' ? `timed out after ${this.timeout} ms` : error.message, retry: true };
    } finally {
      clearTimeout(timer);
    }
    if (outcome.retry && attempt < this.retries) {
      this.stats.retriedRequests += 1;
      this.stats.totalRetries += 1;
      const delay = this._delayBefore(attempt);
      this._warn(`attempt ${attempt + 1} failed (${outcome.error}); retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      return this._makeRequest(payload, attempt + 1);
    }
    this.stats.failedRequests += 1;
    const { retry, ...result } = outcome;
    return result;
  }

  async initialize(database) {
    await super.initialize(database);
    const validation = this.validateConfig();
    if (!validation.isValid) {
      const error = new Error(`WebhookReplicator configuration is invalid: ${validation.errors.join(', ')}`);
      this.emit('initialization_error', { replicator: this.name, error: error.message, errors: validation.errors });
      throw error;
    }
    this.emit('initialized', { replicator: this.name, url: this.url, method: this.method, authType: this.auth?.type || 'none', resources: Object.keys(this.resources) });
  }

  shouldReplicateResource(resource) {
    return Object.keys(this.resources).length === 0 || Object.prototype.hasOwnProperty.call(this.resources, resource);
  }

  async replicate(resource, operation, data, id, beforeData = null) {
    if (this.enabled === false) return { skipped: true, reason: 'replicator_disabled' };
    if (!this.shouldReplicateResource(resource)) return { skipped: true, reason: 'resource_not_included' };
    let error;
    try {
      const response = await this._makeRequest(this.createPayload(resource, operation, this._applyTransformer(resource, data), id, beforeData));
      if (response.success) {
        this.emit('replicated', { replicator: this.name, resource, operation, id, url: this.url, status: response.status, success: true });
        return { success: true, status: response.status };
      }
      error = response.error || `HTTP ${response.status}: ${response.statusText}`;
    } catch (thrown) {
      error = thrown.message;
    }
    this._warn(`replicating ${resource}/${id} failed: ${error}`);
    this.emit('replicator_error', { replicator: this.name, resource, operation, id, error });
    return { success: false, error };
  }

  async replicateBatch(resource, records) {
    if (this.enabled === false) return { skipped: true, reason: 'replicator_disabled' };
    if (!this.shouldReplicateResource(resource)) return { skipped: true, reason: 'resource_not_included' };
    if (!this.batch) {
      const results = await Promise.allSettled(records.map((record) => this.replicate(resource, record.operation, record.data, record.id, record.beforeData)));
      const successful = results.filter((r) => r.status === 'fulfilled' && r.value.success).length;
      this.emit('batch_replicated', { replicator: this.name, resource, url: this.url, total: records.length, successful, errors: records.length - successful });
      return { success: successful === records.length, total: records.length, successful, errors: records.length - successful, results };
    }
    let successful = 0;
    let status;
    for (let start = 0; start < records.length; start += this.batchSize) {
      const chunk = records.slice(start, start + this.batchSize);
      const batch = chunk.map((record) => this.createPayload(resource, record.operation, this._applyTransformer(resource, record.data), record.id, record.beforeData));
      const response = await this._makeRequest({ batch });
      if (!response.success) {
        const error = response.error || `HTTP ${response.status}: ${response.statusText}`;
        this.emit('batch_replicator_error', { replicator: this.name, resource, error });
        return { success: false, error, total: records.length, successful, errors: records.length - successful };
      }
      successful += chunk.length;
      status = response.status;
    }
    this.emit('batch_replicated', { replicator: this.name, resource, url: this.url, total: records.length, successful, errors: 0, status });
    return { success: true, total: records.length, successful, errors: 0, status };
  }

  async testConnection() {
    return this._connectionCheck(async () => {
      const response = await this._makeRequest({ test: true, timestamp: new Date().toISOString(), source: SOURCE });
      if (!response.success) throw new Error(response.error || `HTTP ${response.status}`);
    });
  }

  async getStatus() {
    return {
      ...await super.getStatus(),
      url: this.url,
      method: this.method,
      authType: this.auth?.type || 'none',
      timeout: this.timeout,
      retries: this.retries,
      retryStrategy: this.retryStrategy,
      batchMode: this.batch,
      resources: Object.keys(this.resources),
      stats: { ...this.stats },
    };
  }
}

module.exports = { WebhookReplicator };
