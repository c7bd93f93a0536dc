// Plugins: the seed READMEs' custom plugins, the Plugin lifecycle and helpers, plugin storage,
// CachePlugin (hits, invalidation on every write path, partition-aware keys, TTL, drivers) and
// CostsPlugin (counts equal to the requests sent).
import { describe, it, expect, vi, afterEach } from 'vitest';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  S3db, Plugin, PluginObject, AuditPlugin, MetricsPlugin, TTLPlugin, CachePlugin, CostsPlugin, MemoryCache, S3Cache, PartitionAwareFilesystemCache, DatabaseError, MetadataLimitError, BehaviorError,
} from '../lib/index.mjs';
import { TARGET, uniqueUrl, storedKeys, caught, caughtSync, sleep } from './helpers.mjs';

afterEach(() => vi.restoreAllMocks());

const requests = (db) => db.client.getRequestCounts();
function delta(before, after) {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] || 0)]).filter(([, v]) => v !== 0));
}

describe('custom plugins written as the seed READMEs show', () => {
  it('newer README: a Plugin subclass whose initialize() wraps Resource "inserted"', async () => {
    // Verbatim from readme-newer-release.md, "Creating Custom Plugins".
    class MyPlugin extends Plugin {
      constructor(options = {}) {
        super(options);
        this.name = 'MyPlugin';
      }

      async initialize(database) {
        console.log('Plugin initialized!');

        // Wrap methods
        this.wrapMethod('Resource', 'inserted', async (original, resource, args) => {
          console.log(`Inserting into ${resource.name}`);
          const result = await original(...args);
          console.log(`Inserted: ${result.id}`);
          return result;
        });
      }
    }

    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const url = uniqueUrl('myplugin');
    const first = new S3db({ connectionString: url });
    await first.connect();
    await first.createResource({ name: 'existing', attributes: { name: 'string' } });
    await first.disconnect();

    const db = new S3db({ connectionString: url, plugins: [new MyPlugin()] });
    await db.connect();
    expect(db.plugins.my).toBeInstanceOf(MyPlugin);
    const created = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    const a = await db.resources.existing.insert({ id: 'e1', name: 'loaded at connect' });
    const b = await created.insert({ id: 'u1', name: 'created later' });
    expect([a.id, b.id]).toEqual(['e1', 'u1']);
    expect(log.mock.calls.map((call) => call[0])).toEqual([
      'Plugin initialized!', 'Inserting into existing', 'Inserted: e1', 'Inserting into users', 'Inserted: u1',
    ]);
    await db.disconnect();
  });

  it('older README: a plain object with setup(s3db) and start() in `plugins`', async () => {
    const calls = [];
    const MyPlugin = {
      setup(s3db) {
        calls.push(['setup', s3db]);
      },
      start() {
        calls.push(['start']);
      },
      onUserCreated(user) {
        calls.push(['user', user.id]);
      },
    };
    const s3db = new S3db({ connectionString: uniqueUrl('plain'), plugins: [MyPlugin] });
    await s3db.connect();
    expect(calls).toEqual([['setup', s3db], ['start']]);
    expect(typeof PluginObject.setup).toBe('function');
    await s3db.disconnect();
  });
});

