// Backups in the BackupPlugin layout, across the memory and filesystem stores.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { S3db, MemoryClient, FileSystemClient, S3Client } from '../lib/index.mjs';
import { caught, userFields, ON_S3, uniqueUrl } from './helpers.mjs';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 's3db-backup-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const fresh = (label) => path.join(scratch, `${label}-${++n}`);

const stores = {
  memory: () => new MemoryClient(),
  file: () => new FileSystemClient({ basePath: fresh('store') }),
  // On an S3 target (moto, Garage) backups also go from and to the S3 store.
  ...(ON_S3 ? { s3: () => new S3Client({ connectionString: uniqueUrl('backup') }) } : {}),
};

async function seeded(client) {
  const db = new S3db({ client, passphrase: 'p' });
  await db.connect();
  const users = await db.createResource({ name: 'users', attributes: { name: 'string', tags: 'array|items:string|optional', secret: 'secret|optional' } });
  const orders = await db.createResource({ name: 'orders', attributes: { total: 'number' }, behavior: 'body-overflow' });
  await users.insertMany([{ id: 'u1', name: 'Ana', tags: ['a|b'], secret: 's1' }, { id: 'u2', name: 'Bo' }]);
  await orders.insert({ id: 'o1', total: 12.5 });
  return db;
}

describe.each(Object.keys(stores))('backup from the %s store', (source) => {
  it.each(Object.keys(stores))('restores into the %s store', async (target) => {
    const dir = fresh('backup');
    const client = stores[source]();
    const db = await seeded(client);
    const manifest = await client.exportBackup(dir, { compress: true, database: db });
    expect(fs.readdirSync(dir).sort()).toEqual(['orders.jsonl.gz', 's3db.json', 'users.jsonl.gz']);
    expect(manifest.totalRecords).toBe(3);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 's3db.json'), 'utf8'));
    expect(saved.resources.users.schema.attributes.name).toBe('string');
    expect(saved.resources.orders.schema.behavior).toBe('body-overflow');
    expect(saved.resources.users.stats.recordCount).toBe(2);
    const lines = zlib.gunzipSync(fs.readFileSync(path.join(dir, 'users.jsonl.gz'))).toString().trim().split('\n').map(JSON.parse);
    expect(lines).toEqual([{ id: 'u1', name: 'Ana', tags: ['a|b'], secret: 's1' }, { id: 'u2', name: 'Bo' }]);

    const targetClient = stores[target]();
    const restored = new S3db({ client: targetClient, passphrase: 'p' });
    const stats = await targetClient.importBackup(dir, { database: restored });
    expect(stats).toEqual({ resourcesImported: 2, recordsImported: 3, errors: [] });
    expect(userFields(await restored.resources.users.get('u1'))).toEqual({ id: 'u1', name: 'Ana', tags: ['a|b'], secret: 's1' });
    expect((await restored.resources.orders.get('o1')).total).toBe(12.5);
    expect(restored.resources.orders.behavior).toBe('body-overflow');
  });
});

describe('backup options', () => {
  it('exports uncompressed JSON Lines and filters resources', async () => {
    const client = new MemoryClient();
    await seeded(client);
    const dir = fresh('plain');
    await client.exportBackup(dir, { resources: ['orders'], compress: false });
    expect(fs.readdirSync(dir).sort()).toEqual(['orders.jsonl', 's3db.json']);
    expect(fs.readFileSync(path.join(dir, 'orders.jsonl'), 'utf8')).toBe('{"id":"o1","total":12.5}\n');
  });

  it('importBackup with clear replaces what was there', async () => {
    const client = new MemoryClient();
    const db = await seeded(client);
    const dir = fresh('clear');
    await client.exportBackup(dir, { database: db });
    await db.resources.users.insert({ id: 'u3', name: 'Extra' });
    await client.putObject({ key: 'stray', body: 'x' });
    const stats = await client.importBackup(dir, { clear: true, database: db });
    expect(stats.recordsImported).toBe(3);
    expect(await db.resources.users.listIds()).toEqual(['u1', 'u2']);
    expect(await client.exists('stray')).toBe(false);
    expect(await client.exists('s3db.json')).toBe(true);
  });

  it('reports bad lines and records without stopping', async () => {
    const dir = fresh('bad');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 's3db.json'), JSON.stringify({ version: '1.0', resources: { users: { schema: { attributes: { name: 'string' } } } } }));
    fs.writeFileSync(path.join(dir, 'users.jsonl'), '{"id":"a","name":"ok"}\nnot json\n{"id":"b","name":5}\n');
    const client = new MemoryClient();
    const stats = await client.importBackup(dir);
    expect(stats.recordsImported).toBe(1);
    expect(stats.errors).toHaveLength(2);
    expect(stats.errors.map((e) => e.error).join(' ')).toMatch(/invalid JSON.*must be a string|must be a string.*invalid JSON/);
  });

  it('objects under resource=<name>/ with no catalogue entry are kept raw, as s3db.js keeps them', async () => {
    const client = new MemoryClient({ bucket: 'raw' });
    await client.putObject({ key: 'resource=products/id=pr1', metadata: { name: 'Product 1', price: '99.99' }, body: JSON.stringify({ stock: 10 }) });
    await client.putObject({ key: 'resource=notes/id=n1', metadata: { title: 'x' }, body: 'plain text' });
    const dir = fresh('raw');
    const result = await client.exportBackup(dir);
    expect(result.resourceCount).toBe(2);
    expect(result.files.products).toBe(path.join(dir, 'products.jsonl.gz'));
    expect(result.stats.compressed).toBe(true);
    const lines = zlib.gunzipSync(fs.readFileSync(result.files.products)).toString().trim().split('\n').map(JSON.parse);
    expect(lines).toEqual([{ name: 'Product 1', price: '99.99', id: 'pr1', stock: 10 }]);
    const only = await client.exportBackup(fresh('raw-filter'), { resources: ['notes'], compress: false });
    expect(Object.keys(only.files)).toEqual(['notes']);

    const other = new MemoryClient({ bucket: 'raw-restore' });
    expect(await other.importBackup(dir)).toEqual({ resourcesImported: 2, recordsImported: 2, errors: [] });
    const product = await other.getObject('resource=products/id=pr1');
    expect(product.Metadata).toEqual({ name: 'Product 1', price: '99.99', stock: '10' });
    expect(await (await other.getObject('resource=notes/id=n1')).Body.transformToString()).toBe('plain text');
  });

  it('a directory without s3db.json is refused clearly', async () => {
    const error = await caught(new MemoryClient().importBackup(fresh('none')));
    expect(error.message).toMatch(/Not a backup directory/);
  });
});
