// Events: 12.4 names and payloads, later names, asynchronous delivery, `this`, listener errors,
// async listeners, `asyncEvents: false`, declarative `events:` and database events.
import { describe, it, expect } from 'vitest';
import { S3db } from '../lib/index.mjs';
import { uniqueUrl, caught, nextEvent, sleep, eventually } from './helpers.mjs';

const turn = () => new Promise((resolve) => setImmediate(resolve));

async function setup(config = {}) {
  const db = new S3db({ connectionString: uniqueUrl('events') });
  await db.connect();
  const users = await db.createResource({
    name: 'users', attributes: { name: 'string', email: 'string|optional' }, paranoid: false, ...config,
  });
  return { db, users };
}

/** Records `[event, ...args]` for each named event. */
function recorder(emitter, events) {
  const seen = [];
  for (const event of events) emitter.on(event, (...args) => seen.push([event, ...args]));
  return seen;
}

describe('resource events and their s3db.js payloads', () => {
  it('insert / update ($before, $after) / delete ($after null) / get', async () => {
    const { db, users } = await setup();
    const seen = recorder(users, ['insert', 'update', 'delete', 'get']);
    await users.insert({ id: 'e1', name: 'Ev', email: 'a@x.io' });
    await users.get('e1');
    await users.update('e1', { email: 'b@x.io' });
    await users.delete('e1');
    await turn();
    expect(seen.map(([event]) => event)).toEqual(['insert', 'get', 'update', 'delete']);
    expect(seen[0][1]).toMatchObject({ id: 'e1', name: 'Ev', email: 'a@x.io' });
    expect(seen[1][1]).toMatchObject({ id: 'e1', email: 'a@x.io' });
    const update = seen[2][1];
    expect(update).toMatchObject({ id: 'e1', email: 'b@x.io' });
    expect(update.$before).toMatchObject({ id: 'e1', email: 'a@x.io' });
    expect(update.$after).toMatchObject({ id: 'e1', email: 'b@x.io' });
    const deleted = seen[3][1];
    expect(deleted).toMatchObject({ id: 'e1', email: 'b@x.io', $after: null });
    expect(deleted.$before).toMatchObject({ id: 'e1', email: 'b@x.io' });
    await db.disconnect();
  });

  it('bulk and listing events: insertMany, getMany, deleteMany (+ deleted per id), list, listIds, count, page, deleteAll', async () => {
    const { db, users } = await setup();
    const seen = recorder(users, ['insertMany', 'getMany', 'deleteMany', 'deleted', 'list', 'listIds', 'count', 'page', 'deleteAll', 'deleteAllData']);
    await users.insertMany([{ id: 'a', name: 'A' }, { id: 'b', name: 'B' }, { id: 'c', name: 'C' }]);
    await users.getMany(['a', 'b']);
    await users.list();
    await users.listIds({ limit: 2 });
    await users.count();
    await users.page({ size: 2 });
    await users.deleteMany(['a', 'b']);
    await users.deleteAll();
    await users.deleteAllData();
    await turn();
    const byEvent = (name) => seen.filter(([event]) => event === name).map(([, ...args]) => args);
    expect(byEvent('insertMany')).toEqual([[3]]);
    expect(byEvent('getMany')).toEqual([[2]]);
    expect(byEvent('list')).toEqual([[{ count: 3, errors: 0, partition: undefined, partitionValues: undefined }]]);
    expect(byEvent('listIds')).toEqual([[2]]);
    expect(byEvent('count')).toEqual([[3]]);
    expect(byEvent('page')[0][0]).toMatchObject({ pageSize: 2, totalItems: 3 });
    expect(byEvent('deleted')).toEqual([['a'], ['b']]);
    expect(byEvent('deleteMany')).toEqual([[2]]);
    expect(byEvent('deleteAll')).toEqual([[{ version: 'v1', prefix: 'resource=users/data', deletedCount: 1 }]]);
    expect(byEvent('deleteAllData')).toEqual([[{ resource: 'users', prefix: 'resource=users', deletedCount: 0 }]]);
    await db.disconnect();
  });

  it('delete of a missing record still emits `delete` ({id}, $after null), then rejects with NoSuchKey', async () => {
    const { db, users } = await setup();
    const event = nextEvent(users, 'delete');
    const error = await caught(users.delete('ghost'));
    expect(error.name).toBe('NoSuchKey');
    const [payload] = await event;
    expect(payload).toEqual({ id: 'ghost', $before: { id: 'ghost' }, $after: null });
    await db.disconnect();
  });

  it('exceedsLimit carries {operation, totalSize, limit, excess, data}', async () => {
    const { db, users } = await setup();
    const event = nextEvent(users, 'exceedsLimit');
    await users.insert({ id: 'big', name: 'x'.repeat(2500) });
    const [payload] = await event;
    expect(payload).toMatchObject({ operation: 'insert', limit: 2047, id: 'big' });
    expect(payload.totalSize).toBeGreaterThan(2047);
    expect(payload.excess).toBeGreaterThan(0);
    await db.disconnect();
  });

  it('later names: inserted, updated, deleted, fetched, counted, listed… and <name>:<id>', async () => {
    const { db, users } = await setup();
    const seen = recorder(users, ['inserted', 'updated', 'deleted', 'fetched', 'counted', 'listed', 'fetched-many', 'inserted-many', 'inserted:n1', 'updated:n1', 'deleted:n1', 'fetched:n1', 'inserted:other']);
    await users.insert({ id: 'n1', name: 'New' });
    await users.get('n1');
    await users.update('n1', { name: 'Newer' });
    await users.count();
    await users.list();
    await users.getMany(['n1']);
    await users.insertMany([{ id: 'n2', name: 'Two' }]);
    await users.delete('n1');
    await turn();
    expect(seen.map(([event]) => event)).toEqual([
      'inserted', 'inserted:n1', 'fetched', 'fetched:n1', 'updated', 'updated:n1', 'counted', 'listed', 'fetched-many',
      'inserted', 'inserted-many', 'deleted', 'deleted:n1',
    ]);
    expect(seen.find(([e]) => e === 'updated')[1].$before.name).toBe('New');
    await db.disconnect();
  });
});

