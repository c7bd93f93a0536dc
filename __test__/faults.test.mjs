// Writes through a proxy that injects S3 failures (throttling, 5xx, resets before and after the
// server applied a request, stalls, cut-off bodies): no acknowledged write is lost, partition
// references match the records, and every failure is a specific, bounded error.
import { describe, it, expect, afterAll } from 'vitest';
import { S3db } from '../lib/index.mjs';
import { ON_S3, uniqueUrl } from './helpers.mjs';
import { startFaultProxy } from './setup/fault-proxy.mjs';

const REGIONS = ['north', 'south', 'east', 'west'];
const ORDERS = {
  name: 'orders',
  attributes: { region: 'string', n: 'number' },
  partitions: { byRegion: { fields: { region: 'string' } } },
};

/** The same database reached through `endpoint` instead of the server itself. */
function through(url, endpoint, query) {
  const via = new URL(url);
  const proxy = new URL(endpoint);
  via.host = proxy.host;
  return `${via.toString()}?${query}`;
}

describe.skipIf(!ON_S3)('S3 faults injected by a proxy', () => {
  let proxy;
  afterAll(() => proxy?.close());

  it('2 000 inserts, updates and deletes: no acknowledged write lost, references right, errors specific', async () => {
    const url = uniqueUrl('faults');
    const direct = new S3db({ connectionString: url });
    await direct.connect();
    await direct.createResource(ORDERS);
    proxy = await startFaultProxy(new URL(url).origin, { rate: 0.1, seed: 20261129, stallMs: 700 });
    const db = new S3db({ connectionString: through(url, proxy.endpoint, 'requestTimeout=400&maxAttempts=5') });
    await db.connect();
    const orders = db.resources.orders;
    const indexErrors = [];
    orders.on('partitionIndexError', (event) => indexErrors.push(event));

    const expected = new Map(); // id -> {region, n} acknowledged last
    const uncertain = new Set(); // ids whose last call failed: either state may be stored
    const failures = [];
    const settle = async (calls) => {
      for (const outcome of await Promise.allSettled(calls)) if (outcome.status === 'rejected') failures.push(outcome.reason);
    };

    await settle(Array.from({ length: 1000 }, async (_, i) => {
      const id = `o${i}`;
      const doc = { region: REGIONS[i % 4], n: i };
      try {
        await orders.insert({ id, ...doc });
        expected.set(id, doc);
      } catch (error) {
        uncertain.add(id);
        throw error;
      }
    }));
    const inserted = [...expected.keys()];
    await settle(inserted.slice(0, 800).map(async (id, i) => {
      const doc = { region: REGIONS[(i + 1) % 4], n: 10000 + i };
      try {
        await orders.update(id, doc);
        expected.set(id, doc);
      } catch (error) {
        uncertain.add(id);
        throw error;
      }
    }));
    await settle(inserted.slice(800, 1000).map(async (id) => {
      try {
        await orders.delete(id);
        expected.set(id, null);
      } catch (error) {
        uncertain.add(id);
        throw error;
      }
    }));

    // Every acknowledged write is there, read straight from the server.
    const stored = direct.resources.orders;
    let lost = 0;
    for (const [id, doc] of expected) {
      if (uncertain.has(id)) continue;
      const record = await stored.getOrNull(id);
      const same = doc === null ? record === null : record !== null && record.region === doc.region && record.n === doc.n;
      if (!same) lost += 1;
    }
    expect(lost).toBe(0);

    // References agree with the records, except around a reported index error.
    const records = await stored.getAll();
    const flagged = new Set([...uncertain, ...indexErrors.map((e) => e.id)]);
    for (const region of REGIONS) {
      const listed = new Set(await stored.listIds({ partition: 'byRegion', partitionValues: { region } }));
      const wanted = records.filter((r) => r.region === region).map((r) => r.id);
      const missing = wanted.filter((id) => !listed.has(id) && !flagged.has(id));
      const extra = [...listed].filter((id) => !wanted.includes(id) && !flagged.has(id));
      expect({ region, missing, extra }).toEqual({ region, missing: [], extra: [] });
    }
    await stored.repairPartitions();
    for (const region of REGIONS) {
      const listed = (await stored.listIds({ partition: 'byRegion', partitionValues: { region } })).sort();
      expect(listed).toEqual(records.filter((r) => r.region === region).map((r) => r.id).sort());
    }

    // Failures, when retries ran out, are specific and bounded.
    for (const error of failures) {
      expect(error).toBeInstanceOf(Error);
      expect(error.name).not.toBe('Error');
      expect(error.message.length).toBeLessThan(400);
      expect(error.message).not.toContain('S3DB_NATIVE_ERROR');
    }
    // Five attempts outlast a 10 % fault rate: a cut-off body or a lost answer is retried or
    // recognised, not reported (before, every cut-off GET body was a rejection).
    expect(failures.length).toBeLessThanOrEqual(3);
    const injected = Object.values(proxy.stats.faults).reduce((a, b) => a + b, 0);
    console.log(`[faults] ${proxy.stats.requests} requests, ${injected} faults injected ${JSON.stringify(proxy.stats.faults)}; `
      + `2000 calls, ${failures.length} rejected (${[...new Set(failures.map((e) => e.name))].join(', ') || 'none'}), `
      + `${indexErrors.length} partitionIndexError, ${lost} acknowledged writes lost`);
    expect(injected).toBeGreaterThan(100);
    await db.disconnect();
    await direct.disconnect();
  }, 240000);

  it('when retries run out, the error names the failure, the attempts and whether the write may have landed', async () => {
    const url = uniqueUrl('faults-hard');
    const direct = new S3db({ connectionString: url });
    await direct.connect();
    await direct.createResource(ORDERS);
    proxy ??= await startFaultProxy(new URL(url).origin, { seed: 20261129, stallMs: 700 });
    proxy.settings.rate = 0;
    const db = new S3db({ connectionString: through(url, proxy.endpoint, 'requestTimeout=300&maxAttempts=2') });
    await db.connect();
    const orders = db.resources.orders;
    proxy.settings.rate = 0.6;
    const outcomes = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => orders.insert({ id: `h${i}`, region: 'north', n: i })));
    proxy.settings.rate = 0;
    const rejected = outcomes.map((o, i) => ({ ...o, id: `h${i}` })).filter((o) => o.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(5);
    const specific = ['SlowDown', 'InternalError', 'RequestTimeout', 'NetworkingError', 'IncompleteResponse', 'ServiceUnavailable'];
    for (const { reason, id } of rejected) {
      expect(specific).toContain(reason.name);
      expect(reason.message.length).toBeLessThan(400);
      if (reason.key && reason.key.includes('/data/')) {
        expect(reason.attempts).toBe(2);
        expect(typeof reason.mayHaveBeenApplied).toBe('boolean');
        // "does not hold this write" is checked: such a record is not there.
        if (reason.mayHaveBeenApplied === false) expect(await direct.resources.orders.exists(id)).toBe(false);
      }
    }
    const names = rejected.map((r) => r.reason.name).reduce((counts, name) => ({ ...counts, [name]: (counts[name] || 0) + 1 }), {});
    console.log(`[faults, 60 % and 2 attempts] ${rejected.length} of 60 inserts rejected: ${JSON.stringify(names)}`);
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === 'fulfilled') expect((await direct.resources.orders.get(`h${i}`)).n).toBe(i);
    }
    await db.disconnect();
    await direct.disconnect();
  }, 120000);
});
