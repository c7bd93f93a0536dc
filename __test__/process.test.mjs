// Process-level behaviour: the addon must not keep Node alive or crash it, and hooks control writes.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { S3db } from '../lib/index.mjs';
import { uniqueUrl, caught } from './helpers.mjs';

const ENTRY = pathToFileURL(fileURLToPath(new URL('../lib/index.mjs', import.meta.url))).href;

/**
 * Runs an ES module script in a fresh `node`; resolves with its exit code, output and the time
 * between the script printing `DONE` and the process exiting. Killed after `killAfterMs`.
 */
function runNode(source, killAfterMs = 15000) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RUST_BACKTRACE: '0' },
    });
    let stdout = '';
    let stderr = '';
    let doneAt = null;
    let killed = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (doneAt === null && stdout.includes('DONE')) doneAt = Date.now();
    });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, killed, stdout, stderr, lingerMs: doneAt === null ? null : Date.now() - doneAt });
    });
  });
}

describe('the addon does not keep the process alive', () => {
  it('connect, createResource, insert, listen, disconnect: node exits by itself', async () => {
    const script = `
      import { S3db } from ${JSON.stringify(ENTRY)};
      const db = new S3db({ connectionString: ${JSON.stringify(uniqueUrl('exit-check', 'databases/app'))} });
      await db.connect();
      const users = await db.createResource({ name: 'users', attributes: { name: 'string|required', token: 'secret|optional' } });
      users.on('insert', (record) => console.log('EVENT', record.id));
      db.on('connected', () => {});
      const user = await users.insert({ name: 'Ann', token: 't0k' });
      const again = await users.get(user.id);
      if (again.token !== 't0k') throw new Error('secret did not round-trip');
      await users.list();
      await new Promise((resolve) => setImmediate(resolve));
      await db.disconnect();
      console.log('DONE');
    `;
    const result = await runNode(script);
    expect(result.stderr).not.toMatch(/panicked|not yet implemented/);
    expect({ code: result.code, killed: result.killed, stdout: result.stdout.trim() }).toMatchObject({ code: 0, killed: false });
    expect(result.stdout).toMatch(/EVENT [A-Za-z0-9_-]{22}/);
    expect(result.stdout).toContain('DONE');
    expect(result.lingerMs).toBeLessThan(3000);
  });

  it('a process that never calls disconnect still exits by itself', async () => {
    const script = `
      import { S3db } from ${JSON.stringify(ENTRY)};
      const db = new S3db({ connectionString: ${JSON.stringify(uniqueUrl('no-disconnect'))} });
      await db.connect();
      const notes = await db.createResource({ name: 'notes', attributes: { text: 'string' } });
      await notes.insert({ id: 'n1', text: 'hi' });
      console.log('DONE');
    `;
    const result = await runNode(script);
    expect({ code: result.code, killed: result.killed }).toEqual({ code: 0, killed: false });
    expect(result.lingerMs).toBeLessThan(3000);
  });

  it('plugins, hooks, async listeners and streams: after disconnect node exits by itself', async () => {
    const script = `
      import { S3db, Plugin, CachePlugin, CostsPlugin } from ${JSON.stringify(ENTRY)};
      class Tracker extends Plugin {
        async onInstall() { this.wrapMethod('Resource', 'insert', (original, resource, args) => original(...args)); }
      }
      const db = new S3db({
        connectionString: 'memory://exit-plugins/app',
        plugins: [new CachePlugin({ driver: 'memory', ttl: 60000 }), new CachePlugin({ driver: 's3' }), CostsPlugin, new Tracker()],
      });
      db.addHook('afterCreateResource', async () => {});
      await db.connect();
      const items = await db.createResource({ name: 'items', attributes: { n: 'number' }, hooks: { beforeInsert: [async (d) => d] } });
      items.on('inserted', async () => { await new Promise((r) => setTimeout(r, 5)); });
      items.on('error', () => {});
      await items.insertMany(Array.from({ length: 300 }, (_, n) => ({ n })));
      let seen = 0;
      for await (const record of items.readable({ pageSize: 50 })) { seen += record ? 1 : 0; }
      const half = items.readable({ pageSize: 10 });
      await new Promise((resolve) => half.once('data', resolve));
      half.destroy();
      const writer = items.writable();
      writer.write({ n: 1 });
      writer.end();
      await new Promise((resolve) => writer.on('finish', resolve));
      await items.count();
      await items.count();
      console.log('SEEN', seen, db.client.costs.requests.total > 0);
      await db.disconnect();
      console.log('DONE');
    `;
    const result = await runNode(script);
    expect(result.stderr).toBe('');
    expect({ code: result.code, killed: result.killed }).toEqual({ code: 0, killed: false });
    expect(result.stdout).toContain('SEEN 300 true');
    expect(result.lingerMs).toBeLessThan(3000);
  });

  it('bad input never crashes the process: every failure is a catchable Error', async () => {
    const script = `
      import { S3db } from ${JSON.stringify(ENTRY)};
      const outcomes = [];
      async function attempt(label, fn) {
        try { await fn(); outcomes.push({ label, ok: true }); }
        catch (e) { outcomes.push({ label, isError: e instanceof Error, name: e && e.name, message: e && e.message }); }
      }
      await attempt('bad url', () => new S3db({ connectionString: '%%%' }));
      const db = new S3db({ connectionString: ${JSON.stringify(uniqueUrl('crash-check'))} });
      await db.connect();
      await attempt('bad type', () => db.createResource({ name: 'bad', attributes: { a: 'strng' } }));
      await attempt('bad behavior', () => db.createResource({ name: 'bad2', attributes: { a: 'string' }, behavior: 'nope' }));
      const users = await db.createResource({ name: 'users', attributes: { name: 'string|required', n: 'number|optional' } });
      const circular = { name: 'c' }; circular.self = circular;
      const inputs = [null, [], 'str', 1, {}, { name: 5 }, { name: 'x', n: 'NaN!' }, { name: 'big', n: 10n }, circular,
        { id: 'a/b', name: 'x' }, { id: 'x'.repeat(5000), name: 'x' }, { id: {}, name: 'x' }, { name: '\\u0000\\uffff\\ud800' }];
      for (const [i, doc] of inputs.entries()) await attempt('insert ' + i, () => users.insert(doc));
      for (const id of [undefined, null, '', {}, [], 'missing', 'x'.repeat(5000), '\\u0000']) {
        await attempt('get ' + String(id).slice(0, 10), () => users.get(id));
        await attempt('delete ' + String(id).slice(0, 10), () => users.delete(id));
        await attempt('update ' + String(id).slice(0, 10), () => users.update(id, { name: 'y' }));
      }
      await attempt('list bad partition', () => users.list({ partition: 'nope' }));
      await attempt('query bad filter', () => users.query('nope'));
      await attempt('getMany mixed', () => users.getMany(['missing', '', 'x'.repeat(5000)]));
      const after = await users.insert({ name: 'still alive' });
      console.log(JSON.stringify({ outcomes, alive: (await users.get(after.id)).name }));
      console.log('DONE');
    `;
    const result = await runNode(script);
    expect(result.stderr).not.toMatch(/panicked|not yet implemented/);
    expect({ code: result.code, signal: result.signal, killed: result.killed }).toEqual({ code: 0, signal: null, killed: false });
    const report = JSON.parse(result.stdout.split('\n').find((line) => line.startsWith('{')));
    expect(report.alive).toBe('still alive');
    const failures = report.outcomes.filter((o) => !o.ok);
    expect(failures.length).toBeGreaterThan(30);
    for (const failure of failures) {
      expect(failure, failure.label).toMatchObject({ isError: true });
      expect(typeof failure.name, failure.label).toBe('string');
      expect(failure.name, failure.label).not.toBe('Error');
      expect(failure.name, failure.label).not.toBe('UnknownError');
      expect(failure.message.length, failure.label).toBeGreaterThan(0);
    }
  });
});

