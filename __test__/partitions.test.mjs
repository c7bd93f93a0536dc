// Partitions from the user's side: composite and nested keys, rules, every listing call with
// {partition, partitionValues}, getFromPartition, getPartitionKey, moves and deletes, orphaned
// partitions, and the repair that rebuilds references.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3db, MemoryClient, PartitionError, ResourceError } from '../lib/index.mjs';
import { uniqueUrl, storedKeys, caught, caughtSync, nextEvent, guardedSetup } from './helpers.mjs';

const referenceKeys = async (db, id) =>
  (await storedKeys(db)).filter((k) => k.includes('/partition=') && k.endsWith(`/id=${id}`));

const ORDERS = {
  name: 'orders',
  attributes: { name: 'string', region: 'string', category: 'string', utm: { source: 'string|optional' } },
  partitions: {
    byRegion: { fields: { region: 'string' } },
    byRegionCategory: { fields: { region: 'string', category: 'string' } },
    byUtmSource: { fields: { 'utm.source': 'string' } },
  },
};

describe('partition references and listings', () => {
  let db;
  let orders;
  guardedSetup(async () => {
    db = new S3db({ connectionString: uniqueUrl('partitions', 'app') });
    await db.connect();
    orders = await db.createResource(ORDERS);
    await orders.insert({ id: 'o1', name: 'First', region: 'US', category: 'books', utm: { source: 'google' } });
    await orders.insert({ id: 'o2', name: 'Second', region: 'US', category: 'games', utm: { source: 'bing' } });
    await orders.insert({ id: 'o3', name: 'Third', region: 'BR', category: 'books', utm: { source: 'google' } });
  });
  afterAll(async () => { await db?.disconnect(); });

  it('composite partitions sort their fields like s3db.js; nested fields use their dot path', async () => {
    expect(await referenceKeys(db, 'o1')).toEqual([
      'resource=orders/partition=byRegion/region=US/id=o1',
      'resource=orders/partition=byRegionCategory/category=books/region=US/id=o1',
      'resource=orders/partition=byUtmSource/utm.source=google/id=o1',
    ]);
  });

  it('listIds, list, listPartition, count, page and query take {partition, partitionValues}', async () => {
    const usBooks = { partition: 'byRegionCategory', partitionValues: { region: 'US', category: 'books' } };
    expect(await orders.listIds(usBooks)).toEqual(['o1']);
    expect((await orders.list(usBooks)).map((r) => r.name)).toEqual(['First']);
    expect((await orders.listPartition(usBooks)).map((r) => r.id)).toEqual(['o1']);
    expect(await orders.count(usBooks)).toBe(1);
    const us = { partition: 'byRegion', partitionValues: { region: 'US' } };
    const page = await orders.page({ ...us, size: 1 });
    expect(page).toMatchObject({ totalItems: 2, totalPages: 2, hasMore: true });
    expect(page.items.map((r) => r.id)).toEqual(['o1']);
    expect((await orders.query({ category: 'games' }, us)).map((r) => r.id)).toEqual(['o2']);
    expect(await orders.listIds({ partition: 'byUtmSource', partitionValues: { 'utm.source': 'google' } })).toEqual(['o1', 'o3']);
    expect(await orders.listIds({ partition: 'byUtmSource', partitionValues: { utm: { source: 'bing' } } })).toEqual(['o2']);
  });

  it('a value for a later field of a composite partition filters the listing', async () => {
    // `region` sorts after `category`: listing by region alone cannot use a key prefix.
    expect(await orders.listIds({ partition: 'byRegionCategory', partitionValues: { region: 'US' } })).toEqual(['o1', 'o2']);
    expect(await orders.count({ partition: 'byRegionCategory', partitionValues: { region: 'BR' } })).toBe(1);
  });

  it('a partition never lists a sibling whose name starts with its own', async () => {
    expect(await orders.count({ partition: 'byRegion' })).toBe(3);
  });

  it('getFromPartition returns the record with _partition and _partitionValues', async () => {
    const waited = nextEvent(orders, 'getFromPartition');
    const record = await orders.getFromPartition({ id: 'o1', partitionName: 'byRegionCategory', partitionValues: { region: 'US', category: 'books' } });
    expect(record).toMatchObject({ id: 'o1', name: 'First', _partition: 'byRegionCategory', _partitionValues: { region: 'US', category: 'books' } });
    expect((await waited)[0].id).toBe('o1');
  });

  it('getFromPartition errors as s3db.js does', async () => {
    const unknown = await caught(orders.getFromPartition({ id: 'o1', partitionName: 'byNothing', partitionValues: { region: 'US' } }));
    expect(unknown).toBeInstanceOf(PartitionError);
    expect(unknown.message).toBe("Partition 'byNothing' not found");
    const empty = await caught(orders.getFromPartition({ id: 'o1', partitionName: 'byRegion', partitionValues: {} }));
    expect(empty).toBeInstanceOf(PartitionError);
    expect(empty.message).toBe("No partition values provided for partition 'byRegion'");
    const elsewhere = await caught(orders.getFromPartition({ id: 'o3', partitionName: 'byRegion', partitionValues: { region: 'US' } }));
    expect(elsewhere).toBeInstanceOf(ResourceError);
    expect(elsewhere.message).toBe("Resource with id 'o3' not found in partition 'byRegion'");
  });

  it('getPartitionKey computes keys without storage, null when a field is missing', () => {
    expect(orders.getPartitionKey({ partitionName: 'byRegionCategory', id: 'z', data: { region: 'EU', category: 'toys' } }))
      .toBe('resource=orders/partition=byRegionCategory/category=toys/region=EU/id=z');
    expect(orders.getPartitionKey({ partitionName: 'byUtmSource', id: 'z', data: { utm: { source: 'ads' } } }))
      .toBe('resource=orders/partition=byUtmSource/utm.source=ads/id=z');
    expect(orders.getPartitionKey({ partitionName: 'byUtmSource', id: 'z', data: { region: 'EU' } })).toBeNull();
    expect(caughtSync(() => orders.getPartitionKey({ partitionName: 'nope', id: 'z', data: {} }))).toBeInstanceOf(PartitionError);
  });

  it('an update moves references (the sibling partition keeps its own); delete removes them all', async () => {
    await orders.insert({ id: 'o4', name: 'Mover', region: 'US', category: 'books' });
    await orders.update('o4', { region: 'EU', utm: { source: 'ads' } });
    expect(await referenceKeys(db, 'o4')).toEqual([
      'resource=orders/partition=byRegion/region=EU/id=o4',
      'resource=orders/partition=byRegionCategory/category=books/region=EU/id=o4',
      'resource=orders/partition=byUtmSource/utm.source=ads/id=o4',
    ]);
    expect(await orders.listIds({ partition: 'byRegion', partitionValues: { region: 'US' } })).not.toContain('o4');
    await orders.replace('o4', { name: 'Replaced', region: 'BR', category: 'games' });
    expect(await referenceKeys(db, 'o4')).toEqual([
      'resource=orders/partition=byRegion/region=BR/id=o4',
      'resource=orders/partition=byRegionCategory/category=games/region=BR/id=o4',
    ]);
    await orders.delete('o4');
    expect(await referenceKeys(db, 'o4')).toEqual([]);
  });
});

