// The embedded stores as products: MemoryClient in full (snapshots, files, limits, low-level
// API, events, stats) and the filesystem store (file://, durability, traversal, two processes).
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { S3db, MemoryClient, FileSystemClient, NoSuchKey, ConnectionStringError } from '../lib/index.mjs';
import { caught, eventually, userFields } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 's3db-embedded-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
let dirCounter = 0;
const freshDir = (label) => path.join(scratch, `${label}-${++dirCounter}`);
/** A fresh directory that exists (saved stores go into existing directories only). */
const madeDir = (label) => fs.mkdirSync(freshDir(label), { recursive: true });

async function usersOn(options) {
  const db = new S3db(options);
  await db.connect();
  const users = await db.createResource({ name: 'users', attributes: { name: 'string', email: 'email|optional', secret: 'secret|optional' } });
  return { db, users };
}

describe('MemoryClient', () => {
  it('snapshot/restore isolates state: later writes and deletes are undone', async () => {
    const client = new MemoryClient();
    const { users } = await usersOn({ client });
    await users.insert({ id: 'u1', name: 'Alice' });
    const snapshot = client.snapshot();
    expect(snapshot.objectCount).toBe(2); // s3db.json + u1
    await users.update('u1', { name: 'Modified' });
    await users.insert({ id: 'u2', name: 'Bob' });
    client.restore(snapshot);
    expect((await users.get('u1')).name).toBe('Alice');
    expect(await users.exists('u2')).toBe(false);
    // the snapshot itself did not change
    await users.insert({ id: 'u3', name: 'Cy' });
    client.restore(snapshot);
    expect(await users.count()).toBe(1);
  });

  it('restore refuses things that are not snapshots', () => {
    for (const bad of [undefined, null, {}, { objects: 'x' }]) {
      expect(() => new MemoryClient().restore(bad)).toThrow(/Invalid snapshot format/);
    }
    expect(() => new MemoryClient().restore({ objects: { k: { body: '%%%' } } })).toThrow(/Invalid snapshot format/);
  });

  it('a snapshot is plain JSON: saved as a fixture and restored into another client, bytes and ETags intact', async () => {
    const client = new MemoryClient({ bucket: 'fixtures' });
    await client.putObject({ key: 'a/1', metadata: { name: 'Ann' }, body: Buffer.from([0, 255, 7]), contentType: 'application/x-bin' });
    const { ETag } = await client.headObject('a/1');
    const fixture = JSON.parse(JSON.stringify(client.snapshot()));
    expect(fixture).toMatchObject({ bucket: 'fixtures', objectCount: 1 });
    expect(fixture.objects['a/1']).toMatchObject({ metadata: { name: 'Ann' }, contentType: 'application/x-bin', etag: ETag, body: 'AP8H' });
    const other = new MemoryClient({ bucket: 'fixtures' });
    await other.putObject({ key: 'gone', metadata: {} });
    other.restore(fixture);
    expect(await other.getAllKeys({})).toEqual(['a/1']);
    const object = await other.getObject('a/1');
    expect([...await object.Body.transformToByteArray()]).toEqual([0, 255, 7]);
    expect(object.ETag).toBe(ETag);
  });

  it('saveToDisk/loadFromDisk round-trip into a new client, bodies and secrets included', async () => {
    const file = path.join(madeDir('persist'), 'state.json');
    const client = new MemoryClient({ bucket: 'b', keyPrefix: 'app' });
    const { users } = await usersOn({ client, passphrase: 'p' });
    await users.insert({ id: 'u1', name: 'Ana', secret: 'hunter2' });
    await users.insert({ id: 'u2', name: 'x'.repeat(3000) }); // body overflow (user-managed)
    await client.saveToDisk(file);
    const other = new MemoryClient({ bucket: 'b', keyPrefix: 'app' });
    expect((await other.loadFromDisk(file)).objectCount).toBe(3);
    const db = new S3db({ client: other, passphrase: 'p' });
    await db.connect();
    expect((await db.resources.users.get('u1')).secret).toBe('hunter2');
    expect((await db.resources.users.get('u2')).name).toHaveLength(3000);
    expect(await caught(() => other.loadFromDisk(path.join(scratch, 'missing.json')))).toBeInstanceOf(Error);
  });

  it('autoPersist writes changes to persistPath without keeping the process alive', async () => {
    const file = path.join(madeDir('auto'), 'auto.json');
    const client = new MemoryClient({ persistPath: file, autoPersist: true });
    const { db, users } = await usersOn({ client });
    await users.insert({ id: 'u1', name: 'Ana' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).objects).toHaveProperty(['resource=users/data/id=u1']);
    await users.insert({ id: 'u2', name: 'Bo' });
    await db.disconnect(); // flushes
    expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).objects)).toContain('resource=users/data/id=u2');
  });

  it('a persistPath that exists is loaded on construction, so the next save keeps its data', async () => {
    const file = path.join(madeDir('reload'), 'db.json');
    const first = new MemoryClient({ persistPath: file, autoPersist: true });
    await first.putObject({ key: 'kept', metadata: {}, body: 'from the first run' });
    const second = new MemoryClient({ persistPath: file, autoPersist: true });
    expect(await (await second.getObject('kept')).Body.transformToString()).toBe('from the first run');
    await second.putObject({ key: 'new', metadata: {} });
    expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).objects).sort()).toEqual(['kept', 'new']);
  });

  it('autoPersist saves on process.exit()', () => {
    const file = path.join(madeDir('exit'), 'db.json');
    const lib = new URL('../lib/index.cjs', import.meta.url).pathname;
    const script = `const { MemoryClient } = require(${JSON.stringify(lib)});
      const client = new MemoryClient({ persistPath: ${JSON.stringify(file)}, autoPersist: true });
      const db = new (require(${JSON.stringify(lib)}).S3db)({ client });
      db.connect().then(() => db.createResource({ name: 'n', attributes: { a: 'string' } }))
        .then((r) => r.insert({ id: 'x', a: 'y' })).then(() => process.exit(0));`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).objects)).toContain('resource=n/data/id=x');
  });

  it('autoPersist saves on SIGTERM, then the process still ends by the signal', async () => {
    const file = path.join(madeDir('sigterm'), 'db.json');
    const lib = new URL('../lib/index.cjs', import.meta.url).pathname;
    const script = `const { MemoryClient, S3db } = require(${JSON.stringify(lib)});
      const client = new MemoryClient({ persistPath: ${JSON.stringify(file)}, autoPersist: true });
      const db = new S3db({ client });
      db.connect().then(() => db.createResource({ name: 'n', attributes: { a: 'string' } }))
        .then((r) => r.insert({ id: 'x', a: 'y' })).then(() => { console.log('READY'); setInterval(() => {}, 1000); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise((resolve) => child.stdout.on('data', (chunk) => String(chunk).includes('READY') && resolve()));
    child.kill('SIGTERM');
    const [code, signal] = await new Promise((resolve) => child.on('exit', (...args) => resolve(args)));
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
    expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).objects)).toContain('resource=n/data/id=x');
  });

  it('autoPersist saves during a loop of awaited inserts that never lets a timer fire', async () => {
    const file = path.join(madeDir('tight'), 'db.json');
    const client = new MemoryClient({ persistPath: file, autoPersist: true });
    const db = new S3db({ client });
    await db.connect();
    const items = await db.createResource({ name: 'items', attributes: { n: 'number' } });
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < 1300) await items.insert({ n: n++ });
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(saved.objects).filter((k) => k.includes('/data/')).length).toBeGreaterThan(0);
    await db.disconnect();
  });

  it('autoPersist into a missing directory reports persistError and keeps the writes', async () => {
    const file = path.join(freshDir('nowhere'), 'auto.json');
    const client = new MemoryClient({ persistPath: file, autoPersist: true });
    const failures = [];
    client.on('persistError', (error) => failures.push(error.message));
    await client.putObject({ key: 'k', metadata: {}, body: 'kept' });
    expect(failures[0]).toMatch(/does not exist/);
    expect(await (await client.getObject('k')).Body.transformToString()).toBe('kept');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('enforceLimits rejects metadata over the limit like S3 and writes nothing', async () => {
    const client = new MemoryClient({ enforceLimits: true, metadataLimit: 100 });
    const error = await caught(client.putObject({ key: 'k', metadata: { a: 'x'.repeat(200) } }));
    expect(error.message).toMatch(/Metadata size \(201 bytes\) exceeds limit of 100 bytes/);
    expect(client.objectCount).toBe(0);
    const small = new MemoryClient({ enforceLimits: true, maxObjectSize: 4 });
    expect(await caught(small.putObject({ key: 'k', body: 'hello' }))).toBeInstanceOf(Error);
  });

  it('low-level object API: put/get/head/copy/exists/list/delete with prefix-relative keys', async () => {
    const client = new MemoryClient({ keyPrefix: 'root' });
    await client.putObject({ key: 'a/1', metadata: { Color: 'red' }, body: 'one', contentType: 'text/plain' });
    await client.putObject({ key: 'a/2', body: Buffer.from([1, 2, 3]) });
    const got = await client.getObject('a/1');
    expect(await got.Body.transformToString()).toBe('one');
    expect(got.Metadata).toEqual({ color: 'red' }); // names lower-cased as S3 returns them
    expect(got.ContentType).toBe('text/plain');
    expect(got.LastModified).toBeInstanceOf(Date);
    expect(Array.from(await (await client.getObject('a/2')).Body.transformToByteArray())).toEqual([1, 2, 3]);
    expect((await client.headObject('a/1')).ContentLength).toBe(3);
    await client.copyObject({ from: 'a/1', to: 'b/1', metadata: { x: '1' }, metadataDirective: 'REPLACE' });
    expect((await client.headObject('b/1')).Metadata).toEqual({ x: '1' });
    expect(await client.exists('b/1')).toBe(true);
    expect(await client.exists('nope')).toBe(false);
    expect((await client.listObjects({ prefix: 'a/' })).Contents.map((c) => c.Key)).toEqual(['root/a/1', 'root/a/2']);
    expect(await client.getAllKeys({ prefix: 'a' })).toEqual(['a/1', 'a/2']);
    const page = await client.listObjects({ prefix: 'a/', maxKeys: 1 });
    expect(page.IsTruncated).toBe(true);
    expect((await client.listObjects({ prefix: 'a/', continuationToken: page.NextContinuationToken })).Contents).toHaveLength(1);
    expect((await client.deleteObjects(['a/1', 'a/2'])).Deleted).toHaveLength(2);
    await client.deleteObject('b/1');
    expect(client.getAllStoredKeys()).toEqual([]);
    expect(await caught(client.getObject('a/1'))).toBeInstanceOf(NoSuchKey);
  });

  it('emits command.request/command.response and per-method events for client calls', async () => {
    const client = new MemoryClient();
    const seen = [];
    client.on('command.request', (name) => seen.push(`request:${name}`));
    client.on('command.response', (name) => seen.push(`response:${name}`));
    client.on('putObject', (error, params) => seen.push(`putObject:${error}:${params.key}`));
    await client.putObject({ key: 'k', body: 'v' });
    expect(seen).toEqual(['request:PutObjectCommand', 'response:PutObjectCommand', 'putObject:null:k']);
  });

  it('getStats reports objects, size and keys; clear empties the store', async () => {
    const client = new MemoryClient({ bucket: 'stats' });
    const { users } = await usersOn({ client });
    await users.insert({ id: 'u1', name: 'Ana' });
    const stats = client.getStats();
    expect(stats.objectCount).toBe(2);
    expect(stats.totalSize).toBeGreaterThan(0);
    expect(stats.totalSizeFormatted).toMatch(/B$/);
    expect(stats.keys).toContain('resource=users/data/id=u1');
    expect(stats.bucket).toBe('stats');
    await client.clear();
    expect(client.getStats().objectCount).toBe(0);
  });

  it('counts requests by S3 command', async () => {
    const client = new MemoryClient();
    const { users } = await usersOn({ client });
    const before = client.getRequestCounts();
    await users.insert({ id: 'u1', name: 'Ana' });
    await users.get('u1');
    const after = client.getRequestCounts();
    expect(after.PutObjectCommand - before.PutObjectCommand).toBe(1);
    expect(after.GetObjectCommand - before.GetObjectCommand).toBe(1);
  });
});

describe('filesystem store (file://)', () => {
  it('one damaged record file is reported for that record and hides nothing else', async () => {
    const dir = freshDir('damaged');
    const db = new S3db({ connectionString: `file://${dir}` });
    await db.connect();
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    for (const id of ['a', 'b', 'c']) await users.insert({ id, name: id });
    const file = path.join(dir, 'resource=users', 'data', 'id=b~');
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 5));
    const errors = [];
    users.on('error', (error, item) => errors.push([item.id, error.message]));
    expect((await users.list()).map((r) => r.id)).toEqual(['a', 'c']);
    expect((await users.getAll()).map((r) => r.id)).toEqual(['a', 'c']);
    expect((await users.query({})).map((r) => r.id)).toEqual(['a', 'c']);
    const page = await users.page({ size: 10 });
    expect(page.items.map((r) => r.id)).toEqual(['a', 'c']);
    expect(page._debug.unreadable).toEqual(['b']);
    const streamed = [];
    for await (const record of users.readable()) streamed.push(record.id);
    expect(streamed).toEqual(['a', 'c']);
    expect(await users.count()).toBe(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect(errors.every(([id, message]) => id === 'b' && /damaged/.test(message))).toBe(true);
    await db.disconnect();
  });

  it('keeps data between runs of separate databases', async () => {
    const dir = freshDir('persist');
    const first = await usersOn({ connectionString: `file://${dir}`, passphrase: 'p' });
    await first.users.insert({ id: 'u1', name: 'Ana', secret: 'pw' });
    await first.db.disconnect();
    const db = new S3db({ connectionString: `file://${dir}`, passphrase: 'p' });
    await db.connect();
    expect(userFields(await db.resources.users.get('u1'))).toEqual({ id: 'u1', name: 'Ana', secret: 'pw' });
    expect(fs.existsSync(path.join(dir, 's3db.json~'))).toBe(true);
  });

  it('relative file:// paths resolve against the working directory', () => {
    const client = new S3db({ connectionString: 'file://./some-relative-dir' }).client;
    expect(client).toBeInstanceOf(FileSystemClient);
    expect(client.basePath).toBe(path.resolve('some-relative-dir'));
    fs.rmSync(client.basePath, { recursive: true, force: true });
  });

  it('ids and partition values can never escape the base directory', async () => {
    const dir = freshDir('jail');
    const db = new S3db({ client: new FileSystemClient({ basePath: dir }) });
    await db.connect();
    const notes = await db.createResource({
      name: 'notes', attributes: { tag: 'string' }, partitions: { byTag: { fields: { tag: 'string' } } },
    });
    // An id longer than a file name (300 bytes) is stored as nested continuation names.
    for (const id of ['..', '.', '..%2F..%2Fetc', '~', 'ção 日本', 'y'.repeat(300)]) {
      await notes.insert({ id, tag: '../../../escape' });
      expect((await notes.get(id)).id).toBe(id);
    }
    for (const id of ['../x', '/etc/passwd', 'nul\u0000byte', 'C:\\windows', 'y'.repeat(801)]) {
      expect(await caught(notes.insert({ id, tag: 't' }))).toBeInstanceOf(Error);
    }
    const escaped = fs.readdirSync(path.dirname(dir)).filter((name) => name === 'escape' || name === 'etc');
    expect(escaped).toEqual([]);
    const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const file of walk(dir)) expect(path.resolve(file).startsWith(path.resolve(dir) + path.sep)).toBe(true);
    expect(await notes.count({ partition: 'byTag', partitionValues: { tag: '../../../escape' } })).toBe(6);
  });

  it('lists in key order with pagination', async () => {
    const dir = freshDir('order');
    const { users } = await usersOn({ connectionString: `file://${dir}` });
    const ids = Array.from({ length: 30 }, (_, i) => `id-${String(29 - i).padStart(2, '0')}`);
    await users.insertMany(ids.map((id) => ({ id, name: id })));
    const listed = await users.listIds();
    expect(listed).toEqual([...ids].sort());
    expect(await users.listIds({ offset: 10, limit: 5 })).toEqual([...ids].sort().slice(10, 15));
    expect((await users.page({ size: 7, offset: 28 })).items).toHaveLength(2);
  });

  it('a batch big enough to be written on several threads lands whole, with its partition references', async () => {
    const db = new S3db({ connectionString: `file://${freshDir('batch')}` });
    await db.connect();
    const people = await db.createResource({
      name: 'people', attributes: { n: 'number', city: 'string' }, partitions: { byCity: { fields: { city: 'string' } } },
    });
    const docs = Array.from({ length: 400 }, (_, n) => ({ id: `p${String(n).padStart(3, '0')}`, n, city: ['Porto', 'Lisbon'][n % 2] }));
    docs.push({ id: 'p007', n: -1, city: 'Porto' });
    const errors = [];
    people.on('error', (error) => errors.push(error));
    const written = await people.insertMany(docs);
    expect(written.map((r) => r.id)).toEqual(docs.slice(0, 400).map((d) => d.id));
    await eventually(() => errors.length === 1);
    expect(errors[0].message).toContain("'p007' already exists");
    expect(await people.count()).toBe(400);
    expect(await people.listIds({ partition: 'byCity', partitionValues: { city: 'Lisbon' } })).toHaveLength(200);
    const read = await people.getMany(docs.slice(0, 400).map((d) => d.id));
    expect(read.map((r) => r.n)).toEqual(docs.slice(0, 400).map((d) => d.n));
    expect((await people.get('p007')).n).toBe(7);
    await db.disconnect();
  });

  it('two processes writing one store lose and tear nothing', async () => {
    const dir = freshDir('shared');
    const { db } = await usersOn({ connectionString: `file://${dir}` });
    await db.disconnect();
    const writer = path.join(here, 'fixtures', 'fs-writer.mjs');
    const runWriter = (name) => new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [writer, dir, name, '150'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${name} exited ${code}: ${stderr}`))));
    });
    await Promise.all([runWriter('a'), runWriter('b')]);
    const reader = new S3db({ connectionString: `file://${dir}` });
    await reader.connect();
    const users = reader.resources.users;
    expect(await users.count()).toBe(301); // 150 each + the shared record
    for (const record of await users.getAll()) expect(record.name).toMatch(/^(a|b)-\d+$|^shared-(a|b)-\d+$/);
    const shared = await users.get('shared');
    expect(shared.name).toMatch(/^shared-(a|b)-\d+$/);
  });
});

