'use strict';
// PostgresReplicator: changes become rows of PostgreSQL tables through the optional peer `pg`
// (`connectionString`, or `host`, `port` (5432), `database`, `user`, `password`, `ssl`).

const { SqlTableReplicator } = require('./sql-table.cjs');
const { loadPeer } = require('./base.cjs');

class PostgresReplicator extends SqlTableReplicator {
  constructor(config = {}, resources = {}) {
    super(config, resources);
    this.connectionString = config.connectionString;
    this.host = config.host;
    this.port = config.port || 5432;
    this.database = config.database;
    this.user = config.user;
    this.password = config.password;
    this.ssl = config.ssl;
    this.logTable = config.logTable;
    this.client = null;
    this.resources = this.parseResourcesConfig(resources);
  }

  get dialect() { return 'postgres'; }

  connectionErrors() {
    return !this.connectionString && (!this.host || !this.database) ? ['Either connectionString or host+database must be provided'] : [];
  }

  async openConnection() {
    const { Client } = loadPeer('pg', this.name);
    const settings = this.connectionString
      ? { connectionString: this.connectionString, ssl: this.ssl }
      : { host: this.host, port: this.port, database: this.database, user: this.user, password: this.password, ssl: this.ssl };
    this.client = new Client(settings);
    await this.client.connect();
  }

  async query(text, values) {
    const result = await this.client.query(text, values);
    return { rows: result.rows, rowCount: result.rowCount };
  }

  async tableColumns(table) {
    const [schema, name] = table.includes('.') ? table.split('.') : ['public', table];
    const { rows } = await this.query('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [schema, name]);
    return rows.length ? new Set(rows.map((row) => row.column_name.toLowerCase())) : null;
  }

  async disconnect() {
    if (this.client) await this.client.end().catch(() => {});
    this.client = null;
  }

  async getStatus() {
    return { ...await super.getStatus(), database: this.database || 'postgres', logTable: this.logTable || null };
  }
}

module.exports = { PostgresReplicator };
