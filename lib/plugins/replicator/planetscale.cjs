'use strict';
// PlanetScaleReplicator: changes become rows of PlanetScale (MySQL) tables over its HTTP API,
// through the optional peer `@planetscale/database`.

const { SqlTableReplicator } = require('./sql-table.cjs');
const { loadPeer } = require('./base.cjs');

class PlanetScaleReplicator extends SqlTableReplicator {
  constructor(config = {}, resources = {}) {
    super(config, resources);
    this.host = config.host;
    this.username = config.username;
    this.password = config.password;
    this.connection = null;
    this.resources = this.parseResourcesConfig(resources);
  }

  get dialect() { return 'mysql'; }

  connectionErrors() {
    const errors = [];
    if (!this.host) errors.push('Host is required');
    if (!this.username) errors.push('Username is required');
    if (!this.password) errors.push('Password is required');
    return errors;
  }

  async openConnection() {
    const { connect } = loadPeer('@planetscale/database', this.name);
    this.connection = connect({ host: this.host, username: this.username, password: this.password });
  }

  async query(text, values) {
    const result = await this.connection.execute(text, values);
    return { rows: result.rows || [], rowCount: result.rowsAffected ?? (result.rows || []).length };
  }

  async tableColumns(table) {
    const { rows } = await this.query('SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [table]);
    return rows.length ? new Set(rows.map((row) => String(row.name).toLowerCase())) : null;
  }

  async disconnect() {
    this.connection = null;
  }
}

module.exports = { PlanetScaleReplicator };