describe('connection strings for the embedded stores', () => {
  it('memory:// shares one store per bucket; a MemoryClient has its own', async () => {
    const a = await usersOn({ connectionString: 'memory://shared-cs/app' });
    await a.users.insert({ id: 'u1', name: 'Ana' });
    const b = new S3db({ connectionString: 'memory://shared-cs/app' });
    await b.connect();
    expect(await b.resources.users.exists('u1')).toBe(true);
    const c = new S3db({ client: new MemoryClient({ bucket: 'shared-cs', keyPrefix: 'app' }) });
    await c.connect();
    expect(c.resources.users).toBeUndefined();
  });

  it('a client that is not an s3db-native client is refused clearly', () => {
    expect(() => new S3db({ client: {} })).toThrow(ConnectionStringError);
  });
});

describe('clear() stays inside the key prefix', () => {
  it('a client with a key prefix leaves other prefixes of the same bucket alone', async () => {
    const bucket = `clear-${process.pid}`;
    const mine = new S3db({ connectionString: `memory://${bucket}/mine` });
    const theirs = new S3db({ connectionString: `memory://${bucket}/theirs` });
    for (const db of [mine, theirs]) {
      await db.connect();
      const notes = await db.createResource({ name: 'notes', attributes: { text: 'string' } });
      await notes.insert({ id: 'n1', text: 'x' });
    }
    await mine.client.clear();
    expect(await mine.client.exists('s3db.json')).toBe(false);
    expect(await theirs.resources.notes.get('n1')).toMatchObject({ text: 'x' });
  });
});
