'use strict';
// TursoReplicator: changes become rows of Turso / libSQL (SQLite) tables through the optional
// peer `@libsql/client` (`url`: libsql://…, https://… or a local file:…; `authToken` for remote
// databases).

const { SqlTableReplicator } = require('./sql-table.cjs');
const { loadPeer } = require('./base.cjs');

class TursoReplicator extends SqlTableReplicator {
  constructor(config = {}, resources = {}) {
    super(config, resources);
    this.url = config.url;
    this.authToken = config.authToken;
    this.client = null;
    this.resources = this.parseResourcesConfig(resources);
  }

  get dialect() { return 'sqlite'; }

  connectionErrors() {
    const errors = [];
    if (!this.url) errors.push('URL is required');
    if (!this.authToken && !String(this.url || '').startsWith('file:')) errors.push('Auth token is required');
    return errors;
  }

  async openConnection() {
    const { createClient } = loadPeer('@libsql/client', this.name);
    this.client = createClient({ url: this.url, authToken: this.authToken });
  }

  async query(sql, args) {
    const result = await this.client.execute({ sql, args: args.map((value) => (typeof value === 'boolean' ? Number(value) : value)) });
    return { rows: result.rows, rowCount: result.rowsAffected };
  }

  async tableColumns(table) {
    const { rows } = await this.query(`SELECT name FROM pragma_table_info(?)`, [table]);
    return rows.length ? new Set(rows.map((row) => String(row.name).toLowerCase())) : null;
  }

  async disconnect() {
    if (this.client) this.client.close();
    this.client = null;
  }
}

module.exports = { TursoReplicator };