describe('partition rules', () => {
  let db;
  guardedSetup(async () => {
    db = new S3db({ connectionString: uniqueUrl('rules') });
    await db.connect();
  });
  afterAll(async () => { await db?.disconnect(); });

  it('maxlength cuts values; date rules keep the day of ISO and other date text (read as UTC)', async () => {
    const events = await db.createResource({
      name: 'events',
      attributes: { code: 'string', day: 'string', when: 'date|optional' },
      partitions: {
        byCode: { fields: { code: 'string|maxlength:3' } },
        byDay: { fields: { day: 'date' } },
        byWhen: { fields: { when: 'date|maxlength:10' } },
      },
    });
    await events.insert({ id: 'e1', code: 'ABCDEF', day: 'March 7, 2024', when: new Date('2024-05-06T23:59:00Z') });
    await events.insert({ id: 'e2', code: 'ABCxyz', day: '2024-03-07T10:00:00.000Z' });
    await events.insert({ id: 'e3', code: 'Q', day: 'not a date' });
    expect(await referenceKeys(db, 'e1')).toEqual([
      'resource=events/partition=byCode/code=ABC/id=e1',
      'resource=events/partition=byDay/day=2024-03-07/id=e1',
      'resource=events/partition=byWhen/when=2024-05-06/id=e1',
    ]);
    expect(await events.listIds({ partition: 'byCode', partitionValues: { code: 'ABCDEFGH' } })).toEqual(['e1', 'e2']);
    expect(await events.listIds({ partition: 'byDay', partitionValues: { day: 'Mar 7 2024' } })).toEqual(['e1', 'e2']);
    expect(await events.listIds({ partition: 'byDay', partitionValues: { day: 'not a date' } })).toEqual(['e3']);
  });
});

