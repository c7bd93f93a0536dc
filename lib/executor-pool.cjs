'use strict';
// `executorPool` (s3db.js 13+): how many S3 requests a database runs at once, how they are
// retried, how concurrency tunes itself, and how the pool is observed. The requests are
// scheduled in Rust (crates/s3db-core/src/storage/scheduler.rs); this module turns the options
// into the native store's settings and runs the monitoring exporter, which is user code.

const { ValidationError } = require('./errors.cjs');

const DEFAULT_CONCURRENCY = 100;
const MAX_CONCURRENCY = 1000;
const AUTO_DEFAULTS = { minConcurrency: 10, maxConcurrency: 500, targetLatency: 250, adjustmentInterval: 5000 };

function invalid(message) {
  return new ValidationError({ message: `executorPool: ${message}` });
}

function wholeNumber(value, name, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  return value;
}

/**
 * The native S3 settings an `executorPool` asks for (`parallelism`, `maxAttempts`,
 * `retryDelay`, `requestTimeout`, `autoTuning`), or `{}` when there is none.
 */
function executorPoolSettings(options = {}) {
  const pool = options.executorPool;
  if (pool === undefined || pool === null || pool === false) return {};
  if (typeof pool !== 'object' || Array.isArray(pool)) throw invalid('must be an object');
  const auto = pool.concurrency === 'auto';
  const settings = {
    parallelism: auto ? undefined : wholeNumber(pool.concurrency, 'concurrency', { min: 1, max: MAX_CONCURRENCY }) ?? DEFAULT_CONCURRENCY,
  };
  const retries = wholeNumber(pool.retries, 'retries', { max: 19 });
  if (retries !== undefined) settings.maxAttempts = retries + 1;
  settings.retryDelay = wholeNumber(pool.retryDelay, 'retryDelay');
  settings.requestTimeout = wholeNumber(pool.timeout, 'timeout', { min: 1 });
  const tuning = pool.autoTuning ?? pool.autotune;
  if (auto || (tuning && tuning.enabled !== false)) {
    const given = tuning && typeof tuning === 'object' ? tuning : {};
    const autoTuning = {};
    for (const [name, fallback] of Object.entries(AUTO_DEFAULTS)) {
      const limits = name.endsWith('Concurrency') ? { min: 1, max: MAX_CONCURRENCY } : { min: 1 };
      autoTuning[name] = wholeNumber(given[name], `autoTuning.${name}`, limits) ?? fallback;
    }
    if (autoTuning.minConcurrency > autoTuning.maxConcurrency) {
      throw invalid(`autoTuning.minConcurrency (${autoTuning.minConcurrency}) is above maxConcurrency (${autoTuning.maxConcurrency})`);
    }
    settings.autoTuning = autoTuning;
    settings.parallelism ??= Math.min(Math.max(DEFAULT_CONCURRENCY, autoTuning.minConcurrency), autoTuning.maxConcurrency);
  }
  for (const name of Object.keys(settings)) if (settings[name] === undefined) delete settings[name];
  return settings;
}

/** `executorPool.monitoring` merged with `taskExecutorMonitoring`, or `null` when disabled. */
function monitoringOptions(options = {}) {
  const pool = options.executorPool && typeof options.executorPool === 'object' ? options.executorPool : {};
  const monitoring = { ...(pool.monitoring || {}), ...(options.taskExecutorMonitoring || {}) };
  if (!monitoring.enabled) return null;
  if (monitoring.exporter !== undefined && typeof monitoring.exporter !== 'function') throw invalid('monitoring.exporter must be a function');
  return { ...monitoring, reportInterval: wholeNumber(monitoring.reportInterval, 'monitoring.reportInterval', { min: 10 }) ?? 1000 };
}

/** What the exporter receives: the client's queue counts and recent request latencies. */
function poolSnapshot(client) {
  return { timestamp: Date.now(), ...client.getQueueStats(), metrics: client.getAggregateMetrics() };
}

/**
 * Calls `monitoring.exporter(snapshot)` every `reportInterval` ms until stopped; the timer never
 * keeps the process alive. Returns the stop function, or `null` when there is nothing to run.
 */
function startMonitoring(client, monitoring, onError) {
  if (!monitoring || typeof monitoring.exporter !== 'function' || typeof client.getQueueStats !== 'function') return null;
  const timer = setInterval(() => {
    try {
      monitoring.exporter(poolSnapshot(client));
    } catch (error) {
      onError(error);
    }
  }, monitoring.reportInterval);
  timer.unref();
  return () => clearInterval(timer);
}

module.exports = { executorPoolSettings, monitoringOptions, startMonitoring };