describe('Plugin lifecycle and registration', () => {
  class AuditTrail extends Plugin {
    async onInstall() { this.installedWith = this.database; }
  }

  it('install and start on connect, stop on disconnect, with plugin.* events in order', async () => {
    const plugin = new AuditTrail();
    const events = [];
    for (const name of ['beforeInstall', 'afterInstall', 'beforeStart', 'afterStart', 'beforeStop', 'afterStop']) {
      plugin.on(`plugin.${name}`, (when) => events.push([name, when instanceof Date]));
    }
    const db = new S3db({ connectionString: uniqueUrl('life'), plugins: [plugin] });
    expect(db.plugins.audittrail).toBe(plugin);
    expect(plugin.slug).toBe('audit-trail');
    await db.connect();
    expect(plugin.installedWith).toBe(db);
    await db.disconnect();
    expect(events).toEqual([
      ['beforeInstall', true], ['afterInstall', true], ['beforeStart', true], ['afterStart', true], ['beforeStop', true], ['afterStop', true],
    ]);
  });

  it('usePlugin installs at once when connected, under a given name; classes are instantiated', async () => {
    const db = new S3db({ connectionString: uniqueUrl('use'), plugins: [CostsPlugin] });
    await db.connect();
    expect(db.plugins.costs).toBeInstanceOf(CostsPlugin);
    const trail = await db.usePlugin(new AuditTrail(), 'trail');
    expect(db.plugins.trail).toBe(trail);
    expect(trail.installedWith).toBe(db);
    await db.disconnect();
  });

  it('uninstallPlugin stops and uninstalls, purges data on request, and emits plugin.uninstalled', async () => {
    const db = new S3db({ connectionString: uniqueUrl('uninstall') });
    await db.connect();
    const trail = await db.usePlugin(new AuditTrail());
    await trail.getStorage().set(trail.getStorage().getPluginKey(null, 'state'), { ok: true });
    const seen = [];
    trail.on('plugin.afterUninstall', () => seen.push('afterUninstall'));
    trail.on('plugin.dataPurged', ({ deleted }) => seen.push(`purged ${deleted}`));
    db.on('plugin.uninstalled', ({ name, plugin }) => seen.push(`uninstalled ${name} ${plugin === trail}`));
    await db.uninstallPlugin('audittrail', { purgeData: true });
    expect(seen).toEqual(['purged 1', 'afterUninstall', 'uninstalled audittrail true']);
    expect(db.plugins.audittrail).toBeUndefined();
    expect((await storedKeys(db)).filter((key) => key.includes('plugin=audit-trail'))).toEqual([]);
    const missing = await caught(db.uninstallPlugin('nothing'));
    expect(missing).toBeInstanceOf(DatabaseError);
    expect(missing.message).toBe("Plugin 'nothing' not found");
    await db.disconnect();
  });

  it('helpers: addHook/removeHook, wrapResourceMethod (after), addMiddleware (next, ...args)', async () => {
    const db = new S3db({ connectionString: uniqueUrl('helpers') });
    await db.connect();
    const res = await db.createResource({ name: 'notes', attributes: { text: 'string' } });
    const plugin = await db.usePlugin(new AuditTrail());
    const stamp = (data) => ({ ...data, text: `${data.text}!` });
    plugin.addHook(res, 'beforeInsert', stamp);
    expect((await res.insert({ id: 'n1', text: 'hi' })).text).toBe('hi!');
    plugin.removeHook(res, 'beforeInsert', stamp);
    expect((await res.insert({ id: 'n2', text: 'hi' })).text).toBe('hi');

    plugin.wrapResourceMethod(res, 'get', async function addSource(result, args, method) {
      return { ...result, source: `${method}:${args[0]}:${this.name}` };
    });
    expect((await res.get('n1')).source).toBe('get:n1:notes');

    plugin.addMiddleware(res, 'count', async (next, options) => (await next(options)) * 100);
    expect(await res.count()).toBe(200);
    expect((await caught(() => plugin.addMiddleware(res, 'fly', async (next) => next()))).name).toBe('PluginError');
    await db.disconnect();
  });
});

