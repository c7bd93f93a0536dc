// Small helpers shared by the test files (not a test file itself).
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { S3db } from '../lib/index.mjs';

let counter = 0;

/** The storage this run of the suite targets: `memory`, `moto` or `garage` (see vitest.config.mjs). */
export const TARGET = process.env.S3DB_TEST_TARGET || 'memory';
/** True when the suite runs against a real S3-compatible server. */
export const ON_S3 = TARGET !== 'memory';

/**
 * A connection string to a database no other test uses: a fresh memory:// bucket, or a fresh key
 * prefix in the S3 test bucket when the suite runs against a server.
 */
export function uniqueUrl(label = 'bucket', prefix = '') {
  if (!ON_S3) return uniqueMemoryUrl(label, prefix);
  counter += 1;
  const url = new URL(inject('s3Url'));
  const unique = `${label}-${process.pid}-${Date.now().toString(36)}-${counter}`;
  url.pathname = [url.pathname.replace(/\/+$/, ''), unique, prefix].filter(Boolean).join('/');
  return url.toString();
}

/** The S3 server's origin (`http://127.0.0.1:port`) when the suite runs against one. */
export function s3Endpoint() {
  return ON_S3 ? inject('s3Endpoint') : undefined;
}

/** A memory:// connection string on a bucket no other test uses. */
export function uniqueMemoryUrl(label = 'bucket', prefix = '') {
  counter += 1;
  const bucket = `${label}-${process.pid}-${Date.now().toString(36)}-${counter}`;
  return `memory://${bucket}${prefix ? `/${prefix}` : ''}`;
}

/** Every key the database's client stores, relative to its key prefix, sorted (any client). */
export async function storedKeys(db) {
  return (await db.client.getAllKeys({})).sort();
}

/** A resource name no other test in this process uses. */
export function uniqueName(label = 'res') {
  counter += 1;
  return `${label}${counter}`;
}

/** The error a call or promise rejects/throws with; fails the test when it succeeds instead. */
export async function caught(fnOrPromise) {
  try {
    const value = await (typeof fnOrPromise === 'function' ? fnOrPromise() : fnOrPromise);
    throw Object.assign(new Error(`expected an error, but the call succeeded with ${safeJson(value)}`), { __noError: true });
  } catch (error) {
    if (error && error.__noError) throw error;
    return error;
  }
}

/** Same as `caught` for synchronous calls. */
export function caughtSync(fn) {
  try {
    const value = fn();
    throw Object.assign(new Error(`expected an error, but the call succeeded with ${safeJson(value)}`), { __noError: true });
  } catch (error) {
    if (error && error.__noError) throw error;
    return error;
  }
}

function safeJson(value) {
  try {
    return JSON.stringify(value)?.slice(0, 200);
  } catch {
    return String(value);
  }
}

/** Resolves with the arguments of the next `event` on `emitter`; rejects after `ms`. */
export function nextEvent(emitter, event, ms = 3000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`event '${event}' was not emitted within ${ms} ms`));
    }, ms);
    function listener(...args) {
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    }
    emitter.on(event, listener);
  });
}

/** The record without the read decorations (`_contentLength`, `_v`, …). */
export function userFields(record) {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !key.startsWith('_')));
}

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const URL_ALPHABET_ID = (size) => new RegExp(`^[A-Za-z0-9_-]{${size}}$`);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `beforeAll` whose failure fails every test of the block (instead of vitest skipping them),
 * so a broken setup shows up test by test.
 */
export function guardedSetup(fn) {
  let failure = null;
  beforeAll(async () => {
    try {
      await fn();
    } catch (error) {
      failure = error;
    }
  });
  beforeEach(() => {
    if (failure) throw failure;
  });
}

/**
 * A database on a fresh location (`uniqueUrl(label)`), connected before the tests of the
 * enclosing describe block (then `prepare(db)` runs) and disconnected after them. Its fields
 * are read through the returned handle: `handle.db`, plus whatever `prepare` returns.
 */
export function sharedDatabase(label, prepare = async () => ({})) {
  const handle = {};
  guardedSetup(async () => {
    handle.db = new S3db({ connectionString: uniqueUrl(label) });
    await handle.db.connect();
    Object.assign(handle, await prepare(handle.db));
  });
  afterAll(async () => { await handle.db?.disconnect(); });
  return handle;
}

/** Resolves to `check()`'s first truthy answer (a throw counts as not yet), polling until `timeout` ms. */
export async function eventually(check, { timeout = 8000, interval = 20 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeout} ms (last: ${last})`);
    await sleep(interval);
  }
}

/**
 * `open(url)` connects a database that the file's `afterEach` disconnects: call once at the top
 * of a test file.
 */
export function databasesClosedAfterEach() {
  const opened = [];
  afterEach(async () => {
    while (opened.length) await opened.pop().disconnect().catch(() => {});
  });
  return async function open(url) {
    const db = new S3db({ connectionString: url });
    await db.connect();
    opened.push(db);
    return db;
  };
}
