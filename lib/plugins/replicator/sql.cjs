'use strict';
// SQL for the table replicators, per dialect (PostgreSQL, MySQL/MariaDB/PlanetScale, SQLite/
// Turso): quoted identifiers, parameter placeholders, an upsert keyed on `id`, and the column type
// of an s3db attribute for schema sync. Values that are objects or arrays travel as JSON text.

const DIALECTS = {
  postgres: {
    quote: (name) => `"${String(name).replace(/"/g, '""')}"`,
    placeholder: (index) => `$${index + 1}`,
    upsertTail: (columns, quote) => `ON CONFLICT (${quote('id')}) DO ${columns.length ? `UPDATE SET ${columns.map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`).join(', ')}` : 'NOTHING'}`,
    types: { text: 'TEXT', varchar: (n) => `VARCHAR(${n})`, integer: 'BIGINT', float: 'DOUBLE PRECISION', boolean: 'BOOLEAN', json: 'JSONB', decimal: 'NUMERIC', date: 'TIMESTAMP WITH TIME ZONE', id: 'VARCHAR(255) PRIMARY KEY' },
  },
  mysql: {
    quote: (name) => `\`${String(name).replace(/`/g, '``')}\``,
    placeholder: () => '?',
    upsertTail: (columns, quote) => `ON DUPLICATE KEY UPDATE ${(columns.length ? columns : ['id']).map((c) => `${quote(c)} = VALUES(${quote(c)})`).join(', ')}`,
    types: { text: 'TEXT', varchar: (n) => (n <= 255 ? `VARCHAR(${n})` : 'TEXT'), integer: 'BIGINT', float: 'DOUBLE', boolean: 'TINYINT(1)', json: 'JSON', decimal: 'DECIMAL(20,6)', date: 'DATETIME', id: 'VARCHAR(255) PRIMARY KEY' },
  },
  sqlite: {
    quote: (name) => `"${String(name).replace(/"/g, '""')}"`,
    placeholder: () => '?',
    upsertTail: (columns, quote) => `ON CONFLICT(${quote('id')}) DO ${columns.length ? `UPDATE SET ${columns.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}` : 'NOTHING'}`,
    types: { text: 'TEXT', varchar: () => 'TEXT', integer: 'INTEGER', float: 'REAL', boolean: 'INTEGER', json: 'TEXT', decimal: 'REAL', date: 'TEXT', id: 'TEXT PRIMARY KEY' },
  },
};

function dialectOf(name) {
  const dialect = DIALECTS[name];
  if (!dialect) throw new Error(`unknown SQL dialect '${name}'`);
  return dialect;
}

/** `schema.table` quoted part by part. */
function quoteTable(dialect, table) {
  return String(table).split('.').map(dialect.quote).join('.');
}

/** A value as the drivers send it: JSON text for objects and arrays, ISO text for dates. */
function columnValue(value) {
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  if (value === undefined) return null;
  return value;
}

/** `INSERT … ON CONFLICT/DUPLICATE … UPDATE` of a row that has an `id`. */
function upsertStatement(dialectName, table, row) {
  const dialect = dialectOf(dialectName);
  const columns = Object.keys(row);
  const values = columns.map((column) => columnValue(row[column]));
  const sql = `INSERT INTO ${quoteTable(dialect, table)} (${columns.map(dialect.quote).join(', ')}) `
    + `VALUES (${columns.map((_, i) => dialect.placeholder(i)).join(', ')}) `
    + dialect.upsertTail(columns.filter((column) => column !== 'id'), dialect.quote);
  return { sql, values };
}

function deleteStatement(dialectName, table, id) {
  const dialect = dialectOf(dialectName);
  return { sql: `DELETE FROM ${quoteTable(dialect, table)} WHERE ${dialect.quote('id')} = ${dialect.placeholder(0)}`, values: [id] };
}

/** The column type of an s3db attribute definition (`'string|max:50'`, `{type: 'object', …}`, nested objects). */
function columnType(dialectName, definition) {
  const { types } = dialectOf(dialectName);
  if (definition && typeof definition === 'object' && !Array.isArray(definition)) {
    if (typeof definition.type !== 'string') return types.json;
    const { type, ...rules } = definition;
    return columnType(dialectName, [type, ...Object.entries(rules).map(([k, v]) => `${k}:${v}`)].join('|'));
  }
  const [type, ...rules] = String(definition).split('|');
  const base = type.split(':')[0].trim();
  const rule = (name) => rules.map((r) => r.split(':')).find(([key]) => key === name);
  if (['string', 'email', 'url', 'secret', 'uuid', 'password', 'ip4', 'ip6', 'enum'].includes(base)) {
    const max = rule('max');
    return max && Number(max[1]) > 0 ? types.varchar(Number(max[1])) : types.text;
  }
  if (base === 'number') return rules.includes('integer') ? types.integer : types.float;
  if (base === 'boolean') return types.boolean;
  if (base === 'date') return types.date;
  if (['money', 'decimal'].includes(base)) return types.decimal;
  if (['object', 'json', 'array', 'embedding', 'any', 'geo'].includes(base) || base.startsWith('geo')) return types.json;
  return types.text;
}

/** The attributes a table mirrors: the resource's own, not its plugins' or `id`. */
function replicatedAttributes(resource) {
  const attributes = { ...(resource.attributes || resource.config?.attributes || {}) };
  const pluginNames = new Set(Object.values(resource.schema?._pluginAttributes || {}).flat());
  for (const name of Object.keys(attributes)) if (name === 'id' || pluginNames.has(name) || name.startsWith('$$')) delete attributes[name];
  return attributes;
}

function createTableStatement(dialectName, table, attributes) {
  const dialect = dialectOf(dialectName);
  const columns = [`${dialect.quote('id')} ${dialect.types.id}`];
  for (const [name, definition] of Object.entries(attributes)) columns.push(`${dialect.quote(name)} ${columnType(dialectName, definition)}`);
  return `CREATE TABLE IF NOT EXISTS ${quoteTable(dialect, table)} (${columns.join(', ')})`;
}

/** `ALTER TABLE … ADD COLUMN` for each attribute the table lacks (`existing`: lower-cased column names). */
function addColumnStatements(dialectName, table, attributes, existing) {
  const dialect = dialectOf(dialectName);
  return Object.entries(attributes)
    .filter(([name]) => !existing.has(name.toLowerCase()))
    .map(([name, definition]) => `ALTER TABLE ${quoteTable(dialect, table)} ADD COLUMN ${dialect.quote(name)} ${columnType(dialectName, definition)}`);
}

module.exports = { upsertStatement, deleteStatement, columnType, createTableStatement, addColumnStatements, replicatedAttributes, quoteTable, dialectOf, columnValue };
