'use strict';
// Backups in the BackupPlugin layout: `s3db.json` (schemas and stats) plus one JSON Lines file
// per resource, `<name>.jsonl`, gzip-compressed `<name>.jsonl.gz` (the default, as in s3db.js),
// or `<name>.jsonl.br` / `<name>.jsonl.zz` for brotli and deflate.
// Catalogued resources go through the engine as records; `resource=<name>/…` objects that no
// catalogue entry describes are kept as s3db.js's MemoryClient keeps them (raw): each object's
// metadata and JSON body as one line, restored object for object.

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

/** The catalogued resources to export: none when the store has no s3db.json (connecting would write one). */
async function cataloguedResources(client, database) {
  if (!database && !(await client.exists('s3db.json'))) return {};
  return (await databaseFor(client, database)).resources;
}

function chosen(names, filter) {
  return filter && filter.length ? names.filter((name) => filter.includes(name)) : names;
}

/** The `resource=<name>/…` keys no catalogued resource owns, by resource name. */
async function rawResourceKeys(client, catalogued, filter) {
  const groups = new Map();
  for (const key of await client.getAllKeys({ prefix: 'resource=' })) {
    const name = /^resource=([^/]+)\//.exec(key)[1];
    if (catalogued.has(name) || (filter && filter.length && !filter.includes(name))) continue;
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(key);
  }
  return groups;
}