describe('delivery', () => {
  it('is asynchronous by default: listeners run after the call resolves, in order, with `this` = resource', async () => {
    const { db, users } = await setup();
    const order = [];
    users.on('insert', function first() { order.push(['first', this === users]); });
    users.on('insert', function second() { order.push(['second', this === users]); });
    await users.insert({ name: 'a' });
    order.push(['resolved', true]);
    await turn();
    expect(order).toEqual([['resolved', true], ['first', true], ['second', true]]);
    await db.disconnect();
  });

  it('async listeners are awaited one after the other', async () => {
    const { db, users } = await setup();
    const order = [];
    users.on('insert', async () => { order.push('slow:start'); await sleep(20); order.push('slow:end'); });
    users.on('insert', () => order.push('next'));
    await users.insert({ name: 'a' });
    await sleep(60);
    expect(order).toEqual(['slow:start', 'slow:end', 'next']);
    await db.disconnect();
  });

  it('a throwing or rejecting listener becomes an `error` event; the operation and later listeners are unaffected', async () => {
    const { db, users } = await setup();
    const errors = [];
    const later = [];
    users.on('error', (error) => errors.push(error.message));
    users.on('insert', () => { throw new Error('sync listener broke'); });
    users.on('insert', async () => { throw new Error('async listener broke'); });
    users.on('insert', (record) => later.push(record.id));
    const record = await users.insert({ id: 'ok', name: 'fine' });
    await sleep(10);
    expect(record.id).toBe('ok');
    expect(later).toEqual(['ok']);
    expect(errors).toEqual(['sync listener broke', 'async listener broke']);
    expect(await users.exists('ok')).toBe(true);
    await db.disconnect();
  });

  it('a listener error with no `error` listener does not crash anything', async () => {
    const { db, users } = await setup();
    users.on('insert', () => { throw new Error('nobody hears this'); });
    await users.insert({ id: 'q', name: 'quiet' });
    await sleep(10);
    expect(await users.exists('q')).toBe(true);
    await db.disconnect();
  });

  it('once-listeners fire once', async () => {
    const { db, users } = await setup();
    let calls = 0;
    users.once('insert', () => { calls += 1; });
    await users.insert({ name: 'a' });
    await users.insert({ name: 'b' });
    await turn();
    expect(calls).toBe(1);
    expect(users.listenerCount('insert')).toBe(0);
    await db.disconnect();
  });

  it('asyncEvents: false delivers synchronously, and a listener error then rejects the call', async () => {
    const { db, users } = await setup({ asyncEvents: false });
    const order = [];
    users.on('insert', () => order.push('listener'));
    await users.insert({ id: 's1', name: 'a' });
    order.push('resolved');
    expect(order).toEqual(['listener', 'resolved']);
    users.on('update', () => { throw new Error('sync failure'); });
    expect((await caught(users.update('s1', { name: 'b' }))).message).toBe('sync failure');
    expect((await users.get('s1')).name).toBe('b');
    await db.disconnect();
  });

  it('declarative `events:` listeners (function or array) are bound to the resource', async () => {
    const seen = [];
    const { db, users } = await setup({
      events: {
        insert: function onInsert(event) { seen.push(['insert', event.id, this.name]); },
        update: [
          (event) => seen.push(['update', event.id]),
          function compare(event) { if (event.$before.email !== event.$after.email) seen.push(['email changed', this.name]); },
        ],
      },
    });
    await users.insert({ id: 'd1', name: 'D', email: 'a@b.c' });
    await users.update('d1', { email: 'c@d.e' });
    await turn();
    await turn();
    expect(seen).toEqual([['insert', 'd1', 'users'], ['update', 'd1'], ['email changed', 'users']]);
    await db.disconnect();
  });
});

