// Resource hooks (every name, order, `this`, replacing data, failures) and database hooks.
import { describe, it, expect } from 'vitest';
import { S3db, ResourceError, DatabaseError, NoSuchKey } from '../lib/index.mjs';
import { uniqueUrl, storedKeys, caught, userFields } from './helpers.mjs';

async function connectedDb() {
  const db = new S3db({ connectionString: uniqueUrl('hooks') });
  await db.connect();
  return db;
}

/** A resource whose every hook records `[name, argument, this]` and passes the value on. */
async function recordingResource(db) {
  const calls = [];
  const names = [
    'beforeInsert', 'afterInsert', 'beforeUpdate', 'afterUpdate', 'beforeDelete', 'afterDelete',
    'beforeGet', 'afterGet', 'beforeList', 'afterList', 'beforeQuery', 'afterQuery',
    'beforePatch', 'afterPatch', 'beforeReplace', 'afterReplace', 'beforeExists', 'afterExists',
    'beforeCount', 'afterCount', 'beforeGetMany', 'afterGetMany', 'beforeDeleteMany', 'afterDeleteMany',
  ];
  const hooks = Object.fromEntries(names.map((name) => [name, [function record(value) {
    calls.push({ name, value: structuredClone(value), self: this });
    return value;
  }]]));
  const resource = await db.createResource({ name: 'tracked', attributes: { name: 'string', age: 'number|optional' }, hooks });
  return { resource, calls, names };
}

const named = (calls, name) => calls.filter((call) => call.name === name);