/** One raw object as a line: its metadata, its JSON body's fields (or `_body`), and `id` from its key. */
async function rawLine(client, key) {
  const object = await client.getObject(key);
  const line = { ...object.Metadata };
  const id = /\/id=([^/]+)/.exec(key);
  if (id && line.id === undefined) line.id = id[1];
  const body = (await object.Body.transformToString()) || '';
  let parsed;
  if (body.startsWith('{')) {
    try {
      parsed = JSON.parse(body);
    } catch {
      // kept as text below
    }
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(line, parsed);
  else if (body) line._body = body;
  return JSON.stringify(line);
}

const CODECS = {
  none: { suffix: '', pack: (bytes) => bytes, unpack: (bytes) => bytes },
  gzip: { suffix: '.gz', pack: zlib.gzipSync, unpack: zlib.gunzipSync },
  brotli: { suffix: '.br', pack: zlib.brotliCompressSync, unpack: zlib.brotliDecompressSync },
  deflate: { suffix: '.zz', pack: zlib.deflateSync, unpack: zlib.inflateSync },
};

/** `compress` as the API takes it (true = gzip, false = none, or a codec name). */
function codecName(compress) {
  if (compress === undefined) return 'gzip';
  if (typeof compress !== 'string') return compress ? 'gzip' : 'none';
  if (!CODECS[compress]) throw new S3dbError({ message: `Invalid compression type '${compress}' (one of ${Object.keys(CODECS).join(', ')})` });
  return compress;
}

function writeLines(outputDir, name, text, codec) {
  const content = Buffer.from(text ? `${text}\n` : '');
  const file = path.join(outputDir, `${name}.jsonl${CODECS[codec].suffix}`);
  const bytes = CODECS[codec].pack(content);
  fs.writeFileSync(file, bytes);
  return { file, recordCount: text ? text.split('\n').length : 0, fileSize: bytes.length };
}

/** Keeps the lines of records written at or after `since` (ms), by `updatedAt`, else `createdAt`. */
function changedSince(text, since) {
  if (!since || !text) return text;
  return text.split('\n').filter((line) => {
    const { updatedAt, createdAt } = JSON.parse(line);
    const stamp = Date.parse(updatedAt || createdAt);
    return Number.isNaN(stamp) || stamp >= since;
  }).join('\n');
}

/**
 * Writes a backup of `client`'s resources into `outputDir`. Resolves to the manifest written as
 * `s3db.json`, plus s3db.js's summary: `manifest` (its path), `files` (by resource), `stats`,
 * `resourceCount`.
 */
async function exportBackup(client, outputDir, { compress = true, database, resources, since, onProgress } = {}) {
  const codec = codecName(compress);
  const catalogued = await cataloguedResources(client, database);
  fs.mkdirSync(outputDir, { recursive: true });
  const manifest = {
    version: '1.0',
    timestamp: new Date().toISOString(),
    bucket: client.bucket,
    keyPrefix: client.keyPrefix || '',
    compressed: codec !== 'none',
    compression: codec,
    resources: {},
    totalRecords: 0,
    totalSize: 0,
  };
  const files = {};
  const record = (name, entry, written) => {
    manifest.resources[name] = { ...entry, stats: { recordCount: written.recordCount, fileSize: written.fileSize } };
    manifest.totalRecords += written.recordCount;
    manifest.totalSize += written.fileSize;
    files[name] = written.file;
    if (onProgress) onProgress({ resource: name, records: written.recordCount });
  };
  for (const name of chosen(Object.keys(catalogued), resources)) {
    const resource = catalogued[name];
    const text = changedSince(await call(() => resource._native.exportJsonl()), since);
    const schema = { attributes: resource.attributes, partitions: resource.config.partitions, behavior: resource.behavior, timestamps: resource.config.timestamps };
    record(name, { schema }, writeLines(outputDir, name, text, codec));
  }
  for (const [name, keys] of await rawResourceKeys(client, new Set(Object.keys(catalogued)), resources)) {
    const lines = [];
    for (const key of keys) lines.push(await rawLine(client, key));
    record(name, { raw: true }, writeLines(outputDir, name, lines.join('\n'), codec));
  }
  fs.writeFileSync(path.join(outputDir, 's3db.json'), JSON.stringify(manifest, null, 2));
  return {
    ...manifest,
    manifest: path.join(outputDir, 's3db.json'),
    files,
    stats: manifest,
    resourceCount: Object.keys(manifest.resources).length,
  };
}

/** Writes documents under their ids through the engine; resolves to `{imported, errors: [{index, error}]}`. */
async function importDocuments(resource, documents) {
  return JSON.parse(await call(() => resource._native.importRecords(JSON.stringify(documents))));
}

/** The resource's lines file in `backupDir`, whichever codec wrote it. */
function linesFile(backupDir, name) {
  for (const codec of Object.values(CODECS)) {
    const file = path.join(backupDir, `${name}.jsonl${codec.suffix}`);
    if (fs.existsSync(file)) return { file, codec };
  }
  return null;
}

function readLines({ file, codec }) {
  const text = codec.unpack(fs.readFileSync(file)).toString('utf8');
  return text.split('\n').filter((line) => line.trim() !== '');
}

/**
 * Loads a backup into `client`; resolves to `{resourcesImported, recordsImported, errors}`. With
 * `overwrite: false`, records whose ids exist are left as they are.
 */
async function importBackup(client, backupDir, { clear = false, database, resources, overwrite = true, onProgress } = {}) {
  const manifestPath = path.join(backupDir, 's3db.json');
  if (!fs.existsSync(manifestPath)) {
    throw new S3dbError({ message: `Not a backup directory (no s3db.json): ${backupDir}` });
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  if (clear) await client.clear();
  // Opened only for catalogued resources: connecting writes an s3db.json that raw backups never had.
  let db = null;
  const openDatabase = async () => {
    if (!db) {
      db = await databaseFor(client, database);
      if (clear) await db.connect();
    }
    return db;
  };
  if (database) await openDatabase();
  const stats = { resourcesImported: 0, recordsImported: 0, errors: [] };
  for (const name of chosen(Object.keys(manifest.resources || {}), resources)) {
    const { schema } = manifest.resources[name];
    const file = linesFile(backupDir, name);
    if (!file) {
      stats.errors.push({ resource: name, error: `missing ${name}.jsonl(.gz)` });
      continue;
    }
    const lines = readLines(file);
    if (!schema && !(db && db.resources[name])) {
      await importRawLines(client, name, lines, stats);
      stats.resourcesImported += 1;
      continue;
    }
    const target = await openDatabase();
    const resource = target.resources[name] || await target.createResource({ name, ...schema });
    const existing = overwrite ? null : new Set(await resource.listIds());
    for (let start = 0; start < lines.length; start += IMPORT_BATCH) {
      const batch = lines.slice(start, start + IMPORT_BATCH);
      const documents = [];
      batch.forEach((line, offset) => {
        try {
          const document = JSON.parse(line);
          if (!existing || !existing.has(document.id)) documents.push(document);
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

/** Restores raw lines object for object: `resource=<name>/id=<id>`, the other fields as metadata. */
async function importRawLines(client, name, lines, stats) {
  for (const [index, line] of lines.entries()) {
    try {
      const { id, _body: body, ...metadata } = JSON.parse(line);
      if (id === undefined || id === null || id === '') throw new Error('the line has no id');
      await client.putObject({ key: `resource=${name}/id=${id}`, metadata, body });
      stats.recordsImported += 1;
    } catch (error) {
      stats.errors.push({ resource: name, line: index + 1, error: error.message });
    }
  }
}

module.exports = { exportBackup, importBackup, importDocuments, codecName };