describe('PluginStorage', () => {
  async function storage() {
    const db = new S3db({ connectionString: uniqueUrl('pstore', 'apps/demo') });
    await db.connect();
    await db.createResource({ name: 'wallets', attributes: { owner: 'string' } });
    class EventualConsistencyPlugin extends Plugin {}
    const plugin = await db.usePlugin(new EventualConsistencyPlugin());
    return { db, plugin, store: plugin.getStorage() };
  }

  it('keys are plugin=<slug>/… and resource=<name>/plugin=<slug>/… under the key prefix', async () => {
    const { db, store } = await storage();
    expect(store.getPluginKey(null, 'config')).toBe('plugin=eventual-consistency/config');
    expect(store.getPluginKey('wallets', 'balance', 'id=t1')).toBe('resource=wallets/plugin=eventual-consistency/balance/id=t1');
    await store.set(store.getPluginKey(null, 'config'), { mode: 'async' });
    await store.set(store.getPluginKey('wallets', 'balance', 'id=t1'), { value: 50 });
    expect(db.keyPrefix.endsWith('apps/demo')).toBe(true);
    expect((await storedKeys(db)).filter((key) => key.includes('plugin='))).toEqual([
      'plugin=eventual-consistency/config',
      'resource=wallets/plugin=eventual-consistency/balance/id=t1',
    ]);
    expect(await store.list()).toEqual(['plugin=eventual-consistency/config']);
    expect(await store.listForResource('wallets')).toEqual(['resource=wallets/plugin=eventual-consistency/balance/id=t1']);
    await db.disconnect();
  });

  it('set/get round-trips values (metadata and body), behaviors, delete, deleteAll', async () => {
    const { db, store } = await storage();
    const data = { name: 'José', count: 3, ratio: 0.5, active: true, tags: ['a', 'b'], nested: { k: 1 }, big: 'z'.repeat(3000) };
    await store.set('plugin=eventual-consistency/doc', data);
    expect(await store.get('plugin=eventual-consistency/doc')).toEqual(data);
    await store.set('plugin=eventual-consistency/body', { a: 1 }, { behavior: 'body-only' });
    expect(await store.get('plugin=eventual-consistency/body')).toEqual({ a: 1 });
    expect(await caught(store.set('plugin=eventual-consistency/x', { big: 'y'.repeat(3000) }, { behavior: 'enforce-limits' }))).toBeInstanceOf(MetadataLimitError);
    expect(await caught(store.set('plugin=eventual-consistency/x', {}, { behavior: 'sideways' }))).toBeInstanceOf(BehaviorError);
    expect(await store.get('plugin=eventual-consistency/missing')).toBeNull();
    expect(await store.has('plugin=eventual-consistency/doc')).toBe(true);
    await store.delete('plugin=eventual-consistency/doc');
    expect(await store.has('plugin=eventual-consistency/doc')).toBe(false);
    await store.set(store.getPluginKey('wallets', 'x'), { v: 1 });
    expect(await store.deleteAll()).toBe(2);
    expect((await storedKeys(db)).filter((key) => key.includes('plugin='))).toEqual([]);
    await db.disconnect();
  });

  it('metadata field names come back lower-cased, as S3 returns them; body fields keep their case', async () => {
    const { db, store } = await storage();
    await store.set('plugin=eventual-consistency/case', { workerId: 'w1', longText: 'q'.repeat(2100) });
    expect(await store.get('plugin=eventual-consistency/case')).toEqual({ workerid: 'w1', longText: 'q'.repeat(2100) });
    await db.disconnect();
  });

  // moto serves through Werkzeug, which drops request headers whose name holds '_': the
  // `x-amz-meta-_expiresat` header never reaches it (AWS, MinIO and Garage keep it).
  // body-only keeps `_expiresAt` in the body, so this runs on moto too (it drops `_` headers).
  it('getTTL, isExpired and touch read and extend an entry\'s TTL; batchSet is batchPut', async () => {
    const { db, store } = await storage();
    const options = { ttl: 60, behavior: 'body-only' };
    await store.set('plugin=p/session', { user: 'ana' }, options);
    await store.set('plugin=p/forever', { user: 'bo' }, { behavior: 'body-only' });
    expect(await store.getTTL('plugin=p/session')).toBeGreaterThanOrEqual(59);
    expect(await store.getTTL('plugin=p/forever')).toBeNull();
    expect(await store.getTTL('plugin=p/missing')).toBeNull();
    expect(await store.isExpired('plugin=p/session')).toBe(false);
    expect(await store.isExpired('plugin=p/missing')).toBe(true);
    expect(await store.touch('plugin=p/session', 3600)).toBe(true);
    expect(await store.getTTL('plugin=p/session')).toBeGreaterThanOrEqual(3659);
    expect(await store.get('plugin=p/session')).toEqual({ user: 'ana' });
    expect(await store.touch('plugin=p/forever', 10)).toBe(false);
    await store.set('plugin=p/short', { x: 1 }, { ttl: 0.02, behavior: 'body-only' });
    await sleep(40);
    expect(await store.isExpired('plugin=p/short')).toBe(true);
    expect(await store.touch('plugin=p/short', 10)).toBe(false);
    const results = await store.batchSet([{ key: 'plugin=p/a', data: { n: 1 } }, { key: 'plugin=p/b', data: { n: 2 } }]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    await db.disconnect();
  });

  it.skipIf(TARGET === 'moto')('ttl (seconds) expires an entry, which is then deleted', async () => {
    const { db, store } = await storage();
    await store.set('plugin=eventual-consistency/lock', { worker: 'w1' }, { ttl: 0.02 });
    expect(await store.get('plugin=eventual-consistency/lock')).toEqual({ worker: 'w1' });
    await sleep(40);
    expect(await store.get('plugin=eventual-consistency/lock')).toBeNull();
    expect((await storedKeys(db)).filter((key) => key.includes('lock'))).toEqual([]);
    expect(await store.increment('plugin=eventual-consistency/counter')).toBe(1);
    expect(await store.increment('plugin=eventual-consistency/counter', 4)).toBe(5);
    await db.disconnect();
  });
});

describe('CachePlugin', () => {
  async function cached(options = {}, config = {}) {
    const db = new S3db({ connectionString: uniqueUrl('cache'), plugins: [new CachePlugin({ driver: 'memory', ...options })] });
    await db.connect();
    const items = await db.createResource({
      name: 'items',
      attributes: { name: 'string', region: 'string' },
      partitions: { byRegion: { fields: { region: 'string' } } },
      paranoid: false,
      ...config,
    });
    await items.insertMany([{ id: 'a', name: 'A', region: 'EU' }, { id: 'b', name: 'B', region: 'US' }]);
    return { db, items, plugin: db.plugins.cache };
  }

  it('a repeated read is answered from the cache without touching the store', async () => {
    const { db, items, plugin } = await cached();
    const reads = [
      () => items.get('a'), () => items.list(), () => items.count(), () => items.listIds(), () => items.getMany(['a', 'b']),
      () => items.getAll(), () => items.exists('a'), () => items.page({ size: 1 }), () => items.query({ region: 'EU' }),
      () => items.list({ partition: 'byRegion', partitionValues: { region: 'EU' } }),
    ];
    for (const read of reads) {
      const first = await read();
      const before = requests(db);
      const second = await read();
      expect(delta(before, requests(db)), read.toString()).toEqual({});
      expect(second).toEqual(first);
    }
    const stats = await plugin.getCacheStats();
    expect(stats.stats.hits).toBe(reads.length);
    expect(stats.driver).toBe('MemoryCache');
    await db.disconnect();
  });

  it('returned values are copies: changing one does not change the cache', async () => {
    const { db, items } = await cached();
    const first = await items.get('a');
    first.name = 'mutated';
    expect((await items.get('a')).name).toBe('A');
    await db.disconnect();
  });

  const writes = {
    insert: (items) => items.insert({ id: 'c', name: 'C', region: 'EU' }),
    insertMany: (items) => items.insertMany([{ id: 'c', name: 'C', region: 'EU' }]),
    update: (items) => items.update('a', { name: 'A2' }),
    patch: (items) => items.patch('a', { name: 'A2' }),
    replace: (items) => items.replace('a', { name: 'A2', region: 'EU' }),
    upsert: (items) => items.upsert({ id: 'a', name: 'A2', region: 'EU' }),
    delete: (items) => items.delete('a'),
    deleteMany: (items) => items.deleteMany(['a']),
    deleteAll: (items) => items.deleteAll(),
    deleteAllData: (items) => items.deleteAllData(),
    writable: (items) => pipeline(Readable.from([{ id: 'c', name: 'C', region: 'EU' }]), items.writable()),
  };
  for (const [name, write] of Object.entries(writes)) {
    it(`${name} invalidates the resource's cached reads`, async () => {
      const { db, items } = await cached();
      const snapshot = async () => ({
        list: (await items.list()).map((r) => `${r.id}:${r.name}`).sort(),
        count: await items.count(),
        eu: (await items.listIds({ partition: 'byRegion', partitionValues: { region: 'EU' } })).sort(),
        a: await items.exists('a'),
      });
      await snapshot();
      await write(items);
      const after = await snapshot();
      await db.plugins.cache.clearAllCache();
      expect(after).toEqual(await snapshot());
      await db.disconnect();
    });
  }

  it('keys follow s3db.js, and the partition-aware filesystem driver clears one partition alone', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 's3db-cache-'));
    const { db, items, plugin } = await cached({ driver: 'filesystem', config: { directory } });
    expect(plugin.driver).toBeInstanceOf(PartitionAwareFilesystemCache);
    expect(await items.cacheKeyFor({ action: 'list', partition: 'byRegion', partitionValues: { region: 'EU' } }))
      .toBe('resource=items/action=list/partition:byRegion/region:EU.json.gz');
    expect(await items.cacheKeyFor({ action: 'list', params: { limit: 5 } })).toMatch(/^resource=items\/action=list\/[0-9a-f]{16}\.json\.gz$/);
    const eu = await items.list({ partition: 'byRegion', partitionValues: { region: 'EU' } });
    await items.list({ partition: 'byRegion', partitionValues: { region: 'US' } });
    await items.list();
    const before = requests(db);
    expect(await items.list({ partition: 'byRegion', partitionValues: { region: 'EU' } })).toEqual(eu);
    expect(delta(before, requests(db))).toEqual({});
    expect(fs.existsSync(path.join(directory, 'resource=items', 'partition=byRegion', 'region=EU'))).toBe(true);
    expect((await items.getPartitionCacheStats('byRegion')).totalFiles).toBe(2);
    await items.clearPartitionCache('byRegion', { region: 'EU' });
    expect((await items.getPartitionCacheStats('byRegion')).totalFiles).toBe(1);
    expect(await plugin.driver.keys()).toHaveLength(2);
    await items.list({ partition: 'byRegion', partitionValues: { region: 'EU' } });
    expect(delta(before, requests(db)).ListObjectsV2Command).toBe(1);
    await db.disconnect();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('list options besides the partition are part of the key (s3db.js shared one entry)', async () => {
    const { db, items } = await cached();
    expect(await items.list({ limit: 1 })).toHaveLength(1);
    expect(await items.list()).toHaveLength(2);
    await db.disconnect();
  });

  it('entries expire after `ttl` milliseconds; `skipCache` reads through', async () => {
    const { db, items } = await cached({ ttl: 30 });
    await items.count();
    let before = requests(db);
    await items.count();
    expect(delta(before, requests(db))).toEqual({});
    await items.count({ skipCache: true });
    expect(delta(before, requests(db))).toEqual({ ListObjectsV2Command: 1 });
    await sleep(50);
    before = requests(db);
    await items.count();
    expect(delta(before, requests(db))).toEqual({ ListObjectsV2Command: 1 });
    await db.disconnect();
  });

  it('the memory driver keeps at most maxSize entries and maxMemoryBytes of JSON (oldest written go first)', async () => {
    const cache = new MemoryCache({ maxSize: 2, ttl: 0 });
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.get('a');
    await cache.set('c', 3);
    expect(await cache.keys()).toEqual(['b', 'c']);
    expect(await cache.size()).toBe(2);
    const bounded = new MemoryCache({ maxMemoryBytes: 100, ttl: 0 });
    await bounded.set('x', 'x'.repeat(40));
    await bounded.set('y', 'y'.repeat(40));
    await bounded.set('z', 'z'.repeat(40));
    expect(await bounded.keys()).toEqual(['y', 'z']);
    await bounded.set('huge', 'h'.repeat(500));
    expect(bounded.getMemoryStats()).toMatchObject({ currentMemoryBytes: 84, evictedDueToMemory: 2, totalItems: 2 });
    expect(caughtSync(() => new MemoryCache({ maxMemoryBytes: 10, maxMemoryPercent: 0.1 })).message).toMatch(/Cannot use both/);
  });

  it('the s3 driver keeps entries in the database bucket under plugin=cache/…', async () => {
    const { db, items, plugin } = await cached({ driver: 's3' });
    expect(plugin.driver).toBeInstanceOf(S3Cache);
    const first = await items.list();
    expect((await storedKeys(db)).filter((k) => k.includes('plugin=cache/'))).toEqual([
      'plugin=cache/cache/resource=items/action=list.json.gz',
    ]);
    const before = requests(db);
    expect(await items.list()).toEqual(first);
    expect(delta(before, requests(db))).toEqual({ GetObjectCommand: 1 });
    await items.insert({ id: 'z', name: 'Z', region: 'US' });
    expect((await storedKeys(db)).filter((k) => k.includes('plugin=cache/'))).toEqual([]);
    expect((await items.list()).map((r) => r.id)).toEqual(['a', 'b', 'z']);
    await db.disconnect();
  });

  it('include / exclude choose the cached resources', async () => {
    const { db, items } = await cached({ exclude: ['items'] });
    await items.count();
    const before = requests(db);
    await items.count();
    expect(delta(before, requests(db))).toEqual({ ListObjectsV2Command: 1 });
    expect(items.cache).toBeUndefined();
    await db.disconnect();
  });
});