describe('every resource hook runs with its s3db.js argument and `this` = the resource', () => {
  it('insert, get, update, patch, replace, exists, count, list, query, getMany, delete, deleteMany', async () => {
    const db = await connectedDb();
    const { resource, calls, names } = await recordingResource(db);

    await resource.insert({ id: 'a', name: 'Ann', age: 30 });
    await resource.get('a');
    await resource.update('a', { age: 31 });
    await resource.patch('a', { age: 32 });
    await resource.replace('a', { name: 'Ann B', age: 33 });
    await resource.exists('a');
    await resource.count();
    await resource.list({ limit: 5 });
    await resource.query({ name: 'Ann B' });
    await resource.getMany(['a']);
    await resource.insert({ id: 'b', name: 'Bob' });
    await resource.delete('b');
    await resource.deleteMany(['a']);

    for (const name of names) expect(named(calls, name).length, name).toBeGreaterThan(0);
    for (const call of calls) expect(call.self, call.name).toBe(resource);

    expect(named(calls, 'beforeInsert')[0].value).toEqual({ id: 'a', name: 'Ann', age: 30 });
    expect(userFields(named(calls, 'afterInsert')[0].value)).toEqual({ id: 'a', name: 'Ann', age: 30 });
    expect(named(calls, 'beforeGet')[0].value).toEqual({ id: 'a' });
    expect(named(calls, 'afterGet')[0].value).toMatchObject({ id: 'a', name: 'Ann' });
    // beforeUpdate sees the whole record with the change merged in, as in s3db.js.
    expect(named(calls, 'beforeUpdate')[0].value).toEqual({ id: 'a', name: 'Ann', age: 31 });
    expect(named(calls, 'afterUpdate')[0].value).toMatchObject({ id: 'a', age: 31 });
    expect(named(calls, 'beforePatch')[0].value).toEqual({ id: 'a', fields: { age: 32 }, options: {} });
    expect(named(calls, 'afterPatch')[0].value).toMatchObject({ id: 'a', age: 32 });
    expect(named(calls, 'beforeReplace')[0].value).toEqual({ id: 'a', fullData: { name: 'Ann B', age: 33 }, options: {} });
    expect(named(calls, 'afterReplace')[0].value).toMatchObject({ id: 'a', name: 'Ann B', age: 33 });
    expect(named(calls, 'beforeExists')[0].value).toEqual({ id: 'a' });
    expect(named(calls, 'afterExists')[0].value).toEqual({ id: 'a', exists: true });
    expect(named(calls, 'beforeCount')[0].value).toEqual({});
    expect(named(calls, 'afterCount')[0].value).toEqual({ count: 1 });
    expect(named(calls, 'beforeList')[0].value).toEqual({ limit: 5 });
    expect(named(calls, 'afterList')[0].value.map((r) => r.id)).toEqual(['a']);
    expect(named(calls, 'beforeQuery')[0].value).toMatchObject({ filter: { name: 'Ann B' }, limit: 100, offset: 0 });
    expect(named(calls, 'afterQuery')[0].value.map((r) => r.id)).toEqual(['a']);
    expect(named(calls, 'beforeGetMany')[0].value).toEqual({ ids: ['a'] });
    expect(named(calls, 'afterGetMany')[0].value.map((r) => r.id)).toEqual(['a']);
    expect(named(calls, 'beforeDelete')[0].value).toMatchObject({ id: 'b', name: 'Bob' });
    expect(named(calls, 'afterDelete')[0].value).toMatchObject({ id: 'b', name: 'Bob' });
    expect(named(calls, 'beforeDeleteMany')[0].value).toEqual({ ids: ['a'] });
    expect(named(calls, 'afterDeleteMany')[0].value).toEqual({ ids: ['a'], results: [{ id: 'a', deleted: true }] });
    await db.disconnect();
  });

  it('hooks run in the order added (config first, then addHook) and are awaited', async () => {
    const db = await connectedDb();
    const order = [];
    const res = await db.createResource({
      name: 'ordered',
      attributes: { name: 'string' },
      hooks: {
        beforeInsert: [
          async (data) => { await new Promise((r) => setTimeout(r, 15)); order.push('config-1'); return data; },
          (data) => { order.push('config-2'); return data; },
        ],
      },
    });
    res.addHook('beforeInsert', async (data) => { order.push('added'); return data; });
    await res.insert({ name: 'x' });
    expect(order).toEqual(['config-1', 'config-2', 'added']);
    await db.disconnect();
  });

  it('a hook can replace the data: before-hooks change what is written, after-hooks what is returned', async () => {
    const db = await connectedDb();
    const res = await db.createResource({
      name: 'products',
      attributes: { name: 'string', sku: 'string|optional', price: 'number|optional' },
      hooks: {
        beforeInsert: [async (data) => ({ ...data, sku: `PROD-${data.name}` })],
        beforeUpdate: [async (data) => ({ ...data, price: data.price * 2 })],
        afterGet: [(record) => ({ ...record, viewed: true })],
        afterInsert: [(record) => ({ ...record, fresh: true })],
      },
    });
    const inserted = await res.insert({ id: 'p', name: 'hat', price: 5 });
    expect(inserted).toMatchObject({ sku: 'PROD-hat', fresh: true });
    await res.update('p', { price: 7 });
    const stored = await res.get('p');
    expect(stored).toMatchObject({ sku: 'PROD-hat', price: 14, viewed: true });
    expect(stored.fresh).toBeUndefined();
    await db.disconnect();
  });

  it('a hook returning nothing passes the value on unchanged', async () => {
    const db = await connectedDb();
    const res = await db.createResource({ name: 'quiet', attributes: { name: 'string' }, hooks: { beforeInsert: [() => {}], afterInsert: [async () => {}] } });
    expect(await res.insert({ id: 'q', name: 'kept' })).toMatchObject({ id: 'q', name: 'kept' });
    await db.disconnect();
  });

  it('executeHooks runs a hook list by hand', async () => {
    const db = await connectedDb();
    const res = await db.createResource({ name: 'manual', attributes: { name: 'string' } });
    res.addHook('afterList', (records) => records.concat('extra'));
    expect(await res.executeHooks('afterList', ['a'])).toEqual(['a', 'extra']);
    await db.disconnect();
  });

  it('an unknown hook name or a non-function is refused', async () => {
    const db = await connectedDb();
    const res = await db.createResource({ name: 'strict', attributes: { name: 'string' } });
    const unknown = await caught(() => res.addHook('beforeNothing', () => {}));
    expect(unknown).toBeInstanceOf(ResourceError);
    expect(unknown.message).toMatch(/^Invalid hook event 'beforeNothing'\. Valid events: beforeInsert, afterInsert/);
    expect((await caught(() => res.addHook('beforeInsert', 'nope'))).message).toBe('Hook must be a function');
    await db.disconnect();
  });
});

