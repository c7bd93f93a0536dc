// executorPool: the S3 request scheduler's concurrency, retries, auto-tuning and monitoring as
// users set and observe them (getQueueStats, getAggregateMetrics, setConcurrency), and the
// standalone TasksPool/TasksRunner.
import { describe, it, expect, afterAll } from 'vitest';
import { S3db, TasksPool, TasksRunner, TaskTimeoutError, PoolStoppedError, ValidationError } from '../lib/index.mjs';
import { ON_S3, uniqueUrl, uniqueMemoryUrl, caught, caughtSync, eventually } from './helpers.mjs';
import { startFaultProxy } from './setup/fault-proxy.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ITEMS = { name: 'items', attributes: { n: 'number' } };

/**
 * The most requests the scheduler had in flight, and the longest queue behind them, while `work`
 * ran (sampled on every turn of the event loop; the requests run on the engine's threads).
 */
async function peakLoad(client, work) {
  let active = 0;
  let queued = 0;
  let running = true;
  const sample = async () => {
    while (running) {
      const stats = client.getQueueStats();
      active = Math.max(active, stats.activeCount);
      queued = Math.max(queued, stats.queueSize);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const sampler = sample();
  try {
    await work();
  } finally {
    running = false;
    await sampler;
  }
  return { active, queued };
}

describe('executorPool options', () => {
  it('refuses settings it cannot honour with a ValidationError naming the option', () => {
    for (const executorPool of [{ concurrency: 0 }, { concurrency: 1.5 }, { retries: -1 }, 'fast',
      { autoTuning: { minConcurrency: 50, maxConcurrency: 10 } }, { monitoring: { enabled: true, exporter: 'log' } }]) {
      const error = caughtSync(() => new S3db({ connectionString: uniqueMemoryUrl('pool'), executorPool }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toMatch(/^executorPool/);
    }
  });

  it('a local store answers at once: nothing queues and there is no concurrency to set', async () => {
    const db = new S3db({ connectionString: uniqueMemoryUrl('pool'), executorPool: { concurrency: 5 } });
    await db.connect();
    const items = await db.createResource(ITEMS);
    await items.insertMany([{ n: 1 }, { n: 2 }]);
    const stats = db.client.getQueueStats();
    expect(stats).toMatchObject({ concurrency: null, queueSize: 0, activeCount: 0, errorCount: 0, retryCount: 0 });
    expect(stats.processedCount).toBeGreaterThan(0);
    expect(db.client.getAggregateMetrics()).toBeNull();
    expect(caughtSync(() => db.client.setConcurrency(3))).toBeInstanceOf(ValidationError);
    await db.disconnect();
  });

  it('a local store has no pool to pause, drain or stop, but reports its requests as pool tasks', async () => {
    const db = new S3db({ connectionString: uniqueMemoryUrl('pool') });
    await db.connect();
    const items = await db.createResource(ITEMS);
    const tasks = [];
    db.client.on('pool:taskStarted', (task) => tasks.push(['started', task.command, task.id]));
    db.client.on('pool:taskCompleted', (task) => tasks.push(['completed', task.command, task.id, task.timings.execution >= 0]));
    expect(await db.client.pausePool()).toBeNull();
    expect(db.client.resumePool()).toBeNull();
    expect(await db.client.drainPool()).toBeNull();
    db.client.stopPool();
    const { id } = await items.insert({ n: 1 });
    await items.get(id);
    await eventually(() => tasks.some(([phase, command]) => phase === 'completed' && command === 'GetObjectCommand'));
    const get = tasks.filter(([, command]) => command === 'GetObjectCommand');
    expect(get).toEqual([['started', 'GetObjectCommand', get[0][2]], ['completed', 'GetObjectCommand', get[0][2], true]]);
    expect(db.client.getQueueStats()).toMatchObject({ paused: false, stopped: false });
    await db.disconnect();
  });

  it('monitoring calls the exporter with the pool snapshot until disconnect', async () => {
    const snapshots = [];
    const db = new S3db({
      connectionString: ON_S3 ? uniqueUrl('monitor') : uniqueMemoryUrl('monitor'),
      executorPool: { concurrency: 4, monitoring: { enabled: true, reportInterval: 20, exporter: (s) => snapshots.push(s) } },
    });
    await db.connect();
    await eventually(() => snapshots.length >= 2);
    expect(snapshots[0]).toMatchObject({ queueSize: 0, activeCount: 0 });
    expect(typeof snapshots[0].timestamp).toBe('number');
    expect(snapshots[0].concurrency).toBe(ON_S3 ? 4 : null);
    await db.disconnect();
    const seen = snapshots.length;
    await sleep(80);
    expect(snapshots.length).toBe(seen);
  });
});

describe.skipIf(!ON_S3)('executorPool on an S3 server', () => {
  let proxy;
  afterAll(() => proxy?.close());

  it('lets at most `concurrency` requests run, queues the rest, and takes a new limit while running', async () => {
    const db = new S3db({ connectionString: uniqueUrl('pool'), executorPool: { concurrency: 3 } });
    await db.connect();
    const items = await db.createResource(ITEMS);
    const ids = (await items.insertMany(Array.from({ length: 40 }, (_, n) => ({ n })))).map((r) => r.id);
    expect(db.client.getQueueStats().concurrency).toBe(3);
    expect((await peakLoad(db.client, () => items.getMany(ids))).active).toBeLessThanOrEqual(3);

    // The database still fans out 3 reads at a time; the scheduler lets one through.
    db.client.setConcurrency(1);
    expect(db.client.getConcurrency()).toBe(1);
    const load = await peakLoad(db.client, () => items.getMany(ids));
    expect(load.active).toBe(1);
    expect(load.queued).toBeGreaterThanOrEqual(1);

    const stats = db.client.getQueueStats();
    expect(stats).toMatchObject({ concurrency: 1, queueSize: 0, activeCount: 0, errorCount: 0 });
    expect(stats.processedCount).toBeGreaterThanOrEqual(120);
    const metrics = db.client.getAggregateMetrics();
    expect(metrics.sampleSize).toBeGreaterThan(0);
    expect(metrics.p50).toBeGreaterThan(0);
    expect(metrics.p99).toBeGreaterThanOrEqual(metrics.p50);
    expect(caughtSync(() => db.client.setConcurrency(0))).toBeInstanceOf(ValidationError);
    await db.disconnect();
  });

  it('pausePool holds requests back until resumePool, drainPool waits for them, stopPool refuses the rest', async () => {
    const db = new S3db({ connectionString: uniqueUrl('lifecycle'), executorPool: { concurrency: 4 } });
    await db.connect();
    const items = await db.createResource(ITEMS);
    const { id } = await items.insert({ n: 0 });
    const events = [];
    for (const name of ['pool:paused', 'pool:resumed', 'pool:stopped']) db.client.on(name, () => events.push(name));

    expect(await db.client.pausePool()).toBeUndefined();
    expect(db.client.getQueueStats()).toMatchObject({ paused: true, activeCount: 0 });
    let answered = false;
    const pending = items.insert({ n: 1 }).then((record) => { answered = true; return record; });
    await eventually(() => db.client.getQueueStats().queueSize >= 1);
    await sleep(50);
    expect(answered).toBe(false);
    // Held-back requests do not keep drainPool waiting: they cannot start by themselves.
    await db.client.drainPool();

    db.client.resumePool();
    const record = await pending;
    await db.client.drainPool();
    expect(db.client.getQueueStats()).toMatchObject({ paused: false, queueSize: 0, activeCount: 0 });
    expect(await items.get(record.id)).toMatchObject({ n: 1 });

    db.client.stopPool();
    const refused = await caught(items.get(id));
    expect(refused.name).toBe('PoolStoppedError');
    expect(refused.message).toMatch(/stopped/);
    expect(db.client.getQueueStats()).toMatchObject({ stopped: true, queueSize: 0, activeCount: 0 });
    db.client.resumePool();
    expect((await caught(items.insert({ n: 2 }))).name).toBe('PoolStoppedError');
    expect(events).toEqual(['pool:paused', 'pool:resumed', 'pool:stopped']);
    await db.disconnect();
  });

  it('reports each S3 request as a pool task with its execution time, and drained when none is left', async () => {
    const db = new S3db({ connectionString: uniqueUrl('tasks'), executorPool: { concurrency: 2 } });
    await db.connect();
    const items = await db.createResource(ITEMS);
    const ids = (await items.insertMany(Array.from({ length: 6 }, (_, n) => ({ n })))).map((r) => r.id);
    const started = new Set();
    const completed = [];
    let drained = 0;
    db.client.on('pool:taskStarted', (task) => started.add(task.id));
    db.client.on('pool:taskCompleted', (task) => completed.push(task));
    db.client.on('pool:drained', () => { drained += 1; });
    await items.getMany(ids);
    await eventually(() => completed.length === 6 && drained >= 1);
    expect(completed.every((task) => started.has(task.id) && task.command === 'GetObjectCommand' && task.timings.execution > 0)).toBe(true);
    expect(new Set(completed.map((task) => task.id)).size).toBe(6);
    await db.disconnect();
  });

  it('counts the retries of requests that failed on the way and were sent again', async () => {
    const url = uniqueUrl('retries');
    const direct = new S3db({ connectionString: url });
    await direct.connect();
    const items = await direct.createResource(ITEMS);
    const ids = (await items.insertMany(Array.from({ length: 40 }, (_, n) => ({ n })))).map((r) => r.id);
    proxy = await startFaultProxy(new URL(url).origin, { rate: 0.3, seed: 7, stallMs: 300 });
    const via = new URL(url);
    via.host = new URL(proxy.endpoint).host;
    const db = new S3db({
      connectionString: `${via}?requestTimeout=200`,
      executorPool: { concurrency: 8, retries: 6, retryDelay: 5 },
    });
    await db.connect();
    const retriedBefore = db.client.getQueueStats().retryCount; // connecting reads s3db.json
    const started = new Set();
    const retried = [];
    db.client.on('pool:taskStarted', (task) => started.add(task.id));
    db.client.on('pool:taskRetry', (task, attempt) => retried.push({ task, attempt }));
    const records = await db.resources.items.getMany(ids);
    expect(records.filter((r) => r._error)).toEqual([]);
    const injected = Object.values(proxy.stats.faults).reduce((a, b) => a + b, 0);
    const { retryCount } = db.client.getQueueStats();
    expect(injected).toBeGreaterThan(0);
    expect(retryCount).toBeGreaterThan(0);
    expect(retryCount).toBeLessThanOrEqual(injected);
    // Each retry is reported once, as a retry of a task that started, numbered from 1 per task.
    expect(retried.length).toBeGreaterThan(0);
    expect(retried).toHaveLength(retryCount - retriedBefore);
    const byTask = new Map();
    for (const retry of retried) byTask.set(retry.task.id, [...(byTask.get(retry.task.id) ?? []), retry]);
    for (const [id, retries] of byTask) {
      expect(started.has(id)).toBe(true);
      expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, n) => n + 1));
      expect(retries[0].task).toMatchObject({ command: 'GetObjectCommand' });
    }
    await db.disconnect();
    await direct.disconnect();
  });

  it("concurrency: 'auto' starts inside the auto-tuning bounds", async () => {
    const db = new S3db({
      connectionString: uniqueUrl('auto'),
      executorPool: { concurrency: 'auto', autoTuning: { minConcurrency: 2, maxConcurrency: 6, targetLatency: 1, adjustmentInterval: 10 } },
    });
    expect(db.client.getConcurrency()).toBe(6);
    await db.connect();
    const items = await db.createResource(ITEMS);
    await items.insertMany(Array.from({ length: 30 }, (_, n) => ({ n })));
    // Every request takes longer than the 1 ms target: the tuner backs off to its floor.
    await eventually(async () => {
      await items.list();
      return db.client.getConcurrency() === 2;
    });
    await db.disconnect();
  });
});

describe('TasksPool', () => {
  it('runs at most `concurrency` tasks at once and returns their results', async () => {
    const pool = new TasksPool({ concurrency: 3 });
    let running = 0;
    let peak = 0;
    const task = (n) => async () => {
      running += 1;
      peak = Math.max(peak, running);
      await sleep(5);
      running -= 1;
      return n * 2;
    };
    const results = await Promise.all(Array.from({ length: 12 }, (_, n) => pool.enqueue(task(n))));
    expect(results).toEqual(Array.from({ length: 12 }, (_, n) => n * 2));
    expect(peak).toBe(3);
    expect(pool.getStats()).toMatchObject({ processedCount: 12, errorCount: 0, activeCount: 0, queueSize: 0 });
    const metrics = pool.getAggregateMetrics();
    expect(metrics.count).toBe(12);
    expect(metrics.p50Execution).toBeGreaterThanOrEqual(4);
  });

  it('starts higher priorities first, equal ones in order', async () => {
    const pool = new TasksPool({ concurrency: 1 });
    const order = [];
    const blocker = pool.enqueue(() => sleep(10));
    const queued = [['low', 0], ['high', 5], ['mid', 1], ['high2', 5]].map(([name, priority]) => pool.enqueue(async () => order.push(name), { priority }));
    await Promise.all([blocker, ...queued]);
    expect(order).toEqual(['high', 'high2', 'mid', 'low']);
  });

  it('retries with exponential backoff, only the errors it is told to', async () => {
    const pool = new TasksPool({ concurrency: 2, retries: 3, retryDelay: 5, retryableErrors: ['Flaky'] });
    const retried = [];
    pool.on('pool:taskRetry', (task, attempt) => retried.push(attempt));
    let calls = 0;
    const started = Date.now();
    const value = await pool.enqueue(async ({ attempt }) => {
      calls += 1;
      if (attempt < 3) throw Object.assign(new Error('not yet'), { name: 'Flaky' });
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(retried).toEqual([1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 + 10 - 2);
    const fatal = await caught(pool.enqueue(async () => { throw new TypeError('broken'); }));
    expect(fatal).toBeInstanceOf(TypeError);
    expect(pool.getStats()).toMatchObject({ retryCount: 2, errorCount: 1 });
  });

  it('times a task out and aborts its signal', async () => {
    const pool = new TasksPool({ concurrency: 1, timeout: 20 });
    let aborted = false;
    const error = await caught(pool.enqueue(({ signal }) => new Promise((resolve) => {
      signal.addEventListener('abort', () => { aborted = true; resolve(); });
    })));
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error.name).toBe('TaskTimeoutError');
    expect(aborted).toBe(true);
  });

  it('pauses, resumes, drains, and stop cancels what is still queued', async () => {
    const pool = new TasksPool({ concurrency: 1 });
    let drained = 0;
    pool.on('pool:drained', () => { drained += 1; });
    const done = [];
    const first = pool.enqueue(async () => { await sleep(10); done.push(1); });
    await pool.pause();
    expect(done).toEqual([1]);
    const second = pool.enqueue(async () => done.push(2));
    await sleep(10);
    expect(done).toEqual([1]);
    pool.resume();
    await pool.drain();
    expect(done).toEqual([1, 2]);
    expect(drained).toBe(2); // once per busy spell: before the pause, after the resume
    await Promise.all([first, second]);

    pool.enqueue(() => sleep(15));
    const cancelled = pool.enqueue(async () => done.push(3));
    pool.stop();
    expect(await caught(cancelled)).toBeInstanceOf(PoolStoppedError);
    await pool.drain();
    expect(done).toEqual([1, 2]);
    expect(await caught(pool.enqueue(async () => 1))).toBeInstanceOf(PoolStoppedError);
  });

  it('addBatch, process and map report results and failures by position', async () => {
    const pool = new TasksPool({ concurrency: 4 });
    const batch = await pool.addBatch([async () => 'a', async () => { throw new Error('b'); }, async () => 'c']);
    expect(batch.results).toEqual(['a', null, 'c']);
    expect(batch.errors.map((e) => [e.index, e.error.message])).toEqual([[1, 'b']]);
    const processed = await pool.process([1, 2, 3, 4], async (n) => { if (n === 3) throw new Error('three'); return n * 10; });
    expect(processed.results).toEqual([10, 20, 40]);
    expect(processed.errors.map((e) => [e.item, e.index])).toEqual([[3, 2]]);
    const completed = [];
    const mapped = await TasksPool.map([1, 1, 3], async (n) => n + 1, { concurrency: 2, onItemComplete: (result, index) => completed.push([index, result]) });
    expect(mapped).toEqual({ results: [2, 2, 4], errors: [] });
    expect(completed.sort()).toEqual([[0, 2], [1, 2], [2, 4]]);
    expect(await caught(pool.process('nope', async () => 1))).toBeInstanceOf(ValidationError);
    expect(caughtSync(() => new TasksPool({ concurrency: -2 }))).toBeInstanceOf(ValidationError);
  });

  it("'auto' concurrency follows the engine's tuning policy", async () => {
    const pool = new TasksPool({ concurrency: 'auto', autoTuning: { minConcurrency: 2, maxConcurrency: 30, targetLatency: 1000, adjustmentInterval: 0 } });
    const start = pool.effectiveConcurrency;
    expect(start).toBe(10);
    await Promise.all(Array.from({ length: 200 }, () => pool.enqueue(() => sleep(2))));
    // Fast tasks with a queue behind them: concurrency grows toward the ceiling.
    expect(pool.effectiveConcurrency).toBeGreaterThan(start);
    expect(pool.effectiveConcurrency).toBeLessThanOrEqual(30);
    const slow = new TasksPool({ concurrency: 'auto', autoTuning: { minConcurrency: 2, maxConcurrency: 8, targetLatency: 1, adjustmentInterval: 0 } });
    await Promise.all(Array.from({ length: 20 }, () => slow.enqueue(() => sleep(5))));
    expect(slow.effectiveConcurrency).toBe(2);
  });
});

describe('TasksRunner', () => {
  it('processes an async iterable with bounded concurrency and reports progress', async () => {
    const runner = TasksRunner.withConcurrency(2);
    async function* numbers() {
      for (let n = 0; n < 6; n += 1) yield n;
    }
    let running = 0;
    let peak = 0;
    const { results, errors } = await runner.processIterable(numbers(), async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await sleep(3);
      running -= 1;
      if (n === 4) throw new Error('four');
      return n * n;
    });
    expect(peak).toBe(2);
    expect(results).toEqual([0, 1, 4, 9, 25]);
    expect(errors.map((e) => e.item)).toEqual([4]);
    expect(runner.getProgress()).toMatchObject({ total: 6, completed: 5, failed: 1, pending: 0, percentage: 100 });
    runner.reset();
    expect(runner.getProgress().total).toBe(0);
  });

  it('processCorresponding keeps each result at its item, failures marked', async () => {
    const out = await new TasksRunner({ concurrency: 3 }).processCorresponding(['a', 'b', 'c'], async (s) => {
      if (s === 'b') throw new Error('b');
      return s.toUpperCase();
    });
    expect(out).toEqual(['A', TasksRunner.failed, 'C']);
    const { results } = await TasksRunner.process([3, 1, 2], async (n) => n, { concurrency: 1 });
    expect(results).toEqual([3, 1, 2]);
  });
});
