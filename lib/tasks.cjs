'use strict';
// TasksPool and TasksRunner (s3db.js 13+ root exports): run the caller's async functions with
// bounded concurrency, priorities, retries with exponential backoff, timeouts, pause/resume/drain,
// and metrics. The tasks are user JavaScript, so the pool is JavaScript; auto-tuning asks the
// engine's policy (the one the S3 request scheduler uses) for the next concurrency.

const { EventEmitter } = require('node:events');
const { native } = require('./native.cjs');
const { ValidationError, S3dbError } = require('./errors.cjs');

const METRICS_WINDOW = 1000;
const AUTO_DEFAULTS = { minConcurrency: 1, maxConcurrency: 100, targetLatency: 250, adjustmentInterval: 1000 };

class TaskTimeoutError extends S3dbError {
  constructor(taskId, timeout) {
    super(`Task ${taskId} timed out after ${timeout} ms`, { taskId, timeout });
    this.name = 'TaskTimeoutError';
  }
}

class PoolStoppedError extends S3dbError {
  constructor(taskId) {
    super(`Task ${taskId} was cancelled: the pool was stopped`, { taskId });
    this.name = 'PoolStoppedError';
  }
}

function invalid(message) {
  return new ValidationError({ message });
}

function checkConcurrency(value) {
  if (value === 'auto') return value;
  if (!Number.isInteger(value) || value < 1) throw invalid(`concurrency must be a positive whole number or 'auto', got ${String(value)}`);
  return value;
}

/** Higher priority first; among equals, first enqueued first. */
class TaskQueue {
  constructor() {
    this.heap = [];
  }

  get length() {
    return this.heap.length;
  }

  static before(a, b) {
    return a.priority !== b.priority ? a.priority > b.priority : a.sequence < b.sequence;
  }

  push(task) {
    const heap = this.heap;
    heap.push(task);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!TaskQueue.before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  shift() {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length && last !== top) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < heap.length && TaskQueue.before(heap[left], heap[best])) best = left;
        if (right < heap.length && TaskQueue.before(heap[right], heap[best])) best = right;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best], heap[i]];
        i = best;
      }
    }
    return top;
  }

  drainAll() {
    const all = this.heap;
    this.heap = [];
    return all;
  }
}

const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
const average = (values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);

class TasksPool extends EventEmitter {
  constructor(options = {}) {
    super();
    const { concurrency = 10, retries = 0, retryDelay = 1000, timeout = 0, retryableErrors = [], autoTuning, features = {} } = options;
    this._concurrency = checkConcurrency(concurrency);
    this.retries = retries;
    this.retryDelay = retryDelay;
    this.timeout = timeout;
    this.retryableErrors = retryableErrors;
    this.emitEvents = features.emitEvents !== false;
    const tuning = autoTuning && autoTuning.enabled !== false ? autoTuning : concurrency === 'auto' ? {} : null;
    this.autoTuning = tuning ? { ...AUTO_DEFAULTS, ...tuning } : null;
    this.effective = this._concurrency === 'auto' ? Math.max(this.autoTuning.minConcurrency, Math.min(10, this.autoTuning.maxConcurrency)) : this._concurrency;
    this.queue = new TaskQueue();
    this.active = new Set();
    this.paused = false;
    this.stopped = false;
    this.stats = { queueSize: 0, activeCount: 0, processedCount: 0, errorCount: 0, retryCount: 0 };
    this.finished = [];
    this.taskMetrics = new Map();
    this.sequence = 0;
    this.idleWaiters = [];
    this.lastTuned = Date.now();
    // Set while tasks have run since the pool was last empty (`pool:drained` fires once per busy spell).
    this.busy = false;
  }

  get concurrency() {
    return this._concurrency;
  }

  get effectiveConcurrency() {
    return this.effective;
  }

  getConcurrency() {
    return this._concurrency;
  }

  setConcurrency(concurrency) {
    this._concurrency = checkConcurrency(concurrency);
    if (concurrency !== 'auto') this.effective = concurrency;
    else this.autoTuning ??= { ...AUTO_DEFAULTS };
    this.processNext();
  }