describe('a throwing hook aborts with its own error and leaves nothing half written', () => {
  it('beforeInsert on a partitioned resource: no record, no partition reference', async () => {
    const db = await connectedDb();
    const refusal = new RangeError('too expensive');
    const res = await db.createResource({
      name: 'orders',
      attributes: { total: 'number', region: 'string' },
      partitions: { byRegion: { fields: { region: 'string' } } },
      hooks: { beforeInsert: [(data) => { if (data.total > 100) throw refusal; return data; }] },
    });
    expect(await caught(res.insert({ id: 'o1', total: 500, region: 'EU' }))).toBe(refusal);
    expect((await storedKeys(db)).filter((key) => key.includes('resource=orders/'))).toEqual([]);
    await res.insert({ id: 'o2', total: 50, region: 'EU' });
    expect((await storedKeys(db)).filter((key) => key.includes('resource=orders/')).length).toBe(2);
    await db.disconnect();
  });

  it('beforeUpdate, beforeReplace, beforePatch and beforeDeleteMany leave the stored record as it was', async () => {
    const db = await connectedDb();
    const res = await db.createResource({
      name: 'frozen',
      attributes: { name: 'string' },
      hooks: {
        beforeUpdate: [() => { throw new Error('no updates'); }],
        beforeReplace: [() => { throw new Error('no replaces'); }],
        beforePatch: [async () => { throw new Error('no patches'); }],
        beforeDeleteMany: [() => { throw new Error('no bulk deletes'); }],
      },
    });
    await res.insert({ id: 'f', name: 'original' });
    const before = db.client.getRequestCounts().PutObjectCommand;
    expect((await caught(res.update('f', { name: 'x' }))).message).toBe('no updates');
    expect((await caught(res.replace('f', { name: 'x' }))).message).toBe('no replaces');
    expect((await caught(res.patch('f', { name: 'x' }))).message).toBe('no patches');
    expect((await caught(res.deleteMany(['f']))).message).toBe('no bulk deletes');
    expect(db.client.getRequestCounts().PutObjectCommand).toBe(before);
    expect((await res.get('f')).name).toBe('original');
    await db.disconnect();
  });

  it('an afterInsert hook error rejects the call; the record it followed is complete', async () => {
    const db = await connectedDb();
    const res = await db.createResource({ name: 'after', attributes: { name: 'string' }, hooks: { afterInsert: [() => { throw new Error('after failed'); }] } });
    expect((await caught(res.insert({ id: 'z', name: 'written' }))).message).toBe('after failed');
    expect(userFields(await res.get('z'))).toEqual({ id: 'z', name: 'written' });
    await db.disconnect();
  });

  it('insertMany with a throwing hook reports that document as an `error` event and inserts the others', async () => {
    const db = await connectedDb();
    const res = await db.createResource({
      name: 'batch', attributes: { name: 'string' },
      hooks: { beforeInsert: [(data) => { if (data.name === 'bad') throw new Error('bad one'); return data; }] },
    });
    const errors = [];
    res.on('error', (error, content) => errors.push([error.message, content]));
    const inserted = await res.insertMany([{ id: '1', name: 'ok' }, { id: '2', name: 'bad' }, { id: '3', name: 'fine' }]);
    expect(inserted.map((r) => r.id)).toEqual(['1', '3']);
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual([['bad one', { id: '2', name: 'bad' }]]);
    expect(await res.listIds()).toEqual(['1', '3']);
    await db.disconnect();
  });
});

