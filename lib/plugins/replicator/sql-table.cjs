'use strict';
// The SQL replicators' shared part: inserts and updates are upserts keyed on `id` (a replayed or
// out-of-order change converges), deletes remove the row, an optional log table records every
// change, and schema sync creates or extends each table from the resource's attributes
// (`strategy`: 'alter' adds missing columns, 'drop-create' rebuilds, 'validate-only' checks).
// Subclasses connect (`openConnection`), run statements (`query`) and list a table's columns.

const { TableReplicator } = require('./base.cjs');
const sql = require('./sql.cjs');

class SqlTableReplicator extends TableReplicator {
  /** 'postgres', 'mysql' or 'sqlite'. */
  get dialect() { return 'postgres'; }

  async connect(database) {
    await this.openConnection();
    this.connected = true;
    if (this.logTable) await this.createLogTableIfNotExists();
    if (this.schemaSync.enabled) await this.syncSchemas(database);
  }

  async openConnection() { this._unimplemented('openConnection'); }

  /** Runs one statement; resolves to `{rows, rowCount}`. */
  async query() { this._unimplemented('query'); }

  /** The table's column names in lower case, or null when it does not exist. */
  async tableColumns() { this._unimplemented('tableColumns'); }

  async ping() {
    await this.query('SELECT 1', []);
  }

  async writeChange(target, operation, row, id, resourceName) {
    const statement = operation === 'delete'
      ? sql.deleteStatement(this.dialect, target.table, id)
      : sql.upsertStatement(this.dialect, target.table, { ...row, id });
    const result = await this.query(statement.sql, statement.values);
    if (this.logTable) await this._logChange(resourceName, operation, row, id);
    return { rowCount: result.rowCount ?? 0 };
  }

  async _logChange(resourceName, operation, row, id) {
    const dialect = sql.dialectOf(this.dialect);
    const columns = ['resource_name', 'operation', 'record_id', 'data', 'timestamp', 'source'];
    const values = [resourceName, operation, String(id), JSON.stringify(row), new Date().toISOString(), 's3db-replicator'];
    await this.query(`INSERT INTO ${sql.quoteTable(dialect, this.logTable)} (${columns.map(dialect.quote).join(', ')}) VALUES (${columns.map((_, i) => dialect.placeholder(i)).join(', ')})`, values);
  }

  async createLogTableIfNotExists() {
    const dialect = sql.dialectOf(this.dialect);
    const serial = { postgres: 'SERIAL PRIMARY KEY', mysql: 'BIGINT AUTO_INCREMENT PRIMARY KEY', sqlite: 'INTEGER PRIMARY KEY AUTOINCREMENT' }[this.dialect];
    const text = { postgres: 'JSONB', mysql: 'JSON', sqlite: 'TEXT' }[this.dialect];
    await this.query(`CREATE TABLE IF NOT EXISTS ${sql.quoteTable(dialect, this.logTable)} (`
      + `${dialect.quote('id')} ${serial}, ${dialect.quote('resource_name')} VARCHAR(255) NOT NULL, ${dialect.quote('operation')} VARCHAR(50) NOT NULL, `
      + `${dialect.quote('record_id')} VARCHAR(255) NOT NULL, ${dialect.quote('data')} ${text}, ${dialect.quote('timestamp')} VARCHAR(40), `
      + `${dialect.quote('source')} VARCHAR(100))`, []);
  }

  async syncSchemas(database) {
    for (const [resourceName, targets] of Object.entries(this.resources)) {
      const resource = database && database.resources[resourceName];
      if (!resource) {
        this._warn(`schema sync: resource '${resourceName}' does not exist yet`);
        continue;
      }
      const attributes = sql.replicatedAttributes(resource);
      for (const { table } of targets) {
        try {
          await this.syncTableSchema(table, attributes);
        } catch (error) {
          const message = `Schema sync failed for table ${table}: ${error.message}`;
          if (this.schemaSync.onMismatch === 'error') throw new Error(message);
          if (this.schemaSync.onMismatch === 'warn') console.warn(`[${this.name}] ${message}`);
        }
      }
    }
    this.emit('schema_sync_completed', { replicator: this.name, resources: Object.keys(this.resources) });
  }

  async syncTableSchema(table, attributes) {
    const { strategy } = this.schemaSync;
    const existing = await this.tableColumns(table);
    if (!existing) {
      if (!this.schemaSync.autoCreateTable) throw new Error(`Table ${table} does not exist and autoCreateTable is disabled`);
      if (strategy === 'validate-only') throw new Error(`Table ${table} does not exist (validate-only mode)`);
      await this.query(sql.createTableStatement(this.dialect, table, attributes), []);
      this.emit('table_created', { replicator: this.name, tableName: table, attributes: Object.keys(attributes) });
      return;
    }
    if (strategy === 'drop-create') {
      await this.query(`DROP TABLE IF EXISTS ${sql.quoteTable(sql.dialectOf(this.dialect), table)}`, []);
      await this.query(sql.createTableStatement(this.dialect, table, attributes), []);
      this.emit('table_recreated', { replicator: this.name, tableName: table, attributes: Object.keys(attributes) });
      return;
    }
    const missing = sql.addColumnStatements(this.dialect, table, attributes, existing);
    if (strategy === 'validate-only' && missing.length) throw new Error(`Table ${table} schema mismatch. Missing columns: ${missing.length}`);
    if (strategy === 'alter' && this.schemaSync.autoCreateColumns && missing.length) {
      for (const statement of missing) await this.query(statement, []);
      this.emit('table_altered', { replicator: this.name, tableName: table, addedColumns: missing.length });
    }
  }
}

module.exports = { SqlTableReplicator };
