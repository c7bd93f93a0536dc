'use strict';
// Backups in the BackupPlugin layout: `s3db.json` (schemas and stats) plus one JSON Lines file
// per resource, `<name>.jsonl` or gzip-compressed `<name>.jsonl.gz`. The engine produces and
// consumes the records; this module only moves files.

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { call } = require('./native.cjs');
const { S3dbError } = require('./errors.cjs');

const IMPORT_BATCH = 1000;

/** The database whose resources are backed up: the one given, or a fresh one on `client`. */
async function databaseFor(client, database) {
  if (database) {
    if (!database.isConnected()) await database.connect();
    return database;
  }
  const { Database } = require('./database.cjs');
  const opened = new Database({ client });
  await opened.connect();
  return opened;
}

function chosen(names, filter) {
  return filter && filter.length ? names.filter((name) => filter.includes(name)) : names;
}

/** Writes a backup of `client`'s resources into `outputDir`; resolves to the manifest. */
async function exportBackup(client, outputDir, { compress = false, database, resources, onProgress } = {}) {
  const db = await databaseFor(client, database);
  fs.mkdirSync(outputDir, { recursive: true });
  const manifest = {
    version: '1.0',
    timestamp: new Date().toISOString(),
    bucket: client.bucket,
    keyPrefix: client.keyPrefix || '',
    compressed: Boolean(compress),
    resources: {},
    totalRecords: 0,
    totalSize: 0,
  };
  for (const name of chosen(Object.keys(db.resources), resources)) {
    const resource = db.resources[name];
    const text = await call(() => resource._native.exportJsonl());
    const recordCount = text ? text.split('\n').length : 0;
    const content = text ? `${text}\n` : '';
    const file = path.join(outputDir, `${name}.jsonl${compress ? '.gz' : ''}`);
    const bytes = compress ? zlib.gzipSync(content) : Buffer.from(content);
    fs.writeFileSync(file, bytes);
    manifest.resources[name] = {
      schema: { attributes: resource.attributes, partitions: resource.config.partitions, behavior: resource.behavior, timestamps: resource.config.timestamps },
      stats: { recordCount, fileSize: bytes.length },
    };
    manifest.totalRecords += recordCount;
    manifest.totalSize += bytes.length;
    if (onProgress) onProgress({ resource: name, records: recordCount });
  }
  fs.writeFileSync(path.join(outputDir, 's3db.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

/** Writes documents under their ids through the engine; resolves to `{imported, errors: [{index, error}]}`. */
async function importDocuments(resource, documents) {
  return JSON.parse(await call(() => resource._native.importRecords(JSON.stringify(documents))));
}

function readLines(file) {
  const bytes = fs.readFileSync(file);
  const text = file.endsWith('.gz') ? zlib.gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** Loads a backup into `client`; resolves to `{resourcesImported, recordsImported, errors}`. */
async function importBackup(client, backupDir, { clear = false, database, resources, onProgress } = {}) {
  const manifestPath = path.join(backupDir, 's3db.json');
  if (!fs.existsSync(manifestPath)) {
    throw new S3dbError({ message: `Not a backup directory (no s3db.json): ${backupDir}` });
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  if (clear) await client.clear();
  const db = await databaseFor(client, database);
  if (clear) await db.connect();
  const stats = { resourcesImported: 0, recordsImported: 0, errors: [] };
  for (const name of chosen(Object.keys(manifest.resources || {}), resources)) {
    const { schema = {} } = manifest.resources[name];
    const resource = db.resources[name] || await db.createResource({ name, ...schema });
    const file = [`${name}.jsonl.gz`, `${name}.jsonl`].map((f) => path.join(backupDir, f)).find((f) => fs.existsSync(f));
    if (!file) {
      stats.errors.push({ resource: name, error: `missing ${name}.jsonl(.gz)` });
      continue;
    }
    const lines = readLines(file);
    for (let start = 0; start < lines.length; start += IMPORT_BATCH) {
      const batch = lines.slice(start, start + IMPORT_BATCH);
      const documents = [];
      batch.forEach((line, offset) => {
        try {
          documents.push(JSON.parse(line));
        } catch (error) {
          stats.errors.push({ resource: name, line: start + offset + 1, error: `invalid JSON: ${error.message}` });
        }
      });
      const outcome = await importDocuments(resource, documents);
      stats.recordsImported += outcome.imported;
      for (const { index, error } of outcome.errors) stats.errors.push({ resource: name, record: documents[index] && documents[index].id, error: error.message });
      if (onProgress) onProgress({ resource: name, records: Math.min(start + IMPORT_BATCH, lines.length), total: lines.length });
    }
    stats.resourcesImported += 1;
  }
  return stats;
}

module.exports = { exportBackup, importBackup, importDocuments };
