'use strict';
// MySQLReplicator (drivers `mysql` and `mariadb`): changes become rows of MySQL or MariaDB tables
// through the optional peer `mysql2` (a pool of `connectionLimit` connections).

const { SqlTableReplicator } = require('./sql-table.cjs');
const { loadPeer } = require('./base.cjs');

class MySQLReplicator extends SqlTableReplicator {
  constructor(config = {}, resources = {}) {
    super(config, resources);
    this.connectionString = config.connectionString;
    this.host = config.host || 'localhost';
    this.port = config.port || 3306;
    this.database = config.database;
    this.user = config.user;
    this.password = config.password;
    this.ssl = config.ssl;
    this.connectionLimit = config.connectionLimit || 10;
    this.logTable = config.logTable;
    this.pool = null;
    this.resources = this.parseResourcesConfig(resources);
  }

  get dialect() { return 'mysql'; }

  connectionErrors() {
    const errors = [];
    if (this.connectionString) return errors;
    if (!this.database) errors.push('Database name is required');
    if (!this.user) errors.push('Database user is required');
    if (!this.password) errors.push('Database password is required');
    return errors;
  }

  async openConnection() {
    const mysql = loadPeer('mysql2/promise', this.name);
    this.pool = this.connectionString
      ? mysql.createPool({ uri: this.connectionString, connectionLimit: this.connectionLimit, ssl: this.ssl })
      : mysql.createPool({ host: this.host, port: this.port, database: this.database, user: this.user, password: this.password, ssl: this.ssl, connectionLimit: this.connectionLimit });
  }

  async query(text, values) {
    const [result] = await this.pool.execute(text, values);
    return Array.isArray(result) ? { rows: result, rowCount: result.length } : { rows: [], rowCount: result.affectedRows };
  }

  async tableColumns(table) {
    const { rows } = await this.query('SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [table]);
    return rows.length ? new Set(rows.map((row) => String(row.name).toLowerCase())) : null;
  }

  async disconnect() {
    if (this.pool) await this.pool.end().catch(() => {});
    this.pool = null;
  }
}

module.exports = { MySQLReplicator };
