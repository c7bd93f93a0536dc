'use strict';
// DynamoDBReplicator: changes become items of DynamoDB tables through the optional peers
// `@aws-sdk/client-dynamodb` and `@aws-sdk/lib-dynamodb`. Each table names its `primaryKey`
// (default `id`) and optional `sortKey`; inserts and updates put the whole item, deletes remove it.

const { TableReplicator, loadPeer } = require('./base.cjs');

class DynamoDBReplicator extends TableReplicator {
  constructor(config = {}, resources = {}) {
    super(config, resources);
    this.region = config.region ?? 'us-east-1';
    this.accessKeyId = config.accessKeyId;
    this.secretAccessKey = config.secretAccessKey;
    this.endpoint = config.endpoint;
    this.credentials = config.credentials;
    this.client = null;
    this.docClient = null;
    this.resources = this.parseResourcesConfig(resources);
  }

  targetFields(item) {
    return { primaryKey: item.primaryKey || 'id', ...(item.sortKey ? { sortKey: item.sortKey } : {}) };
  }

  connectionErrors() {
    return this.region === '' ? ['AWS region is required'] : [];
  }

  async connect() {
    const { DynamoDBClient } = loadPeer('@aws-sdk/client-dynamodb', this.name);
    const { DynamoDBDocumentClient } = loadPeer('@aws-sdk/lib-dynamodb', this.name);
    const credentials = this.credentials || (this.accessKeyId ? { accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey } : undefined);
    this.client = new DynamoDBClient({ region: this.region, endpoint: this.endpoint, credentials });
    this.docClient = DynamoDBDocumentClient.from(this.client, { marshallOptions: { removeUndefinedValues: true } });
    this.connected = true;
  }

  async writeChange(target, operation, row, id) {
    const { PutCommand, DeleteCommand } = loadPeer('@aws-sdk/lib-dynamodb', this.name);
    const item = { ...row };
    if (item[target.primaryKey] === undefined) item[target.primaryKey] = id;
    if (operation === 'delete') {
      const key = { [target.primaryKey]: item[target.primaryKey] };
      if (target.sortKey) key[target.sortKey] = item[target.sortKey];
      await this.docClient.send(new DeleteCommand({ TableName: target.table, Key: key }));
    } else {
      await this.docClient.send(new PutCommand({ TableName: target.table, Item: item }));
    }
    return {};
  }

  async disconnect() {
    if (this.client) this.client.destroy();
    this.client = null;
    this.docClient = null;
  }

  async getStatus() {
    return { ...await super.getStatus(), region: this.region, endpoint: this.endpoint || null };
  }
}

module.exports = { DynamoDBReplicator };
