'use strict';
// SqsReplicator: sends each change as a JSON message to Amazon SQS (or any SQS-compatible queue)
// through the optional peer `@aws-sdk/client-sqs`. Queues: `resourceQueueMap` (several per
// resource), `queues` / per-resource `queueUrl`, then `queueUrl`, then `defaultQueue`. FIFO queues
// get `messageGroupId` and, with `deduplicationId: true`, `<resource>:<action>:<id>`.

const { BaseReplicator, changeMessage, loadPeer, resourceFlags } = require('./base.cjs');

const SOURCE = 's3db-replicator';
const SQS_BATCH_LIMIT = 10;

class SqsReplicator extends BaseReplicator {
  constructor(config = {}, resources = [], client = null) {
    super(config);
    this.client = client;
    this.queueUrl = config.queueUrl;
    this.queues = config.queues || {};
    this.defaultQueue = config.defaultQueue || null;
    this.region = config.region || 'us-east-1';
    this.sqsClient = client || null;
    this.messageGroupId = config.messageGroupId;
    this.deduplicationId = config.deduplicationId;
    this.resourceQueueMap = config.resourceQueueMap || null;
    this.resources = resourceFlags(resources);
    if (!Array.isArray(resources) && resources && typeof resources === 'object') {
      for (const [name, settings] of Object.entries(resources)) if (settings && settings.queueUrl) this.queues[name] = settings.queueUrl;
    }
  }

  validateConfig() {
    const errors = [];
    if (!this.queueUrl && Object.keys(this.queues).length === 0 && !this.defaultQueue && !this.resourceQueueMap) {
      errors.push('Either queueUrl, queues object, defaultQueue, or resourceQueueMap must be provided');
    }
    return { isValid: errors.length === 0, errors };
  }

  getQueueUrlsForResource(resource) {
    if (this.resourceQueueMap && this.resourceQueueMap[resource]) return this.resourceQueueMap[resource];
    if (this.queues[resource]) return [this.queues[resource]];
    if (this.queueUrl) return [this.queueUrl];
    if (this.defaultQueue) return [this.defaultQueue];
    throw new Error(`No queue URL found for resource '${resource}'`);
  }

  createMessage(resource, operation, data, id, beforeData = null) {
    return changeMessage(SOURCE, resource, operation, data, beforeData);
  }

  _sdk() {
    return loadPeer('@aws-sdk/client-sqs', 'SqsReplicator');
  }

  async initialize(database, client) {
    await super.initialize(database);
    if (this.sqsClient) return;
    try {
      const { SQSClient } = this._sdk();
      this.sqsClient = client || new SQSClient({ region: this.region, credentials: this.config.credentials, endpoint: this.config.endpoint });
    } catch (error) {
      this.emit('initialization_error', { replicator: this.name, error: error.message });
      throw error;
    }
    this.emit('initialized', { replicator: this.name, queueUrl: this.queueUrl, queues: this.queues, defaultQueue: this.defaultQueue });
  }

  _fifoFields(resource, operation, id) {
    return {
      ...(this.messageGroupId ? { MessageGroupId: this.messageGroupId } : {}),
      ...(this.deduplicationId ? { MessageDeduplicationId: `${resource}:${operation}:${id}` } : {}),
    };
  }

  async replicate(resource, operation, data, id, beforeData = null) {
    if (this.enabled === false) return { skipped: true, reason: 'replicator_disabled' };
    if (!this.shouldReplicateResource(resource)) return { skipped: true, reason: 'resource_not_included' };
    try {
      const { SendMessageCommand } = this._sdk();
      const message = JSON.stringify(this.createMessage(resource, operation, this._applyTransformer(resource, data), id, beforeData));
      const results = [];
      for (const queueUrl of this.getQueueUrlsForResource(resource)) {
        const sent = await this.sqsClient.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message, ...this._fifoFields(resource, operation, id) }));
        results.push({ queueUrl, messageId: sent.MessageId });
        this.emit('replicated', { replicator: this.name, resource, operation, id, queueUrl, messageId: sent.MessageId, success: true });
      }
      return { success: true, results };
    } catch (error) {
      this._warn(`replicating ${resource}/${id} failed: ${error.message}`);
      this.emit('replicator_error', { replicator: this.name, resource, operation, id, error: error.message });
      return { success: false, error: error.message };
    }
  }

  /** Sends the records in SQS batches of ten to every queue of the resource. */
  async replicateBatch(resource, records) {
    if (this.enabled === false) return { skipped: true, reason: 'replicator_disabled' };
    if (!this.shouldReplicateResource(resource)) return { skipped: true, reason: 'resource_not_included' };
    try {
      const { SendMessageBatchCommand } = this._sdk();
      const queueUrls = this.getQueueUrlsForResource(resource);
      const results = [];
      const failed = [];
      for (let start = 0; start < records.length; start += SQS_BATCH_LIMIT) {
        const entries = records.slice(start, start + SQS_BATCH_LIMIT).map((record, index) => ({
          Id: String(start + index),
          MessageBody: JSON.stringify(this.createMessage(resource, record.operation, this._applyTransformer(resource, record.data), record.id, record.beforeData)),
          ...this._fifoFields(resource, record.operation, record.id),
        }));
        for (const queueUrl of queueUrls) {
          const sent = await this.sqsClient.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
          results.push(sent);
          for (const failure of (sent && sent.Failed) || []) failed.push({ queueUrl, id: failure.Id, error: failure.Message || failure.Code });
        }
      }
      this.emit('batch_replicated', { replicator: this.name, resource, queueUrl: queueUrls[0], total: records.length, successful: records.length - failed.length, errors: failed.length });
      return { success: failed.length === 0, results, errors: failed, total: records.length, queueUrl: queueUrls[0] };
    } catch (error) {
      this._warn(`batch for ${resource} failed: ${error.message}`);
      this.emit('batch_replicator_error', { replicator: this.name, resource, error: error.message });
      return { success: false, error: error.message };
    }
  }

  async testConnection() {
    return this._connectionCheck(async () => {
      if (!this.sqsClient) await this.initialize(this.database);
      const { GetQueueAttributesCommand } = this._sdk();
      await this.sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: this.getQueueUrlsForResource(Object.keys(this.resources)[0])[0], AttributeNames: ['QueueArn'] }));
    });
  }

  async getStatus() {
    return {
      ...await super.getStatus(),
      connected: Boolean(this.sqsClient),
      queueUrl: this.queueUrl,
      region: this.region,
      resources: Object.keys(this.resources),
      ...this._listenerStats(),
    };
  }

  async cleanup() {
    if (this.sqsClient && !this.client && typeof this.sqsClient.destroy === 'function') this.sqsClient.destroy();
    await super.cleanup();
  }

  shouldReplicateResource(resource) {
    return Boolean((this.resourceQueueMap && Object.prototype.hasOwnProperty.call(this.resourceQueueMap, resource))
      || Object.prototype.hasOwnProperty.call(this.queues, resource)
      || this.defaultQueue || this.queueUrl
      || Object.prototype.hasOwnProperty.call(this.resources, resource));
  }
}

module.exports = { SqsReplicator };
