'use strict';
// SqsConsumer: long-polls an SQS queue through the optional peer `@aws-sdk/client-sqs`, hands each
// message to `onMessage({$body, $attributes, $raw})` and deletes it only once that resolved (a
// failed message becomes visible again for a retry). Its timer never keeps the process alive.

const { loadPeer } = require('../replicator/base.cjs');

class SqsConsumer {
  constructor({ queueUrl, onMessage, onError, poolingInterval = 5000, maxMessages = 10, waitTimeSeconds = 10, region = 'us-east-1', credentials, endpoint, client, driver = 'sqs' } = {}) {
    this.driver = driver;
    this.queueUrl = queueUrl;
    this.onMessage = onMessage;
    this.onError = onError;
    this.poolingInterval = poolingInterval;
    this.maxMessages = maxMessages;
    this.waitTimeSeconds = waitTimeSeconds;
    this.region = region;
    this.credentials = credentials;
    this.endpoint = endpoint;
    this.sqs = client || null;
    this._ownsClient = !client;
    this._stopped = false;
    this._timer = null;
  }

  async start() {
    this._sdk = loadPeer('@aws-sdk/client-sqs', 'SqsConsumer');
    if (!this.sqs) this.sqs = new this._sdk.SQSClient({ region: this.region, credentials: this.credentials, endpoint: this.endpoint });
    this._stopped = false;
    this._schedule(0);
  }

  async stop() {
    this._stopped = true;
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
    if (this._polling) await this._polling.catch(() => {});
    if (this._ownsClient && this.sqs && typeof this.sqs.destroy === 'function') this.sqs.destroy();
  }

  _schedule(delay) {
    if (this._stopped) return;
    this._timer = setTimeout(() => {
      this._polling = this._poll().finally(() => this._schedule(this.poolingInterval));
    }, delay);
    this._timer.unref();
  }

  _reportError(error, raw) {
    if (typeof this.onError === 'function') this.onError(error, raw);
  }

  async _poll() {
    let messages;
    try {
      ({ Messages: messages = [] } = await this.sqs.send(new this._sdk.ReceiveMessageCommand({
        QueueUrl: this.queueUrl, MaxNumberOfMessages: this.maxMessages, WaitTimeSeconds: this.waitTimeSeconds, MessageAttributeNames: ['All'],
      })));
    } catch (error) {
      this._reportError(error);
      return;
    }
    for (const message of messages) {
      if (this._stopped) return;
      try {
        await this.onMessage(this._parseMessage(message), message);
        await this.sqs.send(new this._sdk.DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.ReceiptHandle }));
      } catch (error) {
        this._reportError(error, message);
      }
    }
  }

  _parseMessage(message) {
    let body;
    try {
      body = JSON.parse(message.Body);
    } catch {
      body = message.Body;
    }
    const attributes = Object.fromEntries(Object.entries(message.MessageAttributes || {}).map(([name, value]) => [name, value.StringValue]));
    return { $body: body, $attributes: attributes, $raw: message };
  }
}

module.exports = { SqsConsumer };