describe('CostsPlugin', () => {
  it('storage and transfer are the bytes the requests carried, on every store', async () => {
    const db = new S3db({ connectionString: uniqueUrl('costbytes'), plugins: [CostsPlugin] });
    await db.connect();
    const plugin = db.plugins.costs;
    const at = db.client.getTransferCounts();
    await db.client.putObject({ key: 'raw/one', body: Buffer.from('12345'), metadata: { ab: 'xyz' } });
    expect(db.client.getTransferCounts().uploaded - at.uploaded).toBe(5 + 2 + 3);
    await db.client.getObject('raw/one');
    expect(db.client.getTransferCounts().downloaded - at.downloaded).toBe(5);
    const costs = plugin.costs;
    expect(costs.storage.totalBytes).toBe(10);
    expect(costs.dataTransfer).toMatchObject({ inBytes: 10, outBytes: 5 });
    expect(costs.dataTransfer.subtotal).toBeCloseTo((5 / 1024 ** 3) * 0.09, 15);
    plugin.reset();
    expect(plugin.costs.storage.totalBytes).toBe(0);
    await db.disconnect();
  });

  it('counts equal the requests the store answered, by command, priced at S3 list prices', async () => {
    const db = new S3db({ connectionString: uniqueUrl('costs'), plugins: [CostsPlugin] });
    await db.connect();
    const plugin = db.plugins.costs;
    const start = requests(db);
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' }, paranoid: false });
    const before = requests(db);
    await users.insert({ id: 'u1', name: 'a' });
    expect(delta(before, requests(db))).toEqual({ PutObjectCommand: 1 });
    await users.insertMany(Array.from({ length: 20 }, (_, i) => ({ name: `n${i}` })));
    await users.get('u1');
    await users.update('u1', { name: 'b' });
    await users.exists('u1');
    await users.list();
    let streamed = 0;
    for await (const record of users.readable({ pageSize: 7 })) streamed += record ? 1 : 0;
    await users.delete('u1');
    await users.deleteAll();

    const sent = delta(start, requests(db));
    const costs = db.client.costs;
    for (const [command, count] of Object.entries(sent)) expect(costs.requests.events[command], command).toBe(count);
    const total = Object.values(sent).reduce((a, b) => a + b, 0);
    expect(costs.requests.total).toBe(total);
    expect(costs.requests.counts).toMatchObject({
      put: sent.PutObjectCommand || 0, get: sent.GetObjectCommand || 0, head: sent.HeadObjectCommand || 0,
      list: sent.ListObjectsV2Command || 0, delete: (sent.DeleteObjectCommand || 0) + (sent.DeleteObjectsCommand || 0),
    });
    const expected = (costs.requests.counts.put + costs.requests.counts.list) * 0.005 / 1000
      + (costs.requests.counts.get + costs.requests.counts.head + costs.requests.counts.delete) * 0.0004 / 1000;
    expect(costs.requests.subtotal).toBeCloseTo(expected, 12);
    expect(costs.storage.totalBytes).toBeGreaterThan(0);
    expect(costs.total).toBeCloseTo(expected + costs.storage.subtotal + costs.dataTransfer.subtotal, 15);
    expect(plugin.costs).toEqual(costs);
    expect(streamed).toBe(21);
    expect(typeof costs.total.toFixed(4)).toBe('string');
    await db.disconnect();
  });

  it('counts start at install and reset() starts again from zero', async () => {
    const db = new S3db({ connectionString: uniqueUrl('costs') });
    await db.connect();
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    await users.insert({ name: 'before install' });
    const plugin = await db.usePlugin(new CostsPlugin());
    expect(db.client.costs.requests.total).toBe(0);
    await users.count();
    expect(db.client.costs.requests.events.ListObjectsV2Command).toBe(1);
    plugin.reset();
    expect(plugin.costs.total).toBe(0);
    await db.disconnect();
  });
});