describe('hooks decide what is written', () => {
  it('a throwing beforeInsert hook rejects insert with its own error and writes nothing', async () => {
    const db = new S3db({ connectionString: uniqueUrl('hooks') });
    await db.connect();
    const refusal = new Error('refused by hook');
    let calls = 0;
    const guarded = await db.createResource({
      name: 'guarded',
      attributes: { name: 'string' },
      hooks: { beforeInsert: [async () => { calls += 1; throw refusal; }] },
    });
    const inserted = [];
    guarded.on('insert', (record) => inserted.push(record));

    const error = await caught(guarded.insert({ id: 'h1', name: 'nope' }));
    expect(error).toBe(refusal);
    expect(calls).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(inserted).toEqual([]);
    expect(await guarded.exists('h1')).toBe(false);
    expect(await guarded.count()).toBe(0);
    expect(await guarded.listIds()).toEqual([]);
    await db.disconnect();
  });

  it('a synchronous throwing hook behaves the same; later hooks do not run', async () => {
    const db = new S3db({ connectionString: uniqueUrl('hooks') });
    await db.connect();
    const later = [];
    const guarded = await db.createResource({
      name: 'guarded',
      attributes: { name: 'string' },
      hooks: { beforeInsert: [(data) => { if (data.name === 'bad') throw new TypeError('bad name'); return data; }, (data) => { later.push(data.name); return data; }] },
    });
    const error = await caught(guarded.insert({ name: 'bad' }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('bad name');
    expect(later).toEqual([]);
    expect(await guarded.count()).toBe(0);
    const ok = await guarded.insert({ name: 'good' });
    expect(later).toEqual(['good']);
    expect(await guarded.count()).toBe(1);
    expect((await guarded.get(ok.id)).name).toBe('good');
    await db.disconnect();
  });

  it('beforeUpdate and beforeDelete hooks that throw leave the record unchanged', async () => {
    const db = new S3db({ connectionString: uniqueUrl('hooks') });
    await db.connect();
    const res = await db.createResource({
      name: 'locked',
      attributes: { name: 'string' },
      hooks: {
        beforeUpdate: [() => { throw new Error('no updates'); }],
        beforeDelete: [() => { throw new Error('no deletes'); }],
      },
    });
    await res.insert({ id: 'l1', name: 'original' });
    expect((await caught(res.update('l1', { name: 'changed' }))).message).toBe('no updates');
    expect((await caught(res.delete('l1'))).message).toBe('no deletes');
    expect((await res.get('l1')).name).toBe('original');
    await db.disconnect();
  });
});
