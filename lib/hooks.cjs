'use strict';
// Hooks: resource hooks (`beforeInsert`…, run in order, awaited, `this` = the resource, a
// returned value replaces the data) and database hooks (`db.addHook('afterCreateResource', fn)`,
// whose failures are reported as `hookError` and do not stop the operation).

const { ResourceError, DatabaseError } = require('./errors.cjs');

const HOOK_NAMES = [
  'beforeInsert', 'afterInsert', 'beforeUpdate', 'afterUpdate', 'beforeDelete', 'afterDelete',
  'beforeGet', 'afterGet', 'beforeList', 'afterList', 'beforeQuery', 'afterQuery',
  'beforePatch', 'afterPatch', 'beforeReplace', 'afterReplace', 'beforeExists', 'afterExists',
  'beforeCount', 'afterCount', 'beforeGetMany', 'afterGetMany', 'beforeDeleteMany', 'afterDeleteMany',
];
// Hook names of old releases (`options.hooks`), mapped to their current equivalents.
const LEGACY_HOOKS = { preInsert: 'beforeInsert', preUpdate: 'beforeUpdate', preDelete: 'beforeDelete' };

function emptyHookTable() {
  return Object.fromEntries(HOOK_NAMES.map((name) => [name, []]));
}

/**
 * Adapts the old calling conventions: `preUpdate(id, data)` (when declared with two parameters)
 * and `preDelete(id)`, where returning `false` aborts the delete.
 */
function fromLegacy(name, fn) {
  if (name === 'preUpdate' && fn.length >= 2) {
    return function preUpdate(data) {
      return fn.call(this, data.id, data);
    };
  }
  if (name === 'preDelete') {
    return async function preDelete(record) {
      if ((await fn.call(this, record.id)) === false) {
        throw new ResourceError({ message: `Delete of '${record.id}' was aborted by a preDelete hook`, id: record.id });
      }
    };
  }
  return fn;
}

function addResourceHook(hooks, event, fn) {
  const name = LEGACY_HOOKS[event] || event;
  if (!hooks[name]) {
    throw new ResourceError({ message: `Invalid hook event '${event}'. Valid events: ${HOOK_NAMES.join(', ')}` });
  }
  if (typeof fn !== 'function') throw new ResourceError({ message: 'Hook must be a function' });
  hooks[name].push(LEGACY_HOOKS[event] ? fromLegacy(event, fn) : fn);
}

/** Runs the hooks of `name` in order on `value`; a hook returning `undefined` passes the value on. */
async function runHooks(resource, name, value) {
  let current = value;
  for (const hook of resource.hooks[name] || []) {
    const result = await hook.call(resource, current);
    if (result !== undefined) current = result;
  }
  return current;
}

const DATABASE_HOOK_NAMES = [
  'beforeConnect', 'afterConnect', 'beforeCreateResource', 'afterCreateResource',
  'beforeUploadMetadata', 'afterUploadMetadata', 'beforeDisconnect', 'afterDisconnect',
  'resourceCreated', 'resourceUpdated',
];

/** The hooks of one database. */
class DatabaseHooks {
  constructor(database) {
    this.database = database;
    this.byEvent = new Map();
  }

  add(event, fn) {
    if (!DATABASE_HOOK_NAMES.includes(event)) {
      throw new DatabaseError({ message: `Unknown hook event: ${event}. Available events: ${DATABASE_HOOK_NAMES.join(', ')}`, event });
    }
    if (typeof fn !== 'function') throw new DatabaseError({ message: 'Hook function must be a function', event });
    if (!this.byEvent.has(event)) this.byEvent.set(event, []);
    this.byEvent.get(event).push(fn);
  }

  remove(event, fn) {
    const hooks = this.byEvent.get(event);
    const index = hooks ? hooks.indexOf(fn) : -1;
    if (index >= 0) hooks.splice(index, 1);
  }

  list(event) {
    return [...(this.byEvent.get(event) || [])];
  }

  clear(event) {
    if (event === undefined) this.byEvent.clear();
    else this.byEvent.delete(event);
  }

  /** Runs the hooks of `event` with `{database, ...context}`; failures become `hookError` events. */
  async run(event, context = {}) {
    const hooks = this.byEvent.get(event);
    if (!hooks || hooks.length === 0) return;
    for (const hook of [...hooks]) {
      try {
        await hook({ database: this.database, ...context });
      } catch (error) {
        if (this.database.listenerCount('hookError') > 0) this.database.emit('hookError', { event, error, context });
      }
    }
  }
}

module.exports = {
  HOOK_NAMES, LEGACY_HOOKS, DATABASE_HOOK_NAMES, emptyHookTable, addResourceHook, runHooks, DatabaseHooks,
};