  /** Runs `fn(context)` when a place is free; resolves or rejects with its outcome. */
  enqueue(fn, options = {}) {
    if (typeof fn !== 'function') return Promise.reject(invalid('enqueue expects a function'));
    if (this.stopped) return Promise.reject(new PoolStoppedError('(new)'));
    const id = options.id ?? `task-${++this.sequence}`;
    const task = {
      id, fn, sequence: this.sequence, priority: Number(options.priority) || 0,
      retries: options.retries ?? this.retries, timeout: options.timeout ?? this.timeout,
      metadata: options.metadata || {}, attemptCount: 0, createdAt: Date.now(), startedAt: null, completedAt: null,
      timings: { queueWait: null, execution: null, retryDelays: [], total: null, failedAttempts: [] },
    };
    task.promise = new Promise((resolve, reject) => { task.resolve = resolve; task.reject = reject; });
    this.queue.push(task);
    this.stats.queueSize = this.queue.length;
    this.processNext();
    return task.promise;
  }

  /** Starts queued tasks while there is room. */
  processNext() {
    while (!this.paused && !this.stopped && this.queue.length && this.active.size < this.effective) {
      const task = this.queue.shift();
      this.stats.queueSize = this.queue.length;
      this._run(task);
    }
    this._settleIdle();
  }

  async _run(task) {
    this.busy = true;
    this.active.add(task);
    this.stats.activeCount = this.active.size;
    task.startedAt ??= Date.now();
    task.timings.queueWait = task.startedAt - task.createdAt;
    this._emit('pool:taskStarted', task);
    let outcome;
    for (;;) {
      task.attemptCount += 1;
      const attemptStart = Date.now();
      try {
        outcome = { value: await this._attempt(task) };
        break;
      } catch (error) {
        task.timings.failedAttempts.push({ attempt: task.attemptCount, duration: Date.now() - attemptStart, error: error && error.message });
        if (task.attemptCount > task.retries || !this._retryable(error) || this.stopped) {
          outcome = { error };
          break;
        }
        this.stats.retryCount += 1;
        const delay = this.retryDelay * 2 ** (task.attemptCount - 1);
        task.timings.retryDelays.push(delay);
        this._emit('pool:taskRetry', task, task.attemptCount);
        await new Promise((resolve) => setTimeout(resolve, delay).unref?.());
      }
    }
    task.completedAt = Date.now();
    task.timings.execution = task.completedAt - task.startedAt;
    task.timings.total = task.completedAt - task.createdAt;
    this.active.delete(task);
    this.stats.activeCount = this.active.size;
    this.stats.processedCount += 1;
    this._record(task, !outcome.error);
    if (outcome.error) {
      this.stats.errorCount += 1;
      this._emit('pool:taskError', task, outcome.error);
      task.reject(outcome.error);
    } else {
      this._emit('pool:taskCompleted', task, outcome.value);
      task.resolve(outcome.value);
    }
    this._tune();
    this.processNext();
  }