describe('orphaned partitions and repair', () => {
  it('finds partitions naming missing fields, removes them, persists and cleans their references', async () => {
    const url = uniqueUrl('orphans');
    const db = new S3db({ connectionString: url, strictValidation: false });
    await db.connect();
    const items = await db.createResource({
      name: 'items',
      attributes: { name: 'string', kind: 'string' },
      partitions: { byKind: { fields: { kind: 'string' } }, byColor: { fields: { color: 'string' } } },
    });
    await items.insert({ id: 'i1', name: 'one', kind: 'a', color: 'red' });
    const orphaned = items.findOrphanedPartitions();
    expect(orphaned).toEqual({ byColor: { missingFields: ['color'], definition: { fields: { color: 'string' } }, allFields: ['color'] } });
    expect(caughtSync(() => items.validatePartitions()).message)
      .toBe("Partition 'byColor' uses field 'color' which does not exist in resource attributes. Available fields: name, kind.");
    expect(items.removeOrphanedPartitions({ dryRun: true })).toEqual(orphaned);
    expect(Object.keys(items.config.partitions)).toEqual(['byKind', 'byColor']);

    const removedEvent = nextEvent(items, 'orphanedPartitionsRemoved');
    const versionEvent = nextEvent(items, 'versionUpdated');
    expect(items.removeOrphanedPartitions()).toEqual(orphaned);
    expect((await removedEvent)[0]).toMatchObject({ resourceName: 'items', removed: ['byColor'] });
    expect(Object.keys(items.config.partitions)).toEqual(['byKind']);
    expect(items.findOrphanedPartitions()).toEqual({});
    items.validatePartitions();

    await db.uploadMetadataFile();
    expect((await versionEvent)[0]).toEqual({ oldVersion: 'v1', newVersion: 'v2' });
    expect(db.savedMetadata.resources.items.partitions).toEqual({ byKind: { fields: { kind: 'string' } } });
    expect(await referenceKeys(db, 'i1')).toContain('resource=items/partition=byColor/color=red/id=i1');
    expect(await items.repairPartitions()).toEqual({ records: 1, references: 1, created: 0, removed: 1, unreadable: 0 });
    expect(await referenceKeys(db, 'i1')).toEqual(['resource=items/partition=byKind/kind=a/id=i1']);

    const reloaded = new S3db({ connectionString: url });
    await reloaded.connect();
    expect(Object.keys(reloaded.resources.items.config.partitions)).toEqual(['byKind']);
  });

  it('rebuilds the references of records written without them (as after a crash)', async () => {
    const client = new MemoryClient({ bucket: 'crash' });
    const db = new S3db({ client });
    await db.connect();
    const orders = await db.createResource(ORDERS);
    await orders.insert({ id: 'o1', name: 'First', region: 'US', category: 'books' });
    // A writer that does not maintain the references (a process that died between the record
    // write and its reference writes leaves the same state).
    const writer = new S3db({ client });
    await writer.connect();
    const { partitions, ...withoutPartitions } = ORDERS;
    const blind = await writer.createResource(withoutPartitions);
    await blind.insert({ id: 'o2', name: 'Second', region: 'US', category: 'books', utm: { source: 'google' } });
    await blind.update('o1', { region: 'EU' });
    await blind.delete('o1');
    expect(await orders.listIds({ partition: 'byRegion', partitionValues: { region: 'US' } })).toEqual(['o1']);

    const report = await orders.repairPartitions();
    expect(report).toEqual({ records: 1, references: 3, created: 3, removed: 2, unreadable: 0 });
    expect(await orders.listIds({ partition: 'byRegion', partitionValues: { region: 'US' } })).toEqual(['o2']);
    expect(await orders.listIds({ partition: 'byUtmSource', partitionValues: { 'utm.source': 'google' } })).toEqual(['o2']);
    expect(await referenceKeys(db, 'o1')).toEqual([]);
    expect(await orders.repairPartitions()).toMatchObject({ created: 0, removed: 0 });
  });
});

