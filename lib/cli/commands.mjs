// The `s3db` commands, each a function of (database, positionals, flags, io) resolving to the
// value to print (or undefined when it printed already).

import fs from 'node:fs';
import { createRequire } from 'node:module';
import { UsageError, jsonFlag, numberFlag } from './args.mjs';
import { csv, columnsOf, progress, show } from './output.mjs';

const require = createRequire(import.meta.url);
const { importDocuments } = require('../backup.cjs');

const BATCH = 500;

function needResource(db, name) {
  if (!name) throw new UsageError('a resource name is required');
  const resource = db.resources[name];
  if (!resource) {
    const known = Object.keys(db.resources);
    const err = new Error(`Resource '${name}' does not exist${known.length ? ` (resources: ${known.join(', ')})` : ''}`);
    err.name = 'ResourceNotFound';
    throw err;
  }
  return resource;
}

function needId(positionals) {
  if (!positionals[1]) throw new UsageError('a record id is required');
  return positionals[1];
}

/** The record as a person reads it: `id` first, no read decorations. */
const withoutSystemFields = ({ id, ...rest }) => ({ id, ...Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith('_'))) });

async function readInput(file, stdin) {
  if (file && file !== '-') return fs.readFileSync(file, 'utf8');
  if (stdin.isTTY) throw new UsageError('import reads a file argument or standard input');
  let text = '';
  for await (const chunk of stdin) text += chunk;
  return text;
}

/** A JSON array, one JSON object, or JSON Lines. */
function parseDocuments(text) {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith('[')) return JSON.parse(trimmed);
  try {
    return [JSON.parse(trimmed)];
  } catch {
    return trimmed.split('\n').filter((l) => l.trim()).map((line, i) => {
      try {
        return JSON.parse(line);
      } catch (error) {
        throw new UsageError(`line ${i + 1} is not JSON: ${error.message}`);
      }
    });
  }
}

export const commands = {
  async list(db) {
    const rows = [];
    for (const [name, resource] of Object.entries(db.resources)) {
      rows.push({ name, behavior: resource.behavior, attributes: Object.keys(resource.attributes).length, records: await resource.count() });
    }
    return rows;
  },

  async create(db, [name], flags) {
    if (!name) throw new UsageError('create needs a resource name');
    const attributes = jsonFlag(flags, 'attributes');
    if (!attributes) throw new UsageError('create needs --attributes JSON');
    const resource = await db.createResource({
      name, attributes, behavior: flags.behavior, timestamps: Boolean(flags.timestamps), partitions: jsonFlag(flags, 'partitions'),
    });
    return { created: resource.name, version: resource.version, attributes: Object.keys(resource.attributes) };
  },

  async query(db, positionals, flags) {
    const resource = needResource(db, positionals[0]);
    const filter = jsonFlag(flags, 'filter', {});
    const records = await resource.query(filter, { limit: numberFlag(flags, 'limit', 100), offset: numberFlag(flags, 'offset', 0) });
    return records.map(withoutSystemFields);
  },

  async get(db, positionals) {
    const resource = needResource(db, positionals[0]);
    return withoutSystemFields(await resource.get(needId(positionals)));
  },

  async insert(db, positionals, flags) {
    const resource = needResource(db, positionals[0]);
    const data = jsonFlag(flags, 'data');
    if (data === undefined) throw new UsageError('insert needs --data JSON');
    if (Array.isArray(data)) return (await resource.insertMany(data)).map(withoutSystemFields);
    return withoutSystemFields(await resource.insert(data));
  },

  async update(db, positionals, flags) {
    const resource = needResource(db, positionals[0]);
    const data = jsonFlag(flags, 'data');
    if (data === undefined) throw new UsageError('update needs --data JSON');
    return withoutSystemFields(await resource.update(needId(positionals), data));
  },

  async delete(db, positionals) {
    const resource = needResource(db, positionals[0]);
    const id = needId(positionals);
    await resource.delete(id);
    return { deleted: id };
  },

  async count(db, positionals) {
    return needResource(db, positionals[0]).count();
  },

  async export(db, positionals, flags, io) {
    const resource = needResource(db, positionals[0]);
    const format = flags.format || 'json';
    if (!['json', 'jsonl', 'csv'].includes(format)) throw new UsageError(`unknown --format ${format} (json, jsonl or csv)`);
    const ids = await resource.listIds();
    const bar = progress(`export ${resource.name}`, ids.length, io.stderr);
    const records = [];
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = await resource.getMany(ids.slice(start, start + BATCH));
      records.push(...batch.filter((r) => !r._error).map(withoutSystemFields));
      bar.update(Math.min(start + BATCH, ids.length));
    }
    bar.done();
    const text = format === 'csv' ? csv(records)
      : format === 'jsonl' ? records.map((r) => JSON.stringify(r)).join('\n')
        : JSON.stringify(records, null, 2);
    if (flags.output) fs.writeFileSync(flags.output, `${text}\n`);
    else io.stdout.write(`${text}\n`);
    return undefined;
  },

  async import(db, positionals, flags, io) {
    const resource = needResource(db, positionals[0]);
    const documents = parseDocuments(await readInput(positionals[1] || flags.file, io.stdin));
    if (!documents.every((d) => d && typeof d === 'object' && !Array.isArray(d))) throw new UsageError('import expects JSON objects');
    const bar = progress(`import ${resource.name}`, documents.length, io.stderr);
    const summary = { imported: 0, errors: [] };
    for (let start = 0; start < documents.length; start += BATCH) {
      const batch = documents.slice(start, start + BATCH);
      const outcome = await importDocuments(resource, batch);
      summary.imported += outcome.imported;
      for (const { index, error } of outcome.errors) summary.errors.push({ record: start + index + 1, error: error.message });
      bar.update(Math.min(start + BATCH, documents.length));
    }
    bar.done();
    if (summary.errors.length) io.exitCode = 1;
    return summary;
  },

  async stats(db, [name]) {
    if (name) {
      const resource = needResource(db, name);
      return {
        name, version: resource.version, behavior: resource.behavior, records: await resource.count(),
        attributes: Object.keys(resource.attributes).join(', '), partitions: Object.keys(resource.config.partitions || {}).join(', '),
      };
    }
    const resources = await commands.list(db);
    return { bucket: db.bucket, keyPrefix: db.keyPrefix, resources: resources.length, records: resources.reduce((n, r) => n + r.records, 0) };
  },

  async backup(db, [dir], flags) {
    if (!dir) throw new UsageError('backup needs a target directory');
    const resources = flags.resources ? flags.resources.split(',') : undefined;
    const manifest = await db.client.exportBackup(dir, { compress: Boolean(flags.compress), database: db, resources });
    return { directory: dir, resources: Object.keys(manifest.resources).length, records: manifest.totalRecords, bytes: manifest.totalSize };
  },

  async restore(db, [dir], flags) {
    if (!dir) throw new UsageError('restore needs a backup directory');
    const resources = flags.resources ? flags.resources.split(',') : undefined;
    return db.client.importBackup(dir, { clear: Boolean(flags.clear), database: db, resources });
  },
};

export { columnsOf, show };
