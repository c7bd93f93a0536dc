'use strict';
// QueueConsumerPlugin: turns queue messages into writes. Each message `{resource, action, data}`
// (as ReplicatorPlugin's SQS driver sends them) inserts, updates or deletes a record of the named
// resource. Consumers: SQS and RabbitMQ, configured per driver with the resources they feed.

const { Plugin } = require('../plugin.cjs');
const { QueueError } = require('../../errors.cjs');
const { SqsConsumer } = require('./sqs.cjs');
const { RabbitMqConsumer } = require('./rabbitmq.cjs');

const CONSUMER_DRIVERS = { sqs: SqsConsumer, rabbitmq: RabbitMqConsumer };

function createConsumer(driver, config) {
  const Consumer = CONSUMER_DRIVERS[driver];
  if (!Consumer) throw new Error(`Unknown consumer driver: ${driver}. Available: ${Object.keys(CONSUMER_DRIVERS).join(', ')}`);
  return new Consumer(config);
}

class QueueConsumerPlugin extends Plugin {
  constructor(options = {}) {
    super(options);
    this.options = options;
    this.driversConfig = Array.isArray(options.consumers) ? options.consumers : [];
    this.consumers = [];
    this.stats = { processed: 0, failed: 0 };
  }

  async onInstall() {
    for (const { driver, config = {}, consumers = [] } of this.driversConfig) {
      for (const { resources, ...consumerConfig } of consumers) {
        for (const resource of [].concat(resources)) {
          const consumer = createConsumer(driver, {
            ...config,
            ...consumerConfig,
            onMessage: (message) => this._handleMessage(message, resource),
            onError: (error, raw) => this._handleError(error, raw, resource),
          });
          await consumer.start();
          this.consumers.push(consumer);
        }
      }
    }
  }

  async onStop() {
    for (const consumer of this.consumers) if (consumer && typeof consumer.stop === 'function') await consumer.stop();
    this.consumers = [];
  }

  async onUninstall() {
    await this.onStop();
  }

  /** Applies one message; resolves to the written record (or the delete's result). */
  async _handleMessage(message, configuredResource) {
    let body = (message && message.$body) || message;
    if (body && body.$body && !body.resource && !body.action && !body.data) body = body.$body;
    const resourceName = body.resource || message.resource;
    const action = body.action || message.action;
    const data = body.data || message.data;
    const fail = (text, details) => {
      throw new QueueError(text, { operation: 'handleMessage', queueName: configuredResource, resource: resourceName, messageBody: body, ...details });
    };
    if (!resourceName) fail('Resource not found in message', { suggestion: 'Messages name their target resource in "resource"' });
    if (!action) fail('Action not found in message', { suggestion: 'Messages name "action": insert, update or delete' });
    const resource = this.database.resources[resourceName];
    if (!resource) fail(`Resource '${resourceName}' not found`, { availableResources: Object.keys(this.database.resources) });
    let result;
    if (action === 'insert') result = await resource.insert(data);
    else if (action === 'update') {
      const { id, ...changes } = data;
      result = await resource.update(id, changes);
    } else if (action === 'delete') result = await resource.delete(data.id);
    else fail(`Unsupported action '${action}'`, { action, supportedActions: ['insert', 'update', 'delete'] });
    this.stats.processed += 1;
    this.emit('message_processed', { resource: resourceName, action, id: data && data.id });
    return result;
  }

  /** A failed message: counted and reported, never thrown into the consumer's loop. */
  _handleError(error, raw, resourceName) {
    this.stats.failed += 1;
    const event = { error: error && error.message, resource: resourceName, raw };
    if (this.listenerCount('error') > 0) this.emit('error', event);
    else this.emit('message_error', event);
  }
}

module.exports = { QueueConsumerPlugin, SqsConsumer, RabbitMqConsumer, createConsumer, CONSUMER_DRIVERS };
