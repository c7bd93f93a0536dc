// Database and Resource CRUD as an s3db.js 12.4 user sees them, on memory:// and MemoryClient storage.
import { describe, it, expect, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import S3dbDefault, {
  S3db, Database, Resource, MemoryClient, ConnectionString, ResourceNotFound, NoSuchKey,
  AVAILABLE_BEHAVIORS, DEFAULT_BEHAVIOR,
} from '../lib/index.mjs';
import {
  uniqueUrl, uniqueName, caught, nextEvent, userFields, sleep, ISO_DATE, URL_ALPHABET_ID, guardedSetup,
} from './helpers.mjs';

/** json-stable-stringify 1.x: keys sorted recursively, no whitespace. */
function stableStringify(value) {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
const definitionHash = (def) => `sha256:${createHash('sha256').update(stableStringify(def)).digest('hex')}`;

async function connected(options = {}) {
  const db = new S3db({ connectionString: uniqueUrl('crud'), ...options });
  await db.connect();
  return db;
}

// ---------------------------------------------------------------------------------------------
describe('module exports and construction (no storage access)', () => {
  it('exports S3db (named and default) and Database, all constructible', () => {
    for (const Class of [S3db, S3dbDefault, Database]) {
      const db = new Class({ connectionString: uniqueUrl('ctor') });
      expect(db).toBeInstanceOf(Database);
      expect(typeof db.connect).toBe('function');
    }
    expect(typeof Resource).toBe('function');
  });

  it('exposes the behaviors list and default', () => {
    expect(AVAILABLE_BEHAVIORS).toEqual(['user-managed', 'enforce-limits', 'truncate-data', 'body-overflow', 'body-only']);
    expect(DEFAULT_BEHAVIOR).toBe('user-managed');
  });

  it('reads bucket and key prefix from a memory:// connection string', () => {
    const db = new S3db({ connectionString: 'memory://mybucket/databases/myapp' });
    expect(db.bucket).toBe('mybucket');
    expect(db.keyPrefix).toBe('databases/myapp');
    expect(db.isConnected()).toBe(false);
    expect(db.savedMetadata).toBeNull();
    expect(db.version).toBe('1');
    expect(db.passphrase).toBe('secret');
    expect(db.parallelism).toBe(10);
    expect(db.config).toMatchObject({ version: '1', bucket: 'mybucket', keyPrefix: 'databases/myapp' });
  });

  it('accepts the legacy `uri` option as the connection string', () => {
    const db = new S3db({ uri: 'memory://legacy-uri-bucket/databases/old' });
    expect(db.bucket).toBe('legacy-uri-bucket');
    expect(db.keyPrefix).toBe('databases/old');
  });

  it('uses a given MemoryClient as its client', () => {
    const client = new MemoryClient({ bucket: 'test-bucket', keyPrefix: 'tests' });
    const db = new S3db({ client });
    expect(db.client).toBe(client);
    expect(db.bucket).toBe('test-bucket');
    expect(db.keyPrefix).toBe('tests');
  });

  it('parses s3://, http(s):// and memory:// connection strings like s3db.js', () => {
    const s3 = new ConnectionString('s3://KEY:SECRET@BUCKET_NAME/databases/myapp?region=us-west-2');
    expect(s3).toMatchObject({ bucket: 'BUCKET_NAME', keyPrefix: 'databases/myapp', accessKeyId: 'KEY', region: 'us-west-2' });
    expect(s3.secretAccessKey).toBe('SECRET');
    const iam = new ConnectionString('s3://BUCKET_NAME/databases/myapp');
    expect(iam).toMatchObject({ bucket: 'BUCKET_NAME', keyPrefix: 'databases/myapp', region: 'us-east-1' });
    expect(iam.accessKeyId).toBeUndefined();
    const minio = new ConnectionString('http://minioadmin:minioadmin@localhost:9000/mybucket/databases/myapp');
    expect(minio).toMatchObject({
      endpoint: 'http://localhost:9000', bucket: 'mybucket', keyPrefix: 'databases/myapp', forcePathStyle: true,
    });
    const memory = new ConnectionString('memory://mybucket/level1/level2?region=us-west-2');
    expect(memory).toMatchObject({ bucket: 'mybucket', keyPrefix: 'level1/level2', region: 'us-west-2' });
  });
});

// ---------------------------------------------------------------------------------------------
describe('Database: connect, resources and s3db.json', () => {
  let db;
  guardedSetup(async () => { db = await connected(); });
  afterAll(async () => { await db?.disconnect(); });

  it('connects, emits `connected` and loads a blank catalogue', async () => {
    const fresh = new S3db({ connectionString: uniqueUrl('connect') });
    const event = nextEvent(fresh, 'connected');
    await fresh.connect();
    const [when] = await event;
    expect(when).toBeInstanceOf(Date);
    expect(fresh.isConnected()).toBe(true);
    expect(fresh.savedMetadata).toMatchObject({ version: '1', resources: {} });
    expect(fresh.savedMetadata.lastUpdated).toMatch(ISO_DATE);
    await fresh.disconnect();
    expect(fresh.isConnected()).toBe(false);
  });

  it('createResource returns a Resource exposing name, attributes, behavior, config and schema.map', async () => {
    const attributes = { name: 'string', email: 'string', age: 'number' };
    const people = await db.createResource({ name: 'flatpeople', attributes });
    expect(people).toBeInstanceOf(Resource);
    expect(people.name).toBe('flatpeople');
    expect(people.attributes).toEqual(attributes);
    expect(people.behavior).toBe('user-managed');
    expect(people.version).toBe('v1');
    expect(people.config).toMatchObject({ paranoid: true, timestamps: false, autoDecrypt: true, allNestedObjectsOptional: true });
    expect(people.schema.map).toEqual({ name: '0', email: '1', age: '2' });
  });

  it('maps nested attributes like s3db.js (leaf paths first, then object paths)', async () => {
    const res = await db.createResource({
      name: 'nestedmap',
      attributes: { name: 'string', profile: { bio: 'string', address: { city: 'string', zip: 'string' } }, tags: 'array|items:string' },
    });
    expect(res.schema.map).toEqual({
      name: '0', 'profile.bio': '1', 'profile.address.city': '2', 'profile.address.zip': '3', tags: '4', profile: '5',
    });
  });

  it('finds resources through resourceExists, resource(), resources.<name>, getResource and listResources', async () => {
    const name = uniqueName('lookup');
    const created = await db.createResource({ name, attributes: { title: 'string' } });
    expect(db.resourceExists(name)).toBe(true);
    expect(db.resourceExists('nope-not-here')).toBe(false);
    expect(db.resource(name)).toBe(created);
    expect(db.resources[name]).toBe(created);
    expect(db.resources['nope-not-here']).toBeUndefined();
    expect(Object.keys(db.resources)).toContain(name);
    expect(await db.getResource(name)).toBe(created);
    expect(await db.listResources()).toEqual(expect.arrayContaining([{ name }]));
  });

  it('getResource of an unknown name rejects with ResourceNotFound', async () => {
    const error = await caught(db.getResource('ghosts'));
    expect(error).toBeInstanceOf(ResourceNotFound);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ResourceNotFound');
    expect(error.message).toContain('ghosts');
  });

  it('createResource on an existing name reconfigures the same Resource object', async () => {
    const name = uniqueName('redefine');
    const first = await db.createResource({ name, attributes: { a: 'string' } });
    const updatedEvent = nextEvent(db, 's3db.resourceUpdated');
    const second = await db.createResource({ name, attributes: { a: 'string', b: 'number|optional' } });
    expect(second).toBe(first);
    expect(second.attributes).toEqual({ a: 'string', b: 'number|optional' });
    expect((await updatedEvent)[0]).toBe(name);
    expect(db.savedMetadata.resources[name].currentVersion).toBe('v2');
    expect(Object.keys(db.savedMetadata.resources[name].versions)).toEqual(['v1', 'v2']);
  });

  it('createResourceIfNotExists creates once, then returns the resource while the definition hash is the same', async () => {
    const name = uniqueName('ifnot');
    const config = { name, attributes: { name: 'string|required', email: 'email|required' }, timestamps: true };
    const { resource: first, created } = await db.createResourceIfNotExists(config);
    expect(first).toBeInstanceOf(Resource);
    expect(created).toBe(true);
    expect(db.resourceExists(name)).toBe(true);
    const puts = () => db.client.getRequestCounts().PutObjectCommand || 0;
    const before = puts();
    const { resource: again, created: createdAgain } = await db.createResourceIfNotExists({ ...config, hooks: { beforeInsert: [(d) => d] } });
    expect(again).toBe(first);
    expect(createdAgain).toBe(false);
    expect(again.hooks.beforeInsert).toHaveLength(0);
    expect(puts()).toBe(before);
    expect(db.savedMetadata.resources[name].currentVersion).toBe('v1');
    // Another definition (no timestamps: other attributes and partitions) is a new version.
    const { resource: changed } = await db.createResourceIfNotExists({ name, attributes: { name: 'string|required', email: 'email|required' } });
    expect(changed).toBe(first);
    expect(db.savedMetadata.resources[name].currentVersion).toBe('v2');
  });

  it('writes s3db.json entries exactly like s3db.js 12.4 (hash, flags, hooks, idSize)', async () => {
    // vectors/record-hooks-idsize-options.json
    const events = await db.createResource({
      name: 'events', attributes: { name: 'string' }, idSize: 10, paranoid: false,
      hooks: { beforeInsert: [async function addNothing(data) { return data; }] },
    });
    expect(events.name).toBe('events');
    const meta = db.savedMetadata;
    expect(meta.version).toBe('1');
    const entry = meta.resources.events;
    expect(entry).toMatchObject({ currentVersion: 'v1', partitions: {}, createdBy: 'user' });
    const v1 = entry.versions.v1;
    expect(v1).toMatchObject({
      hash: 'sha256:9b018b11e58d246d273f1c6b42ad727a18610be8fe91de078064cf517206578b',
      attributes: { name: 'string' },
      behavior: 'user-managed',
      timestamps: false,
      partitions: {},
      paranoid: false,
      allNestedObjectsOptional: true,
      autoDecrypt: true,
      cache: false,
      asyncEvents: true,
      hooks: { beforeInsert: [null] },
      idSize: 10,
      idGenerator: 10,
    });
    expect(v1.createdAt).toMatch(ISO_DATE);
    expect(Object.keys(v1)).toEqual([
      'hash', 'attributes', 'behavior', 'timestamps', 'partitions', 'paranoid', 'allNestedObjectsOptional',
      'autoDecrypt', 'cache', 'asyncEvents', 'hooks', 'idSize', 'idGenerator', 'createdAt',
    ]);
  });

  it('keeps attributes in definition order and hashes them with the s3db.js algorithm', async () => {
    const name = uniqueName('order');
    const attributes = { zeta: 'string', alpha: 'number|optional', mid: { y: 'string|optional', b: 'string|optional' }, beta: 'boolean|optional' };
    await db.createResource({ name, attributes });
    const v1 = db.savedMetadata.resources[name].versions.v1;
    expect(Object.keys(v1.attributes)).toEqual(['zeta', 'alpha', 'mid', 'beta']);
    expect(Object.keys(v1.attributes.mid)).toEqual(['y', 'b']);
    expect(v1.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(v1.hash).toBe(definitionHash({ attributes, behavior: 'user-managed', partitions: {} }));
  });

  it('timestamps: true appends createdAt/updatedAt and the date partitions (12.4 hash)', async () => {
    // vectors/record-timestamps-partitions.json
    const orders = await db.createResource({
      name: 'tsorders',
      attributes: { name: 'string', region: 'string', category: 'string|optional', utm: { source: 'string|optional', medium: 'string|optional' } },
      timestamps: true,
      partitions: {
        byRegion: { fields: { region: 'string' } },
        byRegionCategory: { fields: { region: 'string', category: 'string' } },
        byUtmSource: { fields: { 'utm.source': 'string' } },
      },
    });
    expect(Object.keys(orders.attributes)).toEqual(['name', 'region', 'category', 'utm', 'createdAt', 'updatedAt']);
    expect(orders.attributes.createdAt).toBe('string|optional');
    const v1 = db.savedMetadata.resources.tsorders.versions.v1;
    expect(v1.hash).toBe('sha256:9493d076893faacb19e65fb020d979616c0e41a70e00e9f1ea5af693dd99c751');
    expect(Object.keys(v1.partitions)).toEqual(['byRegion', 'byRegionCategory', 'byUtmSource', 'byCreatedDate', 'byUpdatedDate']);
    expect(v1.partitions.byCreatedDate).toEqual({ fields: { createdAt: 'date|maxlength:10' } });
    expect(orders.config.timestamps).toBe(true);
  });

  it('a second Database on the same bucket and prefix loads the stored resources', async () => {
    const url = uniqueUrl('reload', 'databases/app');
    const first = new S3db({ connectionString: url });
    await first.connect();
    const users = await first.createResource({ name: 'users', attributes: { name: 'string', age: 'number|optional' }, behavior: 'body-overflow' });
    await users.insert({ id: 'u1', name: 'Ann', age: 33 });

    const second = new S3db({ connectionString: url });
    await second.connect();
    expect(second.resourceExists('users')).toBe(true);
    const reloaded = second.resources.users;
    expect(reloaded.attributes).toEqual({ name: 'string', age: 'number|optional' });
    expect(reloaded.behavior).toBe('body-overflow');
    expect(second.savedMetadata.resources.users.versions.v1.hash).toBe(first.savedMetadata.resources.users.versions.v1.hash);
    expect(userFields(await reloaded.get('u1'))).toEqual({ id: 'u1', name: 'Ann', age: 33 });
    await first.disconnect();
    await second.disconnect();
  });

  it('disconnect empties resources and savedMetadata', async () => {
    const other = await connected();
    await other.createResource({ name: 'tmp', attributes: { a: 'string' } });
    await other.disconnect();
    expect(other.resources).toEqual({});
    expect(other.savedMetadata).toBeNull();
    expect(other.isConnected()).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
describe('MemoryClient storage', () => {
  it('works as `client` and keeps each instance\'s data apart', async () => {
    const client = new MemoryClient({ bucket: 'test-bucket' });
    const db = new S3db({ client });
    await db.connect();
    const users = await db.createResource({ name: 'users', attributes: { name: 'string|required', email: 'email|required' } });
    await users.insert({ id: 'u1', name: 'John', email: 'john@test.com' });
    expect(await users.get('u1')).toMatchObject({ id: 'u1', name: 'John', email: 'john@test.com' });

    const sameClient = new S3db({ client });
    await sameClient.connect();
    expect(sameClient.resourceExists('users')).toBe(true);
    expect(await sameClient.resources.users.get('u1')).toMatchObject({ name: 'John' });

    const otherClient = new S3db({ client: new MemoryClient({ bucket: 'test-bucket' }) });
    await otherClient.connect();
    expect(otherClient.resourceExists('users')).toBe(false);
    await db.disconnect();
    await sameClient.disconnect();
    await otherClient.disconnect();
  });

  it('the legacy `uri` option connects to the same store as connectionString', async () => {
    const url = uniqueUrl('uri', 'databases/myapp');
    const legacy = new S3db({ uri: url });
    await legacy.connect();
    const notes = await legacy.createResource({ name: 'notes', attributes: { text: 'string' } });
    await notes.insert({ id: 'n1', text: 'hello' });
    const modern = new S3db({ connectionString: url });
    await modern.connect();
    expect(await modern.resources.notes.get('n1')).toMatchObject({ id: 'n1', text: 'hello' });
    await legacy.disconnect();
    await modern.disconnect();
  });
});

// ---------------------------------------------------------------------------------------------
describe('createResource options: top-level and legacy `options: {...}` nesting', () => {
  let db;
  guardedSetup(async () => { db = await connected(); });
  afterAll(async () => { await db?.disconnect(); });

  it('top-level behavior, timestamps, partitions and hooks take effect', async () => {
    const seen = [];
    const res = await db.createResource({
      name: 'toplevel',
      attributes: { name: 'string', region: 'string' },
      behavior: 'body-overflow',
      timestamps: true,
      partitions: { byRegion: { fields: { region: 'string' } } },
      hooks: { beforeInsert: [async (data) => { seen.push(data.name); return { ...data, name: data.name.toUpperCase() }; }] },
    });
    expect(res.behavior).toBe('body-overflow');
    expect(res.config.timestamps).toBe(true);
    expect(res.config.partitions.byRegion).toEqual({ fields: { region: 'string' } });
    const rec = await res.insert({ name: 'ann', region: 'US' });
    expect(seen).toEqual(['ann']);
    expect(rec.name).toBe('ANN');
    expect(rec.createdAt).toMatch(ISO_DATE);
    expect(await res.listIds({ partition: 'byRegion', partitionValues: { region: 'US' } })).toEqual([rec.id]);
  });

  it('legacy `options: {behavior, timestamps, partitions, hooks}` is honoured', async () => {
    const seen = [];
    const res = await db.createResource({
      name: 'legacyopts',
      attributes: { name: 'string', region: 'string' },
      options: {
        behavior: 'body-overflow',
        timestamps: true,
        partitions: { byRegion: { fields: { region: 'string' } } },
        hooks: {
          preInsert: [async (data) => { seen.push('pre'); return data; }],
          afterInsert: [async (data) => { seen.push(`after:${data.id}`); return data; }],
        },
      },
    });
    expect(res.behavior).toBe('body-overflow');
    expect(res.config.timestamps).toBe(true);
    expect(res.config.partitions).toHaveProperty('byRegion');
    const rec = await res.insert({ id: 'l1', name: 'Ann', region: 'EU' });
    expect(seen).toEqual(['pre', 'after:l1']);
    expect(rec.createdAt).toMatch(ISO_DATE);
    expect(rec.updatedAt).toMatch(ISO_DATE);
    expect(await res.count({ partition: 'byRegion', partitionValues: { region: 'EU' } })).toBe(1);
  });

  it('partition array shorthand creates by<Field> partitions', async () => {
    const res = await db.createResource({ name: 'shorthand', attributes: { title: 'string', status: 'string' }, partitions: ['status'] });
    expect(Object.keys(res.config.partitions)).toEqual(['byStatus']);
    await res.insert({ id: 's1', title: 'a', status: 'open' });
    await res.insert({ id: 's2', title: 'b', status: 'closed' });
    expect(await res.listIds({ partition: 'byStatus', partitionValues: { status: 'open' } })).toEqual(['s1']);
  });
});

// ---------------------------------------------------------------------------------------------
describe('Resource CRUD', () => {
  let db;
  let people;
  guardedSetup(async () => {
    db = await connected();
    people = await db.createResource({
      name: 'people',
      attributes: {
        name: 'string|required',
        email: 'email|optional',
        age: 'number|optional',
        status: 'string|optional',
        profile: { bio: 'string|optional', address: { city: 'string|optional', zip: 'string|optional' } },
      },
    });
  });
  afterAll(async () => { await db?.disconnect(); });

  it('insert generates a 22-character url-alphabet id and returns the record', async () => {
    const rec = await people.insert({ name: 'Auto Id' });
    expect(rec.id).toMatch(URL_ALPHABET_ID(22));
    expect(rec.name).toBe('Auto Id');
    const other = await people.insert({ name: 'Auto Id 2' });
    expect(other.id).not.toBe(rec.id);
  });

  it('insert keeps a caller-given id', async () => {
    const rec = await people.insert({ id: 'user-123', name: 'John Doe', email: 'john@example.com' });
    expect(rec.id).toBe('user-123');
    expect(await people.exists('user-123')).toBe(true);
  });

  it('get returns the record with s3db.js read decorations', async () => {
    await people.insert({ id: 'deco', name: 'Deco', age: 30 });
    const rec = await people.get('deco');
    expect(userFields(rec)).toEqual({ id: 'deco', name: 'Deco', age: 30 });
    expect(rec).toMatchObject({ _contentLength: 0, _hasContent: false, _mimeType: 'application/octet-stream', _v: 'v1' });
    expect(rec._lastModified).toBeDefined();
    expect(typeof rec._etag).toBe('string');
    expect(rec._definitionHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(rec._definitionHash).toBe(people.getDefinitionHash());
  });

  it('get of a missing id rejects with NoSuchKey', async () => {
    const error = await caught(people.get('missing-id'));
    expect(error).toBeInstanceOf(NoSuchKey);
    expect(error.name).toBe('NoSuchKey');
    expect(error.message).toContain('No such key');
  });

  it('exists is true for stored records and false otherwise', async () => {
    await people.insert({ id: 'ex1', name: 'Ex' });
    expect(await people.exists('ex1')).toBe(true);
    expect(await people.exists('ex-missing')).toBe(false);
  });

  it('update deep-merges nested objects and leaves other fields alone', async () => {
    await people.insert({ id: 'up1', name: 'Up', age: 20, profile: { bio: 'old', address: { city: 'Lisbon', zip: '1000' } } });
    const updated = await people.update('up1', { age: 21, profile: { address: { city: 'Porto' } } });
    expect(userFields(updated)).toEqual({ id: 'up1', name: 'Up', age: 21, profile: { bio: 'old', address: { city: 'Porto', zip: '1000' } } });
    expect(userFields(await people.get('up1'))).toEqual(userFields(updated));
  });

  it('update accepts dotted keys for nested fields', async () => {
    await people.insert({ id: 'up2', name: 'Dot', profile: { bio: 'b', address: { city: 'Lisbon', zip: '1000' } } });
    await people.update('up2', { 'profile.address.zip': '2000' });
    const rec = await people.get('up2');
    expect(rec.profile).toEqual({ bio: 'b', address: { city: 'Lisbon', zip: '2000' } });
  });

  it('update of a missing record rejects with "does not exist"', async () => {
    const error = await caught(people.update('never-was', { name: 'x' }));
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("Resource with id 'never-was' does not exist");
  });

  it('update validates the merged record', async () => {
    await people.insert({ id: 'up3', name: 'Valid' });
    const error = await caught(people.update('up3', { age: 'not a number' }));
    expect(error.name).toBe('InvalidResourceItem');
    expect((await people.get('up3')).age).toBeUndefined();
  });

  it('upsert inserts a new id and updates an existing one', async () => {
    const inserted = await people.upsert({ id: 'ups1', name: 'First', age: 1 });
    expect(userFields(inserted)).toEqual({ id: 'ups1', name: 'First', age: 1 });
    const updated = await people.upsert({ id: 'ups1', age: 2 });
    expect(userFields(updated)).toEqual({ id: 'ups1', name: 'First', age: 2 });
    expect(userFields(await people.get('ups1'))).toEqual({ id: 'ups1', name: 'First', age: 2 });
  });

  it('patch changes only the given fields', async () => {
    await people.insert({ id: 'pa1', name: 'Pat', age: 40, status: 'active' });
    const patched = await people.patch('pa1', { status: 'inactive' });
    expect(userFields(patched)).toEqual({ id: 'pa1', name: 'Pat', age: 40, status: 'inactive' });
    expect((await people.get('pa1')).status).toBe('inactive');
  });

  it('replace overwrites the whole record', async () => {
    await people.insert({ id: 'rep1', name: 'Before', age: 50, status: 'active' });
    const replaced = await people.replace('rep1', { name: 'After' });
    expect(userFields(replaced)).toEqual({ id: 'rep1', name: 'After' });
    expect(userFields(await people.get('rep1'))).toEqual({ id: 'rep1', name: 'After' });
  });

  it('delete removes the record', async () => {
    await people.insert({ id: 'del1', name: 'Gone soon' });
    await people.delete('del1');
    expect(await people.exists('del1')).toBe(false);
    expect((await caught(people.get('del1'))).name).toBe('NoSuchKey');
  });

  it('emits insert, update and delete events with the record ($before/$after on update)', async () => {
    const res = await db.createResource({ name: uniqueName('evts'), attributes: { name: 'string', email: 'string|optional' } });
    const inserted = nextEvent(res, 'insert');
    await res.insert({ id: 'e1', name: 'Ev', email: 'a@x.io' });
    expect((await inserted)[0]).toMatchObject({ id: 'e1', name: 'Ev' });

    const updated = nextEvent(res, 'update');
    await res.update('e1', { email: 'b@x.io' });
    const [event] = await updated;
    expect(event.id).toBe('e1');
    expect(event.$before.email).toBe('a@x.io');
    expect(event.$after.email).toBe('b@x.io');

    const deleted = nextEvent(res, 'delete');
    await res.delete('e1');
    expect((await deleted)[0]).toMatchObject({ id: 'e1', $after: null });
  });
});

// ---------------------------------------------------------------------------------------------
describe('Resource IDs', () => {
  let db;
  guardedSetup(async () => { db = await connected(); });
  afterAll(async () => { await db?.disconnect(); });

  it('idSize sets the generated id length', async () => {
    const res = await db.createResource({ name: 'short', attributes: { name: 'string' }, idSize: 10 });
    expect(res.idSize).toBe(10);
    expect((await res.insert({ name: 'evt' })).id).toMatch(URL_ALPHABET_ID(10));
  });

  it('idGenerator as a number sets the generated id length', async () => {
    const res = await db.createResource({ name: 'eight', attributes: { name: 'string' }, idGenerator: 8 });
    expect((await res.insert({ name: 'x' })).id).toMatch(URL_ALPHABET_ID(8));
  });

  it('idGenerator as a function supplies the ids', async () => {
    let n = 0;
    const res = await db.createResource({ name: 'custom', attributes: { name: 'string' }, idGenerator: () => `custom-${++n}` });
    const a = await res.insert({ name: 'a' });
    const b = await res.insert({ name: 'b' });
    expect([a.id, b.id]).toEqual(['custom-1', 'custom-2']);
    expect(await res.get('custom-2')).toMatchObject({ id: 'custom-2', name: 'b' });
    expect(db.savedMetadata.resources.custom.versions.v1.idGenerator).toBe('custom_function');
  });

  it('numeric ids are stored and read as strings', async () => {
    const res = await db.createResource({ name: 'numid', attributes: { name: 'string' } });
    const rec = await res.insert({ id: 42, name: 'n' });
    expect(rec.id).toBe('42');
    expect((await res.get(42)).id).toBe('42');
  });
});

// ---------------------------------------------------------------------------------------------
describe('bulk operations, listing, paging and queries', () => {
  let db;
  let items;
  guardedSetup(async () => {
    db = await connected();
    items = await db.createResource({
      name: 'items',
      attributes: { name: 'string', status: 'string', rank: 'number' },
      paranoid: false,
    });
    await items.insertMany([
      { id: 'i1', name: 'one', status: 'active', rank: 1 },
      { id: 'i2', name: 'two', status: 'inactive', rank: 2 },
      { id: 'i3', name: 'three', status: 'active', rank: 3 },
      { id: 'i4', name: 'four', status: 'inactive', rank: 4 },
      { id: 'i5', name: 'five', status: 'active', rank: 5 },
    ]);
  });
  afterAll(async () => { await db?.disconnect(); });

  it('insertMany returned records are all readable', async () => {
    expect(await items.count()).toBe(5);
  });

  it('insertMany returns the inserted records and reports failures as `error` events', async () => {
    const res = await db.createResource({ name: uniqueName('many'), attributes: { name: 'string|required' } });
    const errorEvent = nextEvent(res, 'error');
    const records = await res.insertMany([{ id: 'm1', name: 'ok' }, { id: 'm2' }, { id: 'm3', name: 'ok too' }]);
    expect(records.map((r) => r.id).sort()).toEqual(['m1', 'm3']);
    const [error] = await errorEvent;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("The 'name' field is required.");
    expect(await res.exists('m2')).toBe(false);
  });

  it('getMany returns records in the order asked', async () => {
    const got = await items.getMany(['i3', 'i1', 'i5']);
    expect(got.map((r) => userFields(r))).toEqual([
      { id: 'i3', name: 'three', status: 'active', rank: 3 },
      { id: 'i1', name: 'one', status: 'active', rank: 1 },
      { id: 'i5', name: 'five', status: 'active', rank: 5 },
    ]);
  });

  it('getMany does not fail on a missing id (it is left out or reported with _error)', async () => {
    const got = await items.getMany(['i2', 'nope']);
    expect(got[0]).toMatchObject({ id: 'i2', name: 'two' });
    const missing = got.filter((r) => r.id === 'nope');
    expect(missing.length).toBeLessThanOrEqual(1);
    for (const item of missing) expect(typeof item._error).toBe('string');
    expect(got.filter((r) => r.id !== 'nope')).toHaveLength(1);
  });

  it('list does not throw: an unknown partition gives [] and a `list` event with count 0', async () => {
    const event = nextEvent(items, 'list');
    const listed = await items.list({ partition: 'byNothing', partitionValues: { x: 1 } });
    expect(listed).toEqual([]);
    const [payload] = await event;
    expect(payload).toMatchObject({ count: 0, partition: 'byNothing' });
    expect(typeof payload.errors).toBe('number');
  });

  it('getAll returns every record', async () => {
    const all = await items.getAll();
    expect(all.map((r) => r.id).sort()).toEqual(['i1', 'i2', 'i3', 'i4', 'i5']);
  });

  it('listIds returns ids in key order and honours limit/offset', async () => {
    expect(await items.listIds()).toEqual(['i1', 'i2', 'i3', 'i4', 'i5']);
    expect(await items.listIds({ limit: 2 })).toEqual(['i1', 'i2']);
    expect(await items.listIds({ limit: 2, offset: 3 })).toEqual(['i4', 'i5']);
    expect(await items.listIds({ offset: 4 })).toEqual(['i5']);
  });

  it('list returns full records and honours limit/offset', async () => {
    const all = await items.list();
    expect(all).toHaveLength(5);
    expect(userFields(all[0])).toEqual({ id: 'i1', name: 'one', status: 'active', rank: 1 });
    const page = await items.list({ limit: 2, offset: 1 });
    expect(page.map((r) => r.id)).toEqual(['i2', 'i3']);
  });

  it('page returns items, totals and _debug', async () => {
    const first = await items.page({ offset: 0, size: 2 });
    expect(first.items.map((r) => r.id)).toEqual(['i1', 'i2']);
    expect(first).toMatchObject({ totalItems: 5, page: 0, pageSize: 2, totalPages: 3 });
    expect(first._debug).toMatchObject({
      requestedSize: 2, requestedOffset: 0, actualItemsReturned: 2, skipCount: false, hasTotalItems: true,
    });
    const last = await items.page({ offset: 4, size: 2 });
    expect(last.items.map((r) => r.id)).toEqual(['i5']);
    expect(last.page).toBe(2);
    expect(last._debug.actualItemsReturned).toBe(1);
  });

  it('page with skipCount leaves the totals null', async () => {
    const fast = await items.page({ offset: 0, size: 3, skipCount: true });
    expect(fast.items).toHaveLength(3);
    expect(fast.totalItems).toBeNull();
    expect(fast.totalPages).toBeNull();
    expect(fast._debug.skipCount).toBe(true);
    expect(fast._debug.hasTotalItems).toBe(false);
  });

  it('page with default options returns up to 100 items', async () => {
    const page = await items.page();
    expect(page.items).toHaveLength(5);
    expect(page.pageSize).toBe(100);
    expect(page.totalItems).toBe(5);
  });

  it('query filters on top-level field equality with limit/offset', async () => {
    const active = await items.query({ status: 'active' });
    expect(active.map((r) => r.id)).toEqual(['i1', 'i3', 'i5']);
    expect((await items.query({ status: 'active' }, { limit: 1, offset: 1 })).map((r) => r.id)).toEqual(['i3']);
    expect((await items.query({ status: 'active', rank: 5 })).map((r) => r.id)).toEqual(['i5']);
    expect(await items.query({ status: 'nobody' })).toEqual([]);
    expect(await items.query()).toHaveLength(5);
  });

  it('query compares the record users see: id and read decorations included', async () => {
    expect((await items.query({ id: 'i3' })).map((r) => r.id)).toEqual(['i3']);
    expect((await items.query({ id: 'i3', status: 'inactive' }))).toEqual([]);
    const [first] = await items.query({ id: 'i1' });
    expect((await items.query({ _etag: first._etag, _versionMapped: true })).map((r) => r.id)).toContain('i1');
    expect(await items.query({ _hasContent: 'false' })).toEqual([]);
    expect(await items.query({ status: { $eq: 'active' } })).toEqual([]);
  });

  it('deleteMany removes the given ids', async () => {
    const res = await db.createResource({ name: uniqueName('delmany'), attributes: { n: 'number' } });
    await res.insertMany([{ id: 'a', n: 1 }, { id: 'b', n: 2 }, { id: 'c', n: 3 }]);
    await res.deleteMany(['a', 'c']);
    expect(await res.listIds()).toEqual(['b']);
    expect(await res.count()).toBe(1);
  });

  it('deleteAll refuses on paranoid resources and empties non-paranoid ones', async () => {
    const guarded = await db.createResource({ name: uniqueName('guarded'), attributes: { n: 'number' } });
    await guarded.insert({ id: 'g1', n: 1 });
    const error = await caught(guarded.deleteAll());
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('deleteAll() is a dangerous operation and requires paranoid: false option.');
    expect(await guarded.count()).toBe(1);

    const open = await db.createResource({ name: uniqueName('open'), attributes: { n: 'number' }, paranoid: false });
    await open.insertMany([{ id: 'o1', n: 1 }, { id: 'o2', n: 2 }]);
    const result = await open.deleteAll();
    expect(result.deletedCount).toBe(2);
    expect(await open.count()).toBe(0);
    expect(await open.listIds()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('partitions', () => {
  let db;
  let orders;
  guardedSetup(async () => {
    db = await connected();
    orders = await db.createResource({
      name: 'orders',
      attributes: { name: 'string', region: 'string', utm: { source: 'string|optional' } },
      partitions: {
        byRegion: { fields: { region: 'string' } },
        byUtmSource: { fields: { 'utm.source': 'string' } },
      },
    });
    await orders.insert({ id: 'o1', name: 'First', region: 'US', utm: { source: 'google' } });
    await orders.insert({ id: 'o2', name: 'Second', region: 'EU', utm: { source: 'bing' } });
    await orders.insert({ id: 'o3', name: 'Third', region: 'US', utm: { source: 'google' } });
  });
  afterAll(async () => { await db?.disconnect(); });

  it('listIds, count and list by partition', async () => {
    const us = { partition: 'byRegion', partitionValues: { region: 'US' } };
    expect(await orders.listIds(us)).toEqual(['o1', 'o3']);
    expect(await orders.count(us)).toBe(2);
    expect((await orders.list(us)).map((r) => r.name)).toEqual(['First', 'Third']);
    expect((await orders.page({ ...us, size: 1 })).totalItems).toBe(2);
    expect(await orders.listIds({ partition: 'byUtmSource', partitionValues: { 'utm.source': 'bing' } })).toEqual(['o2']);
  });

  it('an update moves the record between partitions; delete removes it', async () => {
    await orders.insert({ id: 'o4', name: 'Mover', region: 'US' });
    await orders.update('o4', { region: 'BR' });
    expect(await orders.listIds({ partition: 'byRegion', partitionValues: { region: 'BR' } })).toEqual(['o4']);
    expect(await orders.listIds({ partition: 'byRegion', partitionValues: { region: 'US' } })).not.toContain('o4');
    await orders.delete('o4');
    expect(await orders.listIds({ partition: 'byRegion', partitionValues: { region: 'BR' } })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('timestamps', () => {
  let db;
  let posts;
  guardedSetup(async () => {
    db = await connected();
    posts = await db.createResource({ name: 'posts', attributes: { title: 'string' }, timestamps: true });
  });
  afterAll(async () => { await db?.disconnect(); });

  it('insert sets createdAt and updatedAt to ISO strings; update refreshes only updatedAt', async () => {
    const before = Date.now();
    const post = await posts.insert({ id: 'p1', title: 'Hello' });
    expect(post.createdAt).toMatch(ISO_DATE);
    expect(post.updatedAt).toMatch(ISO_DATE);
    expect(Date.parse(post.createdAt)).toBeGreaterThanOrEqual(before - 5);
    expect(Date.parse(post.createdAt)).toBeLessThanOrEqual(Date.now() + 5);
    const stored = await posts.get('p1');
    expect(stored.createdAt).toBe(post.createdAt);
    expect(stored.updatedAt).toBe(post.updatedAt);

    await sleep(5);
    const updated = await posts.update('p1', { title: 'Hello again' });
    expect(updated.createdAt).toBe(post.createdAt);
    expect(updated.updatedAt > post.updatedAt).toBe(true);
    const reread = await posts.get('p1');
    expect(reread.createdAt).toBe(post.createdAt);
    expect(reread.updatedAt).toBe(updated.updatedAt);
  });

  it('records are listed under the byCreatedDate partition of their day', async () => {
    const post = await posts.insert({ id: 'p2', title: 'Dated' });
    const day = post.createdAt.slice(0, 10);
    const ids = await posts.listIds({ partition: 'byCreatedDate', partitionValues: { createdAt: day } });
    expect(ids).toContain('p2');
  });
});

// ---------------------------------------------------------------------------------------------
describe('value types round trip', () => {
  let db;
  let url;
  guardedSetup(async () => {
    url = uniqueUrl('types');
    db = new S3db({ connectionString: url });
    await db.connect();
  });
  afterAll(async () => { await db?.disconnect(); });

  /** Inserts `doc`, reads it back through get, list and a fresh connection; returns the three reads. */
  async function roundTrip(attributes, doc) {
    const name = uniqueName('types');
    const res = await db.createResource({ name, attributes });
    const inserted = await res.insert({ id: 'r1', ...doc });
    const got = await res.get('r1');
    const [listed] = await res.list();
    const fresh = new S3db({ connectionString: url });
    await fresh.connect();
    const reread = await fresh.resources[name].get('r1');
    await fresh.disconnect();
    for (const read of [got, listed, reread]) expect(userFields(read)).toEqual(userFields(inserted));
    return userFields(got);
  }

  it('numbers: integers, decimals, negatives, zero and large values', async () => {
    const doc = { int: 42, dec: 19.99, neg: -7, negDec: -3.14159, zero: 0, big: 123456789012, maxSafe: 9007199254740991 };
    const attrs = Object.fromEntries(Object.keys(doc).map((k) => [k, 'number']));
    expect(await roundTrip(attrs, doc)).toEqual({ id: 'r1', ...doc });
  });

  it('integer numbers (`number|integer`) and numeric strings converted by validation', async () => {
    const got = await roundTrip({ count: 'number|integer:true', age: 'number|integer|positive', fromText: 'number' }, { count: 3844, age: 30, fromText: '42' });
    expect(got).toEqual({ id: 'r1', count: 3844, age: 30, fromText: 42 });
  });

  it('booleans', async () => {
    expect(await roundTrip({ yes: 'boolean', no: 'boolean' }, { yes: true, no: false })).toEqual({ id: 'r1', yes: true, no: false });
  });

  it('arrays of strings with `|`, `\\`, empty and non-ASCII items', async () => {
    const tags = ['a|b', 'c\\d', '', 'pipe|and\\back', 'ünï', 'plain'];
    expect(await roundTrip({ tags: 'array|items:string' }, { tags })).toEqual({ id: 'r1', tags });
  });

  it('empty arrays', async () => {
    expect(await roundTrip({ tags: 'array|items:string', nums: 'array|items:number' }, { tags: [], nums: [] }))
      .toEqual({ id: 'r1', tags: [], nums: [] });
  });

  it('arrays of numbers (decimal and integer)', async () => {
    const doc = { scores: [1.5, -2.25, 3, 0, 1e21], counts: [1, 62, 3844, -1, 9007199254740991] };
    expect(await roundTrip({ scores: 'array|items:number', counts: 'array|items:number|integer:true' }, doc)).toEqual({ id: 'r1', ...doc });
  });

  it('nested objects', async () => {
    const doc = { name: 'Alice', profile: { bio: 'Hello', address: { city: 'Lisbon', zip: '1000-001' } } };
    const attrs = { name: 'string', profile: { bio: 'string|optional', address: { city: 'string|optional', zip: 'string|optional' } } };
    expect(await roundTrip(attrs, doc)).toEqual({ id: 'r1', ...doc });
  });

  it('json and object fields, and arrays of objects', async () => {
    const doc = { settings: { theme: 'dark', n: 1 }, extra: { a: 1, b: [1, 2], c: { d: null } }, objs: [{ k: 'v' }, { n: 2 }] };
    const attrs = { settings: 'json', extra: 'object|optional', objs: 'array|items:object' };
    expect(await roundTrip(attrs, doc)).toEqual({ id: 'r1', ...doc });
  });

  it('secret fields read back as the plaintext', async () => {
    const doc = { password: 'my-password', apiKey: 'Olá 🌍', empty: '' };
    const got = await roundTrip({ password: 'secret', apiKey: 'secret|optional', empty: 'secret|optional' }, doc);
    expect(got).toEqual({ id: 'r1', ...doc });
  });

  it('nested secret fields read back as the plaintext', async () => {
    const got = await roundTrip({ creds: { token: 'secret|optional', user: 'string|optional' } }, { creds: { token: 'tok-123', user: 'svc' } });
    expect(got).toEqual({ id: 'r1', creds: { token: 'tok-123', user: 'svc' } });
  });

  it('embedding:N keeps 6 decimal places', async () => {
    const got = await roundTrip({ vec: 'embedding:4' }, { vec: [0.1, -0.2, 0.3333333, 0] });
    expect(got.vec).toHaveLength(4);
    [0.1, -0.2, 0.333333, 0].forEach((v, i) => expect(got.vec[i]).toBeCloseTo(v, 6));
  });

  it('ip4 and ip6 addresses', async () => {
    const doc = { ip: '192.168.1.1', ipv6: '2001:db8::1' };
    expect(await roundTrip({ ip: 'ip4', ipv6: 'ip6' }, doc)).toEqual({ id: 'r1', ...doc });
  });

  it('money, crypto and decimal', async () => {
    const got = await roundTrip(
      { price: 'money', btc: 'crypto', ratio: 'decimal:4' },
      { price: 19.99, btc: 0.00012345, ratio: 3.14159 },
    );
    expect(got.price).toBe(19.99);
    expect(got.btc).toBeCloseTo(0.00012345, 8);
    expect(got.ratio).toBeCloseTo(3.1416, 4);
  });

  it('geo:lat, geo:lon and geo:point', async () => {
    const got = await roundTrip(
      { lat: 'geo:lat', lon: 'geo:lon', loc: 'geo:point' },
      { lat: -23.55052, lon: -46.633308, loc: { lat: 40.7128, lon: -74.006 } },
    );
    expect(got.lat).toBeCloseTo(-23.55052, 5);
    expect(got.lon).toBeCloseTo(-46.633308, 5);
    expect(got.loc.latitude).toBeCloseTo(40.7128, 5);
    expect(got.loc.longitude).toBeCloseTo(-74.006, 5);
  });

  it('unicode, emoji, newlines and prefix-like strings', async () => {
    const doc = {
      a: 'José da Silva', b: '日本語テキスト', c: 'Hello 🌍 world', d: 'line1\nline2', e: 'd:literal', f: 'u:literal', g: 'b:literal',
      h: 'https://api.example.com/users/1?x=1&y=2', i: 'tab\there',
    };
    const attrs = Object.fromEntries(Object.keys(doc).map((k) => [k, 'string']));
    expect(await roundTrip(attrs, doc)).toEqual({ id: 'r1', ...doc });
  });

  it('empty strings stay empty strings', async () => {
    expect(await roundTrip({ name: 'string', note: 'string|optional' }, { name: 'x', note: '' })).toEqual({ id: 'r1', name: 'x', note: '' });
  });

  it('the strings "null" and "undefined" stay strings', async () => {
    const got = await roundTrip({ a: 'string', b: 'string', tags: 'array|items:string' }, { a: 'null', b: 'undefined', tags: ['null'] });
    expect(got).toEqual({ id: 'r1', a: 'null', b: 'undefined', tags: ['null'] });
  });

  it('Date values of `date` attributes read back as ISO strings', async () => {
    const got = await roundTrip({ born: 'date', seen: 'date|optional' }, { born: new Date('1990-05-17T00:00:00.000Z'), seen: new Date('2024-06-27T15:30:00.123Z') });
    expect(got).toEqual({ id: 'r1', born: '1990-05-17T00:00:00.000Z', seen: '2024-06-27T15:30:00.123Z' });
  });

  it('absent optional fields stay absent', async () => {
    const got = await roundTrip({ name: 'string', note: 'string|optional', n: 'number|optional', tags: 'array|items:string|optional' }, { name: 'only' });
    expect(got).toEqual({ id: 'r1', name: 'only' });
  });

  it('records over the 2 KB metadata limit survive in every behavior that keeps data', async () => {
    for (const behavior of ['user-managed', 'body-overflow', 'body-only']) {
      const res = await db.createResource({ name: uniqueName('big'), attributes: { title: 'string', body: 'string' }, behavior });
      const body = 'x'.repeat(5000);
      await res.insert({ id: 'b1', title: 'big', body });
      const got = await res.get('b1');
      expect({ behavior, ...userFields(got) }).toEqual({ behavior, id: 'b1', title: 'big', body });
    }
  });
});

describe('numbers come back exactly', () => {
  it('every double round-trips through a number field and a number array', async () => {
    const db = new S3db({ connectionString: uniqueUrl('numbers') });
    await db.connect();
    const res = await db.createResource({ name: 'nums', attributes: { n: 'number', list: 'array|items:number' } });
    const values = [268254699210150660, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 80 + 2 ** 28, 1e21, 0.1 + 0.2, 1e-7, 123456.789];
    await Promise.all(values.map((n, i) => res.insert({ id: `v${i}`, n, list: [n, 1] })));
    for (const [i, n] of values.entries()) {
      const got = await res.get(`v${i}`);
      expect(Object.is(got.n, n), `${n} read back as ${got.n}`).toBe(true);
      expect(Object.is(got.list[0], n), `${n} in an array read back as ${got.list[0]}`).toBe(true);
    }
    await db.disconnect();
  });
});
