// ImporterPlugin from the user's side: JSON, JSON Lines and CSV files (plain and gzip) into a
// resource, with mapping, transforms, validation, deduplication, progress and bad input.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { S3db, ImporterPlugin, Transformers } from '../lib/index.mjs';
import { uniqueUrl, caught } from './helpers.mjs';

let db;
let users;
let dir;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3db-importer-'));
  db = new S3db({ connectionString: uniqueUrl('importer') });
  await db.connect();
  users = await db.createResource({ name: 'users', attributes: { name: 'string', email: 'email|optional', age: 'number|optional', tags: 'array|items:string|optional' } });
});
afterEach(async () => {
  await db.disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

function file(name, content) {
  const full = path.join(dir, name);
  fs.writeFileSync(full, content);
  return full;
}

async function importer(options) {
  const plugin = new ImporterPlugin({ resource: 'users', ...options });
  await db.usePlugin(plugin);
  return plugin;
}

describe('ImporterPlugin', () => {
  it('imports CSV with quotes, escaped quotes, a semicolon delimiter and schema conversion', async () => {
    const plugin = await importer({ format: 'csv' });
    const csv = file('people.csv', 'id;name;email;age\nu1;"Smith; Ana";ana@example.com;30\nu2;"Bo ""The"" Best";bo@example.com;41\n');
    expect(await plugin.import(csv)).toMatchObject({ processed: 2, inserted: 2, errors: 0 });
    expect(await users.get('u1')).toMatchObject({ name: 'Smith; Ana', age: 30 });
    expect((await users.get('u2')).name).toBe('Bo "The" Best');
  });

  it('imports gzip JSON Lines, skipping unreadable lines, with mapping, transforms and deduplication', async () => {
    const lines = ['{"uid":"a","full":"ANA","t":"x, y"}', '{broken', '{"uid":"b","full":"BO","t":"z"}', '', '{"uid":"a","full":"again","t":""}'];
    const gz = file('people.jsonl.gz', zlib.gzipSync(lines.join('\n')));
    const plugin = await importer({
      format: 'jsonl',
      transforms: { full: Transformers.toLowerCase(), t: Transformers.split(',') },
      mapping: { uid: 'id', full: 'name', t: 'tags' },
      deduplicateBy: 'id',
    });
    const progress = [];
    plugin.on('progress', (event) => progress.push(event));
    const result = await plugin.import(gz);
    expect(result).toMatchObject({ processed: 3, inserted: 2, duplicates: 1, errors: 1 });
    expect(await users.get('a')).toMatchObject({ name: 'ana', tags: ['x', 'y'] });
    expect(progress.at(-1)).toMatchObject({ processed: 3, inserted: 2 });
  });

  it('imports a JSON array in batches; invalid records are counted, validate() skips, stats add up', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ id: `r${i}`, name: `R${i}`, age: i === 3 ? 'not a number' : i }));
    rows.push({ id: 'neg', name: 'Negative', age: -1 });
    const plugin = await importer({ format: 'json', batchSize: 10, validate: (record) => record.age !== -1 });
    const completed = [];
    plugin.on('complete', (event) => completed.push(event));
    const result = await plugin.import(file('rows.json', JSON.stringify(rows)));
    expect(result).toMatchObject({ processed: 26, inserted: 24, errors: 1, skipped: 1 });
    expect(await users.count()).toBe(24);
    expect(completed).toHaveLength(1);
    expect(plugin.getStats()).toMatchObject({ totalProcessed: 26, totalInserted: 24, totalErrors: 1 });
  });

  it('refuses a missing resource, an unknown format and a missing file', async () => {
    expect((await caught(db.usePlugin(new ImporterPlugin({ resource: 'ghosts' })))).message).toBe("Resource 'ghosts' not found");
    expect((await caught(db.usePlugin(new ImporterPlugin({ resource: 'users', format: 'xlsx' })))).message).toMatch(/^Unsupported format: xlsx/);
    const plugin = await importer({ format: 'json' });
    expect((await caught(plugin.import(path.join(dir, 'nope.json')))).message).toMatch(/^File not found/);
  });
});