describe('AuditPlugin', () => {
  /** Audit records are written by event listeners, after the audited call resolves. */
  const settled = async (plugin, count) => {
    for (let i = 0; i < 200 && (await plugin.getAuditLogs({ limit: 1000 })).length < count; i++) await sleep(10);
  };

  it('records inserts, updates, deletes and deleteMany in plg_audits, with history and stats', async () => {
    const audit = new AuditPlugin({ maxDataSize: 200 });
    const db = new S3db({ connectionString: uniqueUrl('audit'), plugins: [audit] });
    await db.connect();
    const users = await db.createResource({
      name: 'users',
      attributes: { name: 'string', region: 'string', bio: 'string|optional' },
      partitions: { byRegion: { fields: { region: 'string' } } },
    });
    await users.insert({ id: 'u1', name: 'Ann', region: 'EU' });
    await users.insert({ id: 'u2', name: 'Bob', region: 'US', bio: 'x'.repeat(300) });
    await users.update('u1', { name: 'Anna' });
    await users.delete('u2');
    await users.insert({ id: 'u3', name: 'Cid', region: 'US' });
    await users.deleteMany(['u3']);
    await settled(audit, 6);

    const logs = await audit.getAuditLogs({ resourceName: 'users' });
    expect(logs.map((l) => `${l.operation}:${l.recordId}`)).toEqual(['insert:u1', 'insert:u2', 'update:u1', 'delete:u2', 'insert:u3', 'deleteMany:u3']);
    const update = logs[2];
    expect(JSON.parse(update.oldData).name).toBe('Ann');
    expect(JSON.parse(update.newData).name).toBe('Anna');
    expect(update).toMatchObject({ userId: 'system', partition: 'byRegion', createdAt: update.timestamp.slice(0, 10) });
    expect(JSON.parse(update.partitionValues)).toEqual({ byRegion: { region: 'EU' } });
    expect(update.id).toMatch(/^audit-\d+-.{9}$/);
    expect(JSON.parse(logs[1].newData)).toMatchObject({ _truncated: true, bio: 'x'.repeat(300) });
    expect(JSON.parse(logs[5].oldData).name).toBe('Cid');

    expect((await audit.getRecordHistory('users', 'u1')).map((l) => l.operation)).toEqual(['insert', 'update']);
    expect(await audit.getAuditLogs({ operation: 'delete' })).toHaveLength(1);
    expect((await audit.getPartitionHistory('users', 'byRegion', { region: 'US' })).map((l) => l.recordId)).toEqual(['u2', 'u2', 'u3', 'u3']);
    const stats = await audit.getAuditStats();
    expect(stats).toMatchObject({ total: 6, byOperation: { insert: 3, update: 1, delete: 1, deleteMany: 1 }, byResource: { users: 6 }, byUser: { system: 6 } });
    // The audit records are an ordinary resource, partitioned by day and by resource.
    expect(await db.resources.plg_audits.count({ partition: 'byResource', partitionValues: { resourceName: 'users' } })).toBe(6);
    expect(await audit.cleanupOldAudits(30)).toBe(0);
    expect(await audit.cleanupOldAudits(-1)).toBe(6);
    await db.disconnect();
  });

  it('audits resources loaded at connect and created later, never its own records', async () => {
    const url = uniqueUrl('audit-later');
    const first = new S3db({ connectionString: url });
    await first.connect();
    await first.createResource({ name: 'early', attributes: { a: 'string' } });
    const audit = new AuditPlugin({ includeData: false });
    const db = new S3db({ connectionString: url, plugins: [audit] });
    await db.connect();
    await db.resources.early.insert({ id: 'e1', a: 'x' });
    const late = await db.createResource({ name: 'late', attributes: { b: 'string' } });
    await late.insert({ id: 'l1', b: 'y' });
    await settled(audit, 2);
    const logs = await audit.getAuditLogs();
    expect(logs.map((l) => `${l.resourceName}:${l.recordId}`).sort()).toEqual(['early:e1', 'late:l1']);
    expect(logs.every((l) => l.oldData === undefined && l.newData === undefined)).toBe(true);
    await db.disconnect();
  });
});

