'use strict';
// Resource events as s3db.js delivers them. With `asyncEvents` (the default) `emit` returns at
// once and the listeners run on a later turn (setImmediate), one after the other, each awaited;
// a listener that throws or rejects is reported as an `error` event instead of breaking the
// operation. With `asyncEvents: false` events are plain synchronous EventEmitter events.

const { EventEmitter } = require('node:events');

/** Names of later s3db.js releases, emitted next to the 12.4 names (plus `<name>:<id>` for records). */
const LATER_NAMES = {
  insert: 'inserted',
  update: 'updated',
  delete: 'deleted',
  get: 'fetched',
  count: 'counted',
  list: 'listed',
  listIds: 'listed-ids',
  getMany: 'fetched-many',
  insertMany: 'inserted-many',
  deleteMany: 'deleted-many',
  deleteAll: 'deleted-all',
  deleteAllData: 'deleted-all-data',
  page: 'paginated',
};

async function deliver(emitter, event, listeners, args) {
  for (const listener of listeners) {
    try {
      const outcome = listener.apply(emitter, args);
      if (outcome && typeof outcome.then === 'function') await outcome;
    } catch (error) {
      // A failing `error` listener has nobody left to report to (s3db.js drops it too).
      if (event !== 'error') emitter.emit('error', error);
    }
  }
}

class AsyncEventEmitter extends EventEmitter {
  constructor() {
    super();
    this._asyncEvents = true;
  }

  setAsyncMode(enabled) {
    this._asyncEvents = enabled !== false;
  }

  emit(event, ...args) {
    if (!this._asyncEvents) return super.emit(event, ...args);
    // rawListeners keeps `once` wrappers, so a once-listener still removes itself.
    const listeners = this.rawListeners(event);
    if (listeners.length === 0) return false;
    setImmediate(deliver, this, event, listeners, args);
    return true;
  }

  /** Synchronous delivery regardless of the mode. */
  emitSync(event, ...args) {
    return super.emit(event, ...args);
  }
}

/** False only when the emitter has no listener at all (the common case, checked first). */
const hasAnyListener = (emitter) => emitter._eventsCount !== 0;

/** True when an operation event would reach someone (checked before building its payload). */
function isObserved(emitter, name, id) {
  if (!hasAnyListener(emitter)) return false;
  if (emitter.listenerCount(name) > 0) return true;
  const later = LATER_NAMES[name];
  if (later === undefined) return false;
  return emitter.listenerCount(later) > 0 || (id !== undefined && emitter.listenerCount(`${later}:${id}`) > 0);
}

/** Emits an operation event under its 12.4 name, its later name and `<later name>:<id>`. */
function emitOperation(emitter, name, payload, id) {
  if (!hasAnyListener(emitter)) return;
  if (emitter.listenerCount(name) > 0) emitter.emit(name, payload);
  const later = LATER_NAMES[name];
  if (later === undefined) return;
  if (emitter.listenerCount(later) > 0) emitter.emit(later, payload);
  if (id !== undefined) {
    const perRecord = `${later}:${id}`;
    if (emitter.listenerCount(perRecord) > 0) emitter.emit(perRecord, payload);
  }
}

/** Emits only when someone listens, so unobserved events cost a property lookup. */
function emitIfObserved(emitter, event, ...args) {
  if (hasAnyListener(emitter) && emitter.listenerCount(event) > 0) emitter.emit(event, ...args);
}

module.exports = { AsyncEventEmitter, LATER_NAMES, isObserved, emitOperation, emitIfObserved };
