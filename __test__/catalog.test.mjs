// s3db.json from the user's side: schema versions (records read with the map of the version
// that wrote them, versioningEnabled) and a catalogue that heals instead of failing.
import { describe, it, expect } from 'vitest';
import { S3db, MemoryClient } from '../lib/index.mjs';
import { uniqueName, nextEvent, userFields } from './helpers.mjs';

const NOW = '2025-01-02T03:04:05.678Z';

async function connectedTo(client, options = {}) {
  const db = new S3db({ client, ...options });
  const healed = [];
  db.on('metadataHealed', (payload) => healed.push(payload));
  await db.connect();
  return { db, healed };
}

const catalogueText = async (client) => (await client.getObject('s3db.json')).Body.transformToString();
const puts = (client) => client.getRequestCounts().PutObjectCommand || 0;

function version(attributes, extra = {}) {
  return {
    hash: 'sha256:0', attributes, behavior: 'user-managed', timestamps: false, partitions: {}, paranoid: true,
    allNestedObjectsOptional: true, autoDecrypt: true, cache: false, asyncEvents: true, hooks: {}, idSize: 22,
    idGenerator: 22, createdAt: NOW, ...extra,
  };
}

function catalogue(resources) {
  return { version: '1', s3dbVersion: '12.4.0', lastUpdated: NOW, resources };
}

const resourceEntry = (attributes, extra = {}) => ({
  currentVersion: 'v1', partitions: {}, createdBy: 'user', versions: { v1: version(attributes, extra) },
});

describe('schema versions', () => {
  it('reads each record with the attribute map of the version that wrote it', async () => {
    const client = new MemoryClient({ bucket: 'versions', keyPrefix: 'db' });
    const { db } = await connectedTo(client);
    const name = uniqueName('members');
    const members = await db.createResource({ name, attributes: { name: 'string', age: 'number|optional' } });
    await members.insert({ id: 'm1', name: 'Ann', age: 40 });
    const bumped = nextEvent(members, 'versionUpdated');
    // v2 reorders the attributes: the positional map gives `age` key 0 and `name` key 1.
    await db.createResource({ name, attributes: { age: 'number|optional', name: 'string', city: 'string|optional' } });
    expect((await bumped)[0]).toEqual({ oldVersion: 'v1', newVersion: 'v2' });
    expect(members.version).toBe('v2');
    expect(members.schema.map).toEqual({ age: '0', name: '1', city: '2' });
    await members.insert({ id: 'm2', name: 'Bob', age: 41, city: 'Porto' });
    expect(userFields(await members.get('m1'))).toEqual({ id: 'm1', name: 'Ann', age: 40 });
    expect(userFields(await members.get('m2'))).toEqual({ id: 'm2', name: 'Bob', age: 41, city: 'Porto' });

    const { db: again } = await connectedTo(client);
    const reread = await again.resources[name].get('m1');
    expect(userFields(reread)).toEqual({ id: 'm1', name: 'Ann', age: 40 });
    expect(reread).toMatchObject({ _v: 'v2', _originalVersion: '1' });
    expect(Object.keys(again.savedMetadata.resources[name].versions)).toEqual(['v1', 'v2']);
  });

  it('versioningEnabled adds the byVersion partition; updates move records to the current version', async () => {
    const client = new MemoryClient({ bucket: 'versioned' });
    const { db } = await connectedTo(client, { versioningEnabled: true });
    const stock = await db.createResource({ name: 'stock', attributes: { name: 'string', qty: 'number|optional' } });
    expect(stock.config.partitions).toEqual({ byVersion: { fields: { _v: 'string' } } });
    expect(db.savedMetadata.resources.stock.partitions).toEqual({ byVersion: { fields: { _v: 'string' } } });
    await stock.insert({ id: 's1', name: 'Widget', qty: 5 });
    await stock.insert({ id: 's2', name: 'Gadget', qty: 1 });
    await db.createResource({ name: 'stock', attributes: { name: 'string', qty: 'number|optional', note: 'string|optional' } });
    await stock.update('s1', { note: 'recounted' });
    expect(await stock.listIds({ partition: 'byVersion', partitionValues: { _v: 'v1' } })).toEqual(['s2']);
    expect(await stock.listIds({ partition: 'byVersion', partitionValues: { _v: 'v2' } })).toEqual(['s1']);
    expect(client.getAllStoredKeys().some((k) => k.includes('/historical/'))).toBe(false);
  });
});

