'use strict';
// MongoDBReplicator: changes become documents of MongoDB collections through the optional peer
// `mongodb`. The record id is the document `_id`; inserts and updates replace the document
// (upsert), deletes remove it; `logCollection` records every change.

const { TableReplicator, loadPeer, withoutInternalFields } = require('./base.cjs');

class MongoDBReplicator extends TableReplicator {
  constructor(config = {}, resources = {}) {
    super(config, resources);
    this.connectionString = config.connectionString;
    this.host = config.host || 'localhost';
    this.port = config.port || 27017;
    this.database = config.database;
    this.username = config.username;
    this.password = config.password;
    this.options = config.options || {};
    this.logCollection = config.logCollection;
    this.client = null;
    this.db = null;
    this.resources = this.parseResourcesConfig(resources);
  }

  get targetKey() { return 'collection'; }

  get targetLabel() { return 'Collection'; }

  connectionErrors() {
    return !this.connectionString && !this.database ? ['Database name or connection string is required'] : [];
  }

  _cleanInternalFields(data) {
    return withoutInternalFields(data, ['_id']);
  }

  _uri() {
    if (this.connectionString) return this.connectionString;
    const auth = this.username ? `${encodeURIComponent(this.username)}:${encodeURIComponent(this.password || '')}@` : '';
    return `mongodb://${auth}${this.host}:${this.port}/${this.database}`;
  }

  async connect() {
    const { MongoClient } = loadPeer('mongodb', this.name);
    this.client = new MongoClient(this._uri(), this.options);
    await this.client.connect();
    this.db = this.client.db(this.database);
    this.connected = true;
  }

  async ping() {
    await this.db.command({ ping: 1 });
  }

  async writeChange(target, operation, row, id, resourceName) {
    const collection = this.db.collection(target.collection);
    if (operation === 'delete') await collection.deleteOne({ _id: id });
    else await collection.replaceOne({ _id: id }, { ...row, _id: id }, { upsert: true });
    if (this.logCollection) {
      await this.db.collection(this.logCollection).insertOne({ resource_name: resourceName, operation, record_id: id, data: row, timestamp: new Date(), source: 's3db-replicator' });
    }
    return {};
  }

  async disconnect() {
    if (this.client) await this.client.close().catch(() => {});
    this.client = null;
    this.db = null;
  }

  async getStatus() {
    return { ...await super.getStatus(), database: this.database, logCollection: this.logCollection || null };
  }
}

module.exports = { MongoDBReplicator };