describe('MetricsPlugin', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('times operations, serves Prometheus text over HTTP, and flushes into plg_metrics', async () => {
    vi.stubEnv('NODE_ENV', 'production'); // under NODE_ENV=test it installs nothing, as in s3db.js
    const metrics = new MetricsPlugin({ flushInterval: 0, prometheus: { port: 0, host: '127.0.0.1' } });
    const db = new S3db({ connectionString: uniqueUrl('metrics'), plugins: [metrics] });
    await db.connect();
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    await users.insert({ id: 'u1', name: 'Ann' });
    await users.insert({ id: 'u2', name: 'Bob' });
    await users.get('u1');
    await caught(users.get('missing'));
    await users.count();

    expect(metrics.metrics.operations.insert.count).toBe(2);
    expect(metrics.metrics.resources.users.get).toMatchObject({ count: 2, errors: 1 });
    expect(metrics.metrics.errors.map((e) => `${e.resourceName}:${e.operation}`)).toEqual(['users:get']);

    const { port } = metrics.metricsServer.address();
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('# TYPE s3db_operations_total counter');
    expect(text).toContain('s3db_operations_total{operation="insert",resource="_global"} 2');
    expect(text).toContain('s3db_operations_total{operation="get",resource="users"} 2');
    expect(text).toContain('s3db_operation_errors_total{operation="get",resource="users"} 1');
    expect(text).toMatch(/s3db_operation_duration_seconds\{operation="count",resource="users"\} \d+\.\d{6}/);
    expect(text).toMatch(/^s3db_resources_total 1$/m);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);

    await metrics.flushMetrics();
    expect(metrics.metrics.operations.insert.count).toBe(0);
    const flushed = await metrics.getMetrics({ resourceName: 'users' });
    expect(flushed.map((m) => `${m.operation}:${m.count}:${m.errors}`).sort()).toEqual(['count:1:0', 'get:2:1', 'insert:2:0']);
    expect((await metrics.getErrorLogs()).map((e) => e.operation)).toEqual(['get']);
    expect((await metrics.getPerformanceLogs({ operation: 'insert' }))).toHaveLength(2);
    const stats = await metrics.getStats();
    expect(stats).toMatchObject({ period: '24h', totalOperations: 10, totalErrors: 1 });
    expect(stats.operationsByType.insert.count).toBe(4);
    // The plugin's own resources are not timed.
    expect(Object.keys(metrics.metrics.resources)).toEqual(['users']);

    await metrics.stop();
    expect(metrics.metricsServer).toBe(null);
    await db.disconnect();
  });

  it('under NODE_ENV=test it installs no resources and times nothing, like s3db.js', async () => {
    const metrics = new MetricsPlugin({ prometheus: { enabled: false } });
    const db = new S3db({ connectionString: uniqueUrl('metrics-test-env'), plugins: [metrics] });
    await db.connect();
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    await users.insert({ id: 'u1', name: 'Ann' });
    expect(db.resources.plg_metrics).toBeUndefined();
    expect(metrics.metrics.operations.insert.count).toBe(0);
    metrics.recordOperation('users', 'insert', 5, false);
    expect(await metrics.getPrometheusMetrics()).toContain('s3db_operations_total{operation="insert",resource="users"} 1');
    await db.disconnect();
  });
});