describe('partition values are opaque', () => {
  const config = { name: 'docs', attributes: { folder: 'string' }, partitions: { byFolder: { fields: { folder: 'string' } } } };

  it('a value with a slash neither adds a phantom id to another listing nor loses its own', async () => {
    const db = new S3db({ connectionString: uniqueUrl('slashes') });
    await db.connect();
    const docs = await db.createResource(config);
    await docs.insert({ id: 'plain', folder: 'x' });
    await docs.insert({ id: 'tricky', folder: 'x/id=zzz' });
    await docs.insert({ id: 'nested', folder: 'x/y' });
    expect(await docs.listIds({ partition: 'byFolder', partitionValues: { folder: 'x' } })).toEqual(['plain']);
    expect(await docs.listIds({ partition: 'byFolder', partitionValues: { folder: 'x/id=zzz' } })).toEqual(['tricky']);
    expect(await docs.count({ partition: 'byFolder', partitionValues: { folder: 'x/y' } })).toBe(1);
    await docs.delete('tricky');
    expect(await docs.listIds({ partition: 'byFolder' })).toEqual(['nested', 'plain']);
    await db.disconnect();
  });

  it('an over-long value on file:// is written, listed, moved, deleted and repaired', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3db-long-'));
    try {
      const db = new S3db({ connectionString: `file://${dir}` });
      await db.connect();
      const docs = await db.createResource(config);
      const long = 'ü'.repeat(400);
      await docs.insert({ id: 'a', folder: long });
      await docs.insert({ id: 'b', folder: long });
      expect(await docs.listIds({ partition: 'byFolder', partitionValues: { folder: long } })).toEqual(['a', 'b']);
      await docs.update('b', { folder: `${long}!` });
      expect(await docs.listIds({ partition: 'byFolder', partitionValues: { folder: `${long}!` } })).toEqual(['b']);
      await docs.delete('a');
      expect(await docs.listIds({ partition: 'byFolder', partitionValues: { folder: long } })).toEqual([]);
      expect(await docs.repairPartitions()).toMatchObject({ records: 1, created: 0, removed: 0, unreadable: 0 });
      await db.disconnect();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});


describe('queries use a partition the filter fixes', () => {
  it('query({region}) lists that partition and reads only its records', async () => {
    const db = new S3db({ connectionString: uniqueUrl('qpart') });
    await db.connect();
    const orders = await db.createResource({
      name: 'orders',
      attributes: { region: 'string', tier: 'string', n: 'number' },
      partitions: { byRegion: { fields: { region: 'string' } }, byRegionTier: { fields: { region: 'string', tier: 'string' } } },
    });
    await orders.insertMany(Array.from({ length: 30 }, (_, n) => ({ id: `o${n}`, region: ['US', 'EU', 'BR'][n % 3], tier: n % 2 ? 'gold' : 'basic', n })));
    const counted = async (fn) => {
      const before = db.client.getRequestCounts();
      const value = await fn();
      const after = db.client.getRequestCounts();
      return { value, gets: after.GetObjectCommand - before.GetObjectCommand, lists: after.ListObjectsV2Command - before.ListObjectsV2Command };
    };
    const us = await counted(() => orders.query({ region: 'US' }));
    expect(us.value.map((r) => r.id).sort()).toEqual(['o0', 'o12', 'o15', 'o18', 'o21', 'o24', 'o27', 'o3', 'o6', 'o9']);
    expect({ gets: us.gets, lists: us.lists }).toEqual({ gets: 10, lists: 1 });
    // Both partitions are fixed: the one with more fields is listed.
    const gold = await counted(() => orders.query({ region: 'EU', tier: 'gold' }));
    expect(gold.value.map((r) => r.n).sort((a, b) => a - b)).toEqual([1, 7, 13, 19, 25]);
    expect(gold.gets).toBe(5);
    // A filter that fixes no partition still scans, and finds the same records.
    const scan = await counted(() => orders.query({ tier: 'gold', n: 7 }));
    expect(scan.value.map((r) => r.id)).toEqual(['o7']);
    expect(scan.gets).toBeGreaterThan(5);
    await db.disconnect();
  });
});
