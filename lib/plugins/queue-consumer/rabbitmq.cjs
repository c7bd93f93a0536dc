'use strict';
// RabbitMqConsumer: consumes a durable RabbitMQ queue through the optional peer `amqplib`, with
// `prefetch` unacknowledged messages at most; a message is acked once `onMessage` resolved and
// dead-lettered (nack without requeue) when it failed. A lost connection is retried every
// `reconnectInterval` ms until `stop()`.

const { loadPeer } = require('../replicator/base.cjs');

class RabbitMqConsumer {
  constructor({ amqpUrl, queue, prefetch = 10, reconnectInterval = 2000, onMessage, onError, driver = 'rabbitmq' } = {}) {
    this.amqpUrl = amqpUrl;
    this.queue = queue;
    this.prefetch = prefetch;
    this.reconnectInterval = reconnectInterval;
    this.onMessage = onMessage;
    this.onError = onError;
    this.driver = driver;
    this.connection = null;
    this.channel = null;
    this._stopped = false;
    this._retry = null;
  }

  async start() {
    this._amqp = loadPeer('amqplib', 'RabbitMqConsumer');
    this._stopped = false;
    await this._connect();
  }

  async stop() {
    this._stopped = true;
    if (this._retry) clearTimeout(this._retry);
    this._retry = null;
    const { channel, connection } = this;
    this.channel = null;
    this.connection = null;
    if (channel) await channel.close().catch(() => {});
    if (connection) await connection.close().catch(() => {});
  }

  _reportError(error, raw) {
    if (typeof this.onError === 'function') this.onError(error, raw);
  }

  async _connect() {
    try {
      this.connection = await this._amqp.connect(this.amqpUrl);
      this.connection.on('close', () => this._reconnectLater());
      this.connection.on('error', (error) => this._reportError(error));
      this.channel = await this.connection.createChannel();
      await this.channel.assertQueue(this.queue, { durable: true });
      await this.channel.prefetch(this.prefetch);
      await this.channel.consume(this.queue, (message) => this._deliver(message));
    } catch (error) {
      this._reportError(error);
      this._reconnectLater();
    }
  }

  _reconnectLater() {
    if (this._stopped || this._retry) return;
    this._retry = setTimeout(() => {
      this._retry = null;
      this._connect();
    }, this.reconnectInterval);
    this._retry.unref();
  }

  async _deliver(message) {
    if (message === null) return;
    const channel = this.channel;
    try {
      await this.onMessage({ $body: JSON.parse(message.content.toString()), $raw: message });
      channel.ack(message);
    } catch (error) {
      this._reportError(error, message);
      channel.nack(message, false, false);
    }
  }
}

module.exports = { RabbitMqConsumer };