describe('TTLPlugin', () => {
  it('expires records by strategy: hard-delete, soft-delete, archive and callback', async () => {
    const expired = [];
    const ttl = new TTLPlugin({
      resources: {
        sessions: { ttl: 1, onExpire: 'soft-delete' },
        files: { ttl: 1, onExpire: 'hard-delete' },
        orders: { ttl: 1, onExpire: 'archive', archiveResource: 'old_orders', keepOriginalId: true },
        jobs: { field: 'deadline', onExpire: 'callback', callback: async (record) => record.done },
      },
    });
    const db = new S3db({ connectionString: uniqueUrl('ttl') });
    await db.connect();
    const make = (name, attributes) => db.createResource({ name, attributes, timestamps: true });
    const sessions = await make('sessions', { user: 'string', deletedat: 'string|optional', isdeleted: 'string|optional' });
    const files = await make('files', { path: 'string' });
    const orders = await make('orders', { total: 'number' });
    await make('old_orders', { total: 'number', archivedAt: 'string', archivedFrom: 'string', originalId: 'string' });
    const jobs = await make('jobs', { deadline: 'string', done: 'boolean' });
    await db.usePlugin(ttl);
    ttl.on('recordExpired', ({ resource, record }) => expired.push(`${resource}:${record.id}`));

    await sessions.insert({ id: 's1', user: 'ann' });
    await files.insert({ id: 'f1', path: '/tmp/x' });
    await files.insert({ id: 'f2', path: '/tmp/y' });
    await files.delete('f2'); // leaves the index too
    await orders.insert({ id: 'o1', total: 5 });
    const past = new Date(Date.now() - 1000).toISOString();
    await jobs.insert({ id: 'j1', deadline: past, done: true });
    await jobs.insert({ id: 'j2', deadline: past, done: false });
    await jobs.insert({ id: 'j3', deadline: new Date(Date.now() + 3600000).toISOString(), done: true });
    expect(await db.resources.plg_ttl_expiration_index.listIds()).toEqual(['files:f1', 'jobs:j1', 'jobs:j2', 'jobs:j3', 'orders:o1', 'sessions:s1']);

    await ttl.runCleanup(); // nothing with a 1 s TTL has expired yet
    expect(await files.exists('f1')).toBe(true);
    await sleep(1100);
    await ttl.runCleanup();

    expect(await files.exists('f1')).toBe(false);
    expect(await sessions.get('s1')).toMatchObject({ isdeleted: 'true', deletedat: expect.stringMatching(/^\d{4}-/) });
    expect(await orders.exists('o1')).toBe(false);
    expect(await db.resources.old_orders.get('o1')).toMatchObject({ total: 5, archivedFrom: 'orders', originalId: 'o1' });
    expect(await jobs.exists('j1')).toBe(false); // the callback said yes
    expect(await jobs.exists('j2')).toBe(true); // the callback said no
    expect(await jobs.exists('j3')).toBe(true); // not expired
    await sleep(20);
    expect(expired.sort()).toEqual(['files:f1', 'jobs:j1', 'jobs:j2', 'orders:o1', 'sessions:s1']);
    expect(ttl.getStats()).toMatchObject({ totalExpired: 5, totalDeleted: 3, totalSoftDeleted: 1, totalArchived: 1, totalCallbacks: 2, resources: 4, isRunning: true });
    expect(await db.resources.plg_ttl_expiration_index.listIds()).toEqual(['jobs:j3']);

    await ttl.uninstall();
    expect(ttl.getStats()).toMatchObject({ isRunning: false, intervals: 0 });
    await db.disconnect();
  });

  it('refuses a configuration that cannot expire anything', async () => {
    const db = new S3db({ connectionString: uniqueUrl('ttl-bad') });
    await db.connect();
    const bad = (resources) => caught(db.usePlugin(new TTLPlugin({ resources })));
    expect((await bad({ a: { onExpire: 'hard-delete' } })).message).toMatch(/must have either "ttl"/);
    expect((await bad({ a: { ttl: 5, onExpire: 'explode' } })).message).toMatch(/Valid options: soft-delete, hard-delete, archive, callback/);
    expect((await bad({ a: { ttl: 5, onExpire: 'archive' } })).message).toMatch(/archiveResource/);
    await db.disconnect();
  });
});