describe('legacy hook names under `options.hooks`', () => {
  it('preInsert, preUpdate(id, data) and preDelete(id) with `false` aborting the delete', async () => {
    const db = await connectedDb();
    const seen = [];
    const res = await db.createResource({
      name: 'legacy',
      attributes: { name: 'string' },
      options: {
        hooks: {
          preInsert: [async function (data) { seen.push(['preInsert', data.name, this.name]); return data; }],
          preUpdate: [async (id, data) => { seen.push(['preUpdate', id, data.name]); return { ...data, name: data.name.toUpperCase() }; }],
          preDelete: [async (id) => { seen.push(['preDelete', id]); return id !== 'keep'; }],
        },
      },
    });
    await res.insert({ id: 'keep', name: 'k' });
    await res.insert({ id: 'drop', name: 'd' });
    await res.update('keep', { name: 'kept' });
    expect((await res.get('keep')).name).toBe('KEPT');
    const aborted = await caught(res.delete('keep'));
    expect(aborted).toBeInstanceOf(ResourceError);
    expect(await res.exists('keep')).toBe(true);
    await res.delete('drop');
    expect(await res.exists('drop')).toBe(false);
    expect(seen).toEqual([
      ['preInsert', 'k', 'legacy'], ['preInsert', 'd', 'legacy'], ['preUpdate', 'keep', 'kept'], ['preDelete', 'keep'], ['preDelete', 'drop'],
    ]);
    await db.disconnect();
  });

  it('beforeDelete of a missing record sees {id}; the delete then fails with NoSuchKey', async () => {
    const db = await connectedDb();
    const seen = [];
    const res = await db.createResource({ name: 'gone', attributes: { name: 'string' }, hooks: { beforeDelete: [(record) => { seen.push(record); }] } });
    expect(await caught(res.delete('nobody'))).toBeInstanceOf(NoSuchKey);
    expect(seen).toEqual([{ id: 'nobody' }]);
    await db.disconnect();
  });
});

describe('database hooks (db.addHook)', () => {
  it('connect, createResource and disconnect hooks run with {database, ...context} in order', async () => {
    const db = new S3db({ connectionString: uniqueUrl('dbhooks') });
    const seen = [];
    for (const event of ['beforeConnect', 'afterConnect', 'beforeCreateResource', 'afterCreateResource', 'resourceCreated', 'resourceUpdated', 'beforeDisconnect', 'afterDisconnect']) {
      db.addHook(event, (context) => {
        expect(context.database).toBe(db);
        seen.push([event, context.resource?.name ?? context.config?.name ?? null]);
      });
    }
    await db.connect();
    await db.createResource({ name: 'things', attributes: { name: 'string' } });
    await db.createResource({ name: 'things', attributes: { name: 'string', extra: 'string|optional' } });
    await db.disconnect();
    expect(seen).toEqual([
      ['beforeConnect', null], ['afterConnect', null],
      ['beforeCreateResource', 'things'], ['resourceCreated', 'things'], ['afterCreateResource', 'things'],
      ['beforeCreateResource', 'things'], ['resourceUpdated', 'things'], ['afterCreateResource', 'things'],
      ['beforeDisconnect', null], ['afterDisconnect', null],
    ]);
  });

  it('a failing database hook is reported as `hookError` and the operation goes on', async () => {
    const db = new S3db({ connectionString: uniqueUrl('dbhooks') });
    const failure = new Error('hook broke');
    db.addHook('afterCreateResource', () => { throw failure; });
    const reports = [];
    db.on('hookError', (report) => reports.push(report));
    await db.connect();
    const res = await db.createResource({ name: 'survivor', attributes: { name: 'string' } });
    expect(res.name).toBe('survivor');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ event: 'afterCreateResource', error: failure });
    expect(reports[0].context.resource).toBe(res);
    await db.disconnect();
  });

  it('getHooks, removeHook, clearHooks; unknown events and non-functions are DatabaseErrors', async () => {
    const db = new S3db({ connectionString: uniqueUrl('dbhooks') });
    const fn = () => {};
    db.addHook('beforeConnect', fn);
    expect(db.getHooks('beforeConnect')).toEqual([fn]);
    db.removeHook('beforeConnect', fn);
    expect(db.getHooks('beforeConnect')).toEqual([]);
    db.addHook('afterConnect', fn);
    db.clearHooks();
    expect(db.getHooks('afterConnect')).toEqual([]);
    const unknown = await caught(() => db.addHook('whenever', fn));
    expect(unknown).toBeInstanceOf(DatabaseError);
    expect(unknown.message).toMatch(/^Unknown hook event: whenever/);
    expect((await caught(() => db.addHook('beforeConnect', 42))).message).toBe('Hook function must be a function');
  });
});