  _attempt(task) {
    const controller = new AbortController();
    const context = { id: task.id, attempt: task.attemptCount, retries: task.retries, metadata: task.metadata, signal: controller.signal };
    const running = Promise.resolve().then(() => task.fn(context));
    if (!task.timeout) return running;
    let timer;
    const timedOut = new Promise((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new TaskTimeoutError(task.id, task.timeout));
      }, task.timeout);
    });
    return Promise.race([running, timedOut]).finally(() => clearTimeout(timer));
  }

  _retryable(error) {
    if (!this.retryableErrors.length) return true;
    return Boolean(error) && (this.retryableErrors.includes(error.name) || this.retryableErrors.includes(error.code));
  }

  _record(task, success) {
    const entry = {
      id: task.id, metadata: task.metadata, timings: task.timings, attemptCount: task.attemptCount,
      createdAt: task.createdAt, startedAt: task.startedAt, completedAt: task.completedAt, success,
    };
    this.finished.push(entry);
    this.taskMetrics.set(task.id, entry);
    if (this.finished.length > METRICS_WINDOW) this.taskMetrics.delete(this.finished.shift().id);
  }

  _tune() {
    if (this._concurrency !== 'auto' && !this.autoTuning) return;
    const { minConcurrency, maxConcurrency, targetLatency, adjustmentInterval } = this.autoTuning;
    if (Date.now() - this.lastTuned < adjustmentInterval) return;
    this.lastTuned = Date.now();
    const recent = this.finished.slice(-256).map((e) => e.timings.execution).sort((a, b) => a - b);
    const p50 = recent.length ? recent[recent.length >> 1] : null;
    this.effective = native.autoTuneConcurrency(this.effective, p50, this.queue.length, minConcurrency, maxConcurrency, targetLatency);
  }

  _emit(event, ...args) {
    if (this.emitEvents && this.listenerCount(event) > 0) this.emit(event, ...args);
  }

  _settleIdle() {
    if (this.active.size || (this.queue.length && !this.stopped && !this.paused)) return;
    if (!this.queue.length && this.busy) {
      this.busy = false;
      this._emit('pool:drained');
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves once nothing runs (and, unless paused, nothing is queued). */
  _idle() {
    if (!this.active.size && (!this.queue.length || this.paused || this.stopped)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops starting tasks; resolves when the running ones have finished. */
  async pause() {
    this.paused = true;
    await this._idle();
    this._emit('pool:paused');
  }

  resume() {
    this.paused = false;
    this._emit('pool:resumed');
    this.processNext();
  }

  /** Resolves when every queued task has run. */
  async drain() {
    await this._idle();
  }

  /** Cancels queued tasks (they reject with PoolStoppedError); running ones finish. */
  stop() {
    this.stopped = true;
    for (const task of this.queue.drainAll()) task.reject(new PoolStoppedError(task.id));
    this.stats.queueSize = 0;
    this._emit('pool:stopped');
    this._settleIdle();
  }

  async destroy() {
    this.stop();
    await this._idle();
    this.removeAllListeners();
  }

  /** Runs every function; `{results, errors: [{error, index}], batchId}` (a failure's result is `null`). */
  async addBatch(fns, options = {}) {
    if (!Array.isArray(fns)) throw invalid('addBatch expects an array of functions');
    const batchId = `batch-${++this.sequence}`;
    const results = new Array(fns.length).fill(null);
    const errors = [];
    await Promise.all(fns.map((fn, index) => this.enqueue(fn, { ...options, metadata: { ...options.metadata, batchId, index } }).then(
      (result) => { results[index] = result; options.onItemComplete?.(result, index); },
      (error) => { errors.push({ error, index }); options.onItemError?.(error, index); },
    )));
    errors.sort((a, b) => a.index - b.index);
    return { results, errors, batchId };
  }

  /** `processor(item, index, pool)` for every item: `{results, errors: [{item, error, index}]}` (results of successes, in order). */
  async process(items, processor, options = {}) {
    if (!Array.isArray(items)) throw invalid('process expects an array');
    if (typeof processor !== 'function') throw invalid('process expects a processor function');
    const settled = new Array(items.length);
    await Promise.all(items.map((item, index) => this.enqueue(() => processor(item, index, this), options).then(
      (result) => { settled[index] = { ok: true, result }; options.onSuccess?.(item, result); },
      (error) => { settled[index] = { ok: false, error }; options.onError?.(item, error); },
    )));
    const results = [];
    const errors = [];
    settled.forEach((outcome, index) => {
      if (outcome.ok) results.push(outcome.result);
      else errors.push({ item: items[index], error: outcome.error, index });
    });
    return { results, errors };
  }

  static async map(items, processor, options = {}) {
    const pool = new this({ concurrency: options.concurrency ?? 10 });
    return pool.process(items, async (item, index) => {
      try {
        const result = await processor(item, index);
        options.onItemComplete?.(result, index);
        return result;
      } catch (error) {
        options.onItemError?.(error, item, index);
        throw error;
      }
    });
  }

  getStats() {
    return { ...this.stats, concurrency: this._concurrency, effectiveConcurrency: this.effective, paused: this.paused, stopped: this.stopped };
  }

  getTaskMetrics(taskId) {
    return this.taskMetrics.get(taskId);
  }

  /** Over the last 1 000 finished tasks (or those completed since `since`), times in ms; `null` before any. */
  getAggregateMetrics(since = 0) {
    const entries = this.finished.filter((e) => e.completedAt >= since);
    if (!entries.length) return null;
    const execution = entries.map((e) => e.timings.execution).sort((a, b) => a - b);
    return {
      count: entries.length,
      avgQueueWait: average(entries.map((e) => e.timings.queueWait)),
      avgExecution: average(execution),
      avgTotal: average(entries.map((e) => e.timings.total)),
      p50Execution: percentile(execution, 0.5),
      p95Execution: percentile(execution, 0.95),
      p99Execution: percentile(execution, 0.99),
      errorRate: entries.filter((e) => !e.success).length / entries.length,
      avgRetries: average(entries.map((e) => e.attemptCount - 1)),
      autoTuning: this.autoTuning ? { ...this.autoTuning, concurrency: this.effective } : null,
    };
  }
}

const FAILED = Symbol('TasksRunner.failed');
const NOT_RUN = Symbol('TasksRunner.notRun');

/** A first-in-first-out TasksPool with progress reporting and iterable input. */
class TasksRunner extends TasksPool {
  constructor(options = {}) {
    super(options);
    this.progress = { total: 0, completed: 0, failed: 0 };
  }

  static get failed() {
    return FAILED;
  }

  static get notRun() {
    return NOT_RUN;
  }

  static withConcurrency(concurrency) {
    return new TasksRunner({ concurrency });
  }

  static async process(items, processor, options = {}) {
    return new TasksRunner(options).process(items, processor, options);
  }

  enqueue(fn, options = {}) {
    // FIFO: a runner ignores priorities.
    this.progress.total += 1;
    return super.enqueue(fn, { ...options, priority: 0 }).then(
      (result) => { this.progress.completed += 1; return result; },
      (error) => { this.progress.failed += 1; throw error; },
    );
  }

  /** Pulls items from a (sync or async) iterable as places free up. */
  async processIterable(iterable, processor, options = {}) {
    if (!iterable || (typeof iterable[Symbol.iterator] !== 'function' && typeof iterable[Symbol.asyncIterator] !== 'function')) {
      throw invalid('processIterable expects an iterable');
    }
    const results = [];
    const errors = [];
    const running = new Set();
    let index = 0;
    for await (const item of iterable) {
      const at = index++;
      const job = this.enqueue(() => processor(item, at, this), options).then(
        (result) => { results[at] = result; options.onItemComplete?.(item, result); },
        (error) => { errors.push({ item, error, index: at }); options.onItemError?.(item, error); },
      ).finally(() => running.delete(job));
      running.add(job);
      if (running.size >= this.effective) await Promise.race(running);
    }
    await Promise.all(running);
    errors.sort((a, b) => a.index - b.index);
    return { results: results.filter((_, i) => !errors.some((e) => e.index === i)), errors };
  }

  /** Results aligned with `items`: a failure is `TasksRunner.failed`, an item not run (stopped) `TasksRunner.notRun`. */
  async processCorresponding(items, processor, options = {}) {
    if (!Array.isArray(items)) throw invalid('processCorresponding expects an array');
    const out = new Array(items.length).fill(NOT_RUN);
    await Promise.all(items.map((item, index) => this.enqueue(() => processor(item, index, this), options).then(
      (result) => { out[index] = result; },
      (error) => { out[index] = error instanceof PoolStoppedError ? NOT_RUN : FAILED; },
    )));
    return out;
  }

  getProgress() {
    const { total, completed, failed } = this.progress;
    return { total, completed, failed, pending: total - completed - failed, percentage: total ? Math.round(((completed + failed) / total) * 100) : 0 };
  }

  reset() {
    this.progress = { total: 0, completed: 0, failed: 0 };
    this.stats = { queueSize: this.queue.length, activeCount: this.active.size, processedCount: 0, errorCount: 0, retryCount: 0 };
    this.finished = [];
    this.taskMetrics.clear();
  }
}

module.exports = { TasksPool, TasksRunner, TaskTimeoutError, PoolStoppedError };