describe('plugin attributes through the Schema and CostsPlugin transfer pricing', () => {
  it('schema.mapper writes a plugin attribute under its stable plugin key; another plugin cannot remove it', async () => {
    const db = new S3db({ connectionString: uniqueUrl('pluginattr') });
    await db.connect();
    const users = await db.createResource({ name: 'users', attributes: { name: 'string', age: 'number' } });
    users.addPluginAttribute('_tracking', 'boolean|optional', 'TestPlugin');
    const mapped = await users.schema.mapper({ id: 'u1', name: 'Ana', age: 30, _tracking: true });
    expect(mapped).toMatchObject({ 0: 'Ana', p2bc: '1' });
    expect(mapped._tracking).toBeUndefined();
    expect((await users.schema.unmapper(mapped))._tracking).toBe(true);
    expect(caughtSync(() => users.removePluginAttribute('_tracking', 'OtherPlugin')).message).toBe("Attribute '_tracking' belongs to plugin 'TestPlugin', not 'OtherPlugin'");
    expect(users.removePluginAttribute('_tracking', 'TestPlugin')).toBe(true);
    await db.disconnect();
  });

  it('CostsPlugin prices stored and transferred bytes by S3 tiers, with the free tier when asked', () => {
    const GB = 1024 ** 3;
    const plain = new CostsPlugin();
    plain.trackStorage(GB);
    plain.trackDataTransferOut(GB);
    expect(plain.costs.storage.subtotal).toBeCloseTo(0.023, 10);
    expect(plain.costs.dataTransfer.subtotal).toBeCloseTo(0.09, 10);
    expect(plain.costs.total).toBeCloseTo(0.113, 10);
    const free = new CostsPlugin({ considerFreeTier: true });
    free.trackDataTransferOut(150 * GB);
    expect(free.costs.dataTransfer).toMatchObject({ freeTierUsed: 100, subtotal: 4.5 });
  });
});

describe('S3Cache entries', () => {
  it('an expired or damaged entry is a miss (and is removed), never a failed read', async () => {
    const db = new S3db({ connectionString: uniqueUrl('s3cache') });
    await db.connect();
    const cache = new S3Cache({ client: db.client, keyPrefix: 'c', ttl: 20 });
    await cache.set('k', { a: 1 });
    expect(await cache.get('k')).toEqual({ a: 1 });
    await sleep(40);
    expect(await cache.get('k')).toBeNull();
    await db.client.putObject({ key: 'plugin=cache/c/broken', body: 'not json' });
    expect(await cache.get('broken')).toBeNull();
    expect(await cache.keys()).toEqual([]);
    await db.disconnect();
  });
});