describe('a catalogue that heals', () => {
  async function healedFrom(text) {
    const client = new MemoryClient({ bucket: 'heal' });
    await client.putObject({ key: 's3db.json', body: text, contentType: 'application/json' });
    const { db, healed } = await connectedTo(client);
    return { client, db, healed };
  }

  it('malformed JSON is repaired when s3db.js repairs it, the original kept aside', async () => {
    const text = JSON.stringify(catalogue({ users: resourceEntry({ name: 'string' }) }), null, 2).replace(/}\n}$/, '},\n}');
    const { client, db, healed } = await healedFrom(text);
    expect(healed).toHaveLength(1);
    expect(healed[0].healingLog).toContain('JSON recovery successful using fix #1');
    expect(Object.keys(db.resources)).toEqual(['users']);
    const backups = client.getAllStoredKeys().filter((k) => k.startsWith('s3db.json.corrupted.'));
    expect(backups).toHaveLength(1);
    expect(await (await client.getObject(backups[0])).Body.transformToString()).toBe(text);
    expect(JSON.parse(await catalogueText(client)).resources.users.currentVersion).toBe('v1');
  });

  it('unreadable JSON becomes a blank catalogue after a backup, and is not rewritten again', async () => {
    const { client, db, healed } = await healedFrom('{"version": "1", "resources": {"users": [oops');
    expect(healed[0].healingLog.at(-1)).toBe('Created backup of corrupted file - starting with blank metadata');
    expect(db.resources).toEqual({});
    expect(client.getAllStoredKeys().filter((k) => k.startsWith('s3db.json.corrupted.'))).toHaveLength(1);
    const before = puts(client);
    const { healed: none } = await connectedTo(client);
    expect(none).toEqual([]);
    expect(puts(client)).toBe(before);
  });

  it('missing structure, a current version that does not exist and invalid types heal without losing a definition', async () => {
    const text = JSON.stringify({
      version: 1,
      resources: {
        noCurrent: { versions: { v1: version({ a: 'string' }) } },
        ghostCurrent: { currentVersion: 'v7', partitions: 'x', versions: { v1: version({}), v2: version({ b: 'number' }) } },
        badTypes: resourceEntry({ c: 'string' }, { behavior: 42, timestamps: 'yes', idSize: -1, partitions: { p: { fields: 'c' } } }),
        nothing: { currentVersion: 'v1', versions: {} },
      },
    });
    const { client, db, healed } = await healedFrom(text);
    const log = healed[0].healingLog;
    expect(log).toEqual(expect.arrayContaining([
      'Converted version from number to string',
      'Added missing s3dbVersion field',
      'Added missing lastUpdated field',
      'Resource noCurrent: added missing currentVersion',
      'Resource ghostCurrent: changed currentVersion from v7 to v2',
      'Resource ghostCurrent: fixed invalid partitions object',
      'Resource nothing: no valid versions found - removing resource',
    ]));
    expect(Object.keys(db.resources).sort()).toEqual(['badTypes', 'ghostCurrent', 'noCurrent']);
    expect(db.resources.ghostCurrent.attributes).toEqual({ b: 'number' });
    expect(db.resources.badTypes.behavior).toBe('user-managed');
    const badTypes = db.resources.badTypes;
    await badTypes.insert({ id: 'r1', c: 'works' });
    expect((await badTypes.get('r1')).c).toBe('works');
    const saved = JSON.parse(await catalogueText(client));
    expect(saved.version).toBe('1');
    expect(saved.resources.noCurrent.currentVersion).toBe('v1');
    expect(saved.resources.ghostCurrent.versions.v1).toBeDefined();
    // The dropped entry is in the backup.
    const backups = client.getAllStoredKeys().filter((k) => k.startsWith('s3db.json.corrupted.'));
    expect(await (await client.getObject(backups[0])).Body.transformToString()).toBe(text);
  });

  it('null and invalid hooks are healed; dropping function placeholders causes no rewrite', async () => {
    const text = JSON.stringify(catalogue({
      a: resourceEntry({ x: 'string' }, { hooks: null }),
      b: resourceEntry({ x: 'string' }, { hooks: { beforeInsert: [null], afterInsert: 'nope', beforeUpdate: [null, ''] } }),
      c: resourceEntry({ x: 'string' }, { hooks: { beforeInsert: [null] } }),
    }));
    const { client, healed } = await healedFrom(text);
    expect(healed[0].healingLog).toEqual([
      'Resource a: invalid hooks structure - using empty hooks',
      'Resource b: hooks for event afterInsert is not an array - removing',
      'Resource b: cleaned invalid hooks for event beforeUpdate',
    ]);
    const saved = JSON.parse(await catalogueText(client));
    expect(saved.resources.a.versions.v1.hooks).toEqual({});
    expect(saved.resources.b.versions.v1.hooks).toEqual({ beforeInsert: [], beforeUpdate: [] });
    expect(saved.resources.c.versions.v1.hooks).toEqual({ beforeInsert: [] });
    const before = puts(client);
    const { healed: none } = await connectedTo(client);
    expect(none).toEqual([]);
    expect(puts(client)).toBe(before);
  });

  it('a catalogue whose only flaw is function placeholders loads without them and is not rewritten', async () => {
    const text = JSON.stringify(catalogue({ c: resourceEntry({ x: 'string' }, { hooks: { beforeInsert: [null] } }) }));
    const { client, db, healed } = await healedFrom(text);
    expect(healed).toEqual([]);
    expect(db.savedMetadata.resources.c.versions.v1.hooks).toEqual({ beforeInsert: [] });
    expect(await catalogueText(client)).toBe(text);
  });

  it('a resource whose attributes cannot be loaded is reported, the others load, nothing is rewritten', async () => {
    const text = JSON.stringify(catalogue({ good: resourceEntry({ x: 'string' }), bad: resourceEntry({ x: 'nonsense|optional' }) }));
    const { client, db, healed } = await healedFrom(text);
    expect(Object.keys(db.resources)).toEqual(['good']);
    expect(healed[0].healingLog).toHaveLength(1);
    expect(healed[0].healingLog[0]).toMatch(/^Resource bad: could not be loaded \(.*\); its definition is kept in s3db.json$/);
    expect(await catalogueText(client)).toBe(text);
  });

  it('a catalogue written by s3db.js 19.x loads as it is', async () => {
    const entry = resourceEntry({ name: 'string' }, {
      idGenerator: 'default', hooks: { beforeInsert: { count: 1, handlers: [{ name: 'bound noop', length: 1, type: 'function' }] } },
    });
    delete entry.versions.v1.asyncEvents;
    entry.schemaRegistry = { nextIndex: 1, mapping: { name: 0 }, burned: [] };
    entry.pluginSchemaRegistry = {};
    const text = JSON.stringify({ ...catalogue({ jobs: entry }), s3dbVersion: 'latest' }, null, 2);
    const { client, db, healed } = await healedFrom(text);
    expect(healed).toEqual([]);
    expect(Object.keys(db.resources)).toEqual(['jobs']);
    await db.resources.jobs.insert({ id: 'j1', name: 'job' });
    expect(await catalogueText(client)).toBe(text);
  });
});
