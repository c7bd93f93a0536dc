'use strict';
// The compiled engine (found by binding.cjs), and the one place native calls are made.

const { fromNative, ValidationError } = require('./errors.cjs');

const native = require('./binding.cjs').load();

/**
 * Calls that complete at once answer without a Promise, so a loop of awaited calls runs on
 * microtasks alone and would starve timers and I/O. Once this many have completed without the
 * event loop getting a turn, the next answer waits for a macrotask (`setImmediate`).
 */
const IMMEDIATE_BUDGET = 256;
let immediateRun = 0;

function immediate(reply) {
  if (immediateRun === 0) setImmediate(() => { immediateRun = 0; });
  immediateRun += 1;
  if (immediateRun < IMMEDIATE_BUDGET) return reply;
  immediateRun = 0;
  return new Promise((resolve) => setImmediate(resolve, reply));
}

/**
 * Runs a native call: its value as is, or its Promise, with errors rebuilt as s3db errors.
 * With `order` (one per resource), an answer never settles before those of calls made earlier
 * with the same `order`: a call that completed at once waits for an earlier one still running.
 */
function call(fn, order) {
  let reply;
  try {
    reply = fn();
  } catch (error) {
    reply = Promise.reject(fromNative(error));
  }
  if (typeof reply !== 'string') reply = reply.then(undefined, (error) => { throw fromNative(error); });
  if (!order) return typeof reply === 'string' ? immediate(reply) : reply;
  const earlier = order.tail;
  if (typeof reply === 'string' && !earlier) return immediate(reply);
  // A failure waiting behind an earlier call is handled: it reaches the caller through `result`.
  if (earlier && typeof reply !== 'string') reply.catch(noop);
  const result = earlier ? earlier.then(() => reply) : reply;
  const settled = result.then(noop, noop);
  order.tail = settled;
  settled.then(() => { if (order.tail === settled) order.tail = null; });
  return result;
}

function noop() {}

/** Runs a synchronous native call, errors rebuilt as s3db errors. */
function callSync(fn) {
  try {
    return fn();
  } catch (error) {
    throw fromNative(error);
  }
}

/** JSON text of a document argument; unserialisable input is a ValidationError. */
function toJson(value, what) {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new ValidationError({ message: `${what} cannot be serialised: ${error.message}` });
  }
}

module.exports = { native, call, callSync, toJson };
