// Middlewares: useMiddleware on every s3db.js method, (ctx, next), order, errors, config form.
import { describe, it, expect } from 'vitest';
import { S3db, ResourceError } from '../lib/index.mjs';
import { uniqueUrl, caught } from './helpers.mjs';

async function setup(config = {}) {
  const db = new S3db({ connectionString: uniqueUrl('mw') });
  await db.connect();
  const users = await db.createResource({ name: 'users', attributes: { name: 'string', role: 'string|optional' }, paranoid: false, ...config });
  await users.insert({ id: 'u1', name: 'ann', role: 'admin' });
  await users.insert({ id: 'u2', name: 'bob' });
  return { db, users };
}

/** How each wrappable method is called in the tests, and what it resolves to. */
const CALLS = {
  get: [['u1'], (r) => r.id === 'u1'],
  list: [[{}], (r) => r.length === 2],
  listIds: [[{}], (r) => r.length === 2],
  getAll: [[], (r) => r.length === 2],
  count: [[{}], (r) => r === 2],
  page: [[{ size: 1 }], (r) => r.items.length === 1],
  insert: [[{ id: 'u3', name: 'cy' }], (r) => r.id === 'u3'],
  update: [['u2', { role: 'dev' }], (r) => r.role === 'dev'],
  patch: [['u2', { role: 'ops' }], (r) => r.role === 'ops'],
  replace: [['u2', { name: 'bob', role: 'qa' }], (r) => r.role === 'qa'],
  exists: [['u1'], (r) => r === true],
  getMany: [[['u1', 'u2']], (r) => r.length === 2],
  query: [[{ role: 'admin' }], (r) => r.length === 1],
  delete: [['u3'], (r) => r.deleted === true],
  deleteMany: [[['u2']], (r) => r.length === 1],
};

describe('useMiddleware', () => {
  it('wraps every method s3db.js lists (that this build has) with ctx = {resource, args, method}', async () => {
    const { db, users } = await setup();
    const seen = [];
    for (const method of Object.keys(CALLS)) {
      users.useMiddleware(method, async (ctx, next) => {
        seen.push({ method: ctx.method, args: ctx.args, resource: ctx.resource });
        return next();
      });
    }
    for (const [method, [args, check]] of Object.entries(CALLS)) {
      const result = await users[method](...args);
      expect(check(result), method).toBe(true);
    }
    const wrapped = seen.map((s) => s.method);
    for (const method of Object.keys(CALLS)) expect(wrapped, method).toContain(method);
    for (const entry of seen) expect(entry.resource).toBe(users);
    expect(seen.find((s) => s.method === 'update').args).toEqual(['u2', { role: 'dev' }]);
    await db.disconnect();
  });

  it('runs middlewares in registration order, outermost first, and can change args and results', async () => {
    const { db, users } = await setup();
    const order = [];
    users.useMiddleware('insert', async (ctx, next) => {
      order.push('first:in');
      ctx.args[0] = { ...ctx.args[0], name: ctx.args[0].name.toUpperCase() };
      const result = await next();
      order.push('first:out');
      return { ...result, decorated: true };
    });
    users.useMiddleware('insert', async (ctx, next) => {
      order.push(`second:${ctx.args[0].name}`);
      return next();
    });
    const record = await users.insert({ id: 'm1', name: 'dee' });
    expect(order).toEqual(['first:in', 'second:DEE', 'first:out']);
    expect(record).toMatchObject({ name: 'DEE', decorated: true });
    expect((await users.get('m1')).name).toBe('DEE');
    await db.disconnect();
  });

  it('a middleware can refuse a call (throw) or answer without calling next', async () => {
    const { db, users } = await setup();
    users.useMiddleware('inserted', async (ctx, next) => {
      if (!ctx.args[0].role) throw new Error('Authentication required');
      return next();
    });
    users.useMiddleware('fetched', async (ctx, next) => (ctx.args[0] === 'virtual' ? { id: 'virtual', name: 'made up' } : next()));
    expect((await caught(users.insert({ id: 'x', name: 'no role' }))).message).toBe('Authentication required');
    expect(await users.exists('x')).toBe(false);
    expect(await users.get('virtual')).toEqual({ id: 'virtual', name: 'made up' });
    expect((await users.get('u1')).name).toBe('ann');
    await db.disconnect();
  });

  it('the README names (inserted, updated, deleted, fetched) wrap insert, update, delete and get', async () => {
    const { db, users } = await setup();
    const seen = [];
    for (const alias of ['inserted', 'updated', 'deleted', 'fetched']) {
      users.useMiddleware(alias, async (ctx, next) => { seen.push(ctx.method); return next(); });
    }
    await users.insert({ id: 'a1', name: 'al' });
    await users.update('a1', { role: 'x' });
    await users.get('a1');
    await users.delete('a1');
    expect(seen).toEqual(['insert', 'update', 'get', 'delete']);
    await db.disconnect();
  });

  it('an unknown method is a ResourceError "No such method for middleware: <m>"', async () => {
    const { db, users } = await setup();
    const error = await caught(() => users.useMiddleware('teleport', async (ctx, next) => next()));
    expect(error).toBeInstanceOf(ResourceError);
    expect(error.message).toBe('No such method for middleware: teleport');
    await db.disconnect();
  });

  it('calling next() twice is an error', async () => {
    const { db, users } = await setup();
    users.useMiddleware('count', async (ctx, next) => { await next(); return next(); });
    expect((await caught(users.count())).message).toBe('next() called multiple times');
    await db.disconnect();
  });

  it('insertMany goes through an insert middleware for each document', async () => {
    const { db, users } = await setup();
    const names = [];
    users.useMiddleware('insert', async (ctx, next) => { names.push(ctx.args[0].name); return next(); });
    const inserted = await users.insertMany([{ name: 'p' }, { name: 'q' }]);
    expect(inserted).toHaveLength(2);
    expect(names.sort()).toEqual(['p', 'q']);
    await db.disconnect();
  });

  it('createResource `middlewares`: an array wraps every method, an object names them (or "*")', async () => {
    const calls = [];
    const { db, users } = await setup({
      middlewares: { get: [async (ctx, next) => { calls.push(`get:${ctx.args[0]}`); return next(); }], '*': async (ctx, next) => { calls.push(`*:${ctx.method}`); return next(); } },
    });
    calls.length = 0;
    await users.get('u1');
    await users.count();
    expect(calls).toEqual(['get:u1', '*:get', '*:count']);
    const other = await db.createResource({ name: 'logged', attributes: { name: 'string' }, middlewares: [async (ctx, next) => { calls.push(`all:${ctx.method}`); return next(); }] });
    calls.length = 0;
    await other.insert({ id: 'l', name: 'x' });
    await other.exists('l');
    expect(calls).toEqual(['all:insert', 'all:exists']);
    await db.disconnect();
  });
});