describe('database events', () => {
  it('connected, s3db.resourceCreated / s3db.resourceUpdated; disconnected is not seen by earlier listeners', async () => {
    const db = new S3db({ connectionString: uniqueUrl('dbevents') });
    const seen = recorder(db, ['connected', 's3db.resourceCreated', 's3db.resourceUpdated', 'disconnected']);
    await db.connect();
    await db.createResource({ name: 'r', attributes: { a: 'string' } });
    await db.createResource({ name: 'r', attributes: { a: 'string', b: 'string|optional' } });
    await db.disconnect();
    expect(seen.map(([event]) => event)).toEqual(['connected', 's3db.resourceCreated', 's3db.resourceUpdated']);
    expect(seen[0][1]).toBeInstanceOf(Date);
    expect(seen[1][1]).toBe('r');
  });

  it('relays `error` and `deleted` of bulk calls as (resourceName, …)', async () => {
    const { db, users } = await setup({ attributes: { name: 'string|required' } });
    const seen = recorder(db, ['error', 'deleted']);
    await users.insertMany([{ id: 'ok', name: 'fine' }, { id: 'bad' }]);
    await users.deleteMany(['ok']);
    expect(seen.map(([event, name]) => [event, name])).toEqual([['error', 'users'], ['deleted', 'users']]);
    expect(seen[0][2].message).toBe("The 'name' field is required.");
    expect(seen[0][3]).toEqual({ id: 'bad' });
    expect(seen[1][2]).toBe('ok');
    await db.disconnect();
  });

  it('disconnect removes every listener of resources and of the database', async () => {
    const { db, users } = await setup();
    users.on('insert', () => {});
    db.on('connected', () => {});
    await db.disconnect();
    expect(users.listenerCount('insert')).toBe(0);
    expect(db.listenerCount('connected')).toBe(0);
  });
});

describe('client command events', () => {
  it("report the engine's own requests with AWS command names while someone listens", async () => {
    const db = new S3db({ connectionString: uniqueUrl('commands') });
    await db.connect();
    const users = await db.createResource({ name: 'users', attributes: { name: 'string' } });
    const seen = [];
    const onRequest = (command, input) => seen.push(`request ${command} ${input.Key.replace(/^.*\/resource=/, 'resource=')}`);
    const onResponse = (command, response, input) => seen.push(`response ${command} ${input.Key.replace(/^.*\/resource=/, 'resource=')}`);
    db.client.on('command.request', onRequest);
    db.client.on('command.response', onResponse);
    await users.insert({ id: 'u1', name: 'Ana' });
    await users.get('u1');
    // On S3 an insert may also check the key first (HEAD); the order of these four is fixed.
    const expected = [
      'request PutObjectCommand resource=users/data/id=u1',
      'response PutObjectCommand resource=users/data/id=u1',
      'request GetObjectCommand resource=users/data/id=u1',
      'response GetObjectCommand resource=users/data/id=u1',
    ];
    // Reports arrive on the JS thread after the call that caused them.
    await eventually(() => expected.every((line) => seen.includes(line)));
    const order = expected.map((line) => seen.indexOf(line));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    db.client.off('command.request', onRequest);
    db.client.off('command.response', onResponse);
    const before = seen.length;
    await users.get('u1');
    await sleep(20);
    expect(seen).toHaveLength(before);
    await db.disconnect();
  });
});
