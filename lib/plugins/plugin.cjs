'use strict';
// The Plugin base class: install/start/stop/uninstall lifecycle with `plugin.before*`/`after*`
// events, plugin-scoped storage, and helpers to hook into resources.

const { EventEmitter } = require('node:events');
const { PluginError } = require('../errors.cjs');
const { wrapAfter, addPluginMiddleware, wrapAround } = require('../middleware.cjs');
const { PluginStorage } = require('./storage.cjs');

/** `EventualConsistencyPlugin` → `eventual-consistency`. */
function slugOf(className) {
  return className.replace(/Plugin$/, '').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase() || 'plugin';
}

class Plugin extends EventEmitter {
  constructor(options = {}) {
    super();
    this.name = this.constructor.name;
    this.options = options;
    this.hooks = new Map();
    this.slug = options && typeof options.slug === 'string' ? options.slug : slugOf(this.name);
    this.database = null;
    this._storage = null;
  }

  /**
   * Called by the database. Subclasses override `onInstall`; plugins written against the
   * typings (`setup(database)`) or the README (`initialize(database)`) are honoured too.
   */
  async install(database) {
    this.database = database;
    this.beforeInstall();
    await this.onInstall();
    if (this.setup !== Plugin.prototype.setup) await this.setup(database);
    if (typeof this.initialize === 'function') await this.initialize(database);
    this.afterInstall();
  }

  /** Typings' name for install; on the base class it only records the database. */
  async setup(database) {
    this.database = database;
  }

  async start() {
    this.beforeStart();
    await this.onStart();
    this.afterStart();
  }

  async stop() {
    this.beforeStop();
    await this.onStop();
    this.afterStop();
  }

  async uninstall({ purgeData = false } = {}) {
    this.beforeUninstall();
    await this.onUninstall({ purgeData });
    if (purgeData) {
      const deleted = await this.getStorage().deleteAll();
      this.emit('plugin.dataPurged', { deleted });
    }
    this.afterUninstall();
  }

  async onInstall() {}

  async onStart() {}

  async onStop() {}

  async onUninstall() {}

  /** Storage under `plugin=<slug>/…` and `resource=<name>/plugin=<slug>/…`. */
  getStorage() {
    if (!this.database) {
      throw new PluginError({
        message: 'Plugin storage unavailable until plugin is installed', pluginName: this.name, operation: 'getStorage',
      });
    }
    if (!this._storage) this._storage = new PluginStorage(this.database, this.slug);
    return this._storage;
  }

  /** Adds `handler` as a hook of `resource` and remembers it (removeHook takes it off again). */
  addHook(resource, event, handler) {
    resource.addHook(event, handler);
    if (!this.hooks.has(resource)) this.hooks.set(resource, new Map());
    const byEvent = this.hooks.get(resource);
    if (!byEvent.has(event)) byEvent.set(event, []);
    byEvent.get(event).push(handler);
  }

  removeHook(resource, event, handler) {
    const handlers = this.hooks.get(resource)?.get(event);
    const index = handlers ? handlers.indexOf(handler) : -1;
    if (index < 0) return;
    handlers.splice(index, 1);
    const installed = resource.hooks[event];
    const at = installed ? installed.indexOf(handler) : -1;
    if (at >= 0) installed.splice(at, 1);
  }

  /** `wrapper.call(resource, result, args, method)` runs after each call and may replace the result. */
  wrapResourceMethod(resource, method, wrapper) {
    wrapAfter(resource, method, wrapper, this.name);
  }

  /** `middleware.call(resource, next, ...args)`; calling `next(...args)` continues the call. */
  addMiddleware(resource, method, middleware) {
    addPluginMiddleware(resource, method, middleware, this.name);
  }

  /**
   * The seed README's form: `wrapper(original, target, args)` around `method` of every resource
   * (`'Resource'`, now and later) or of the database (`'Database'`).
   */
  wrapMethod(className, method, wrapper) {
    if (!this.database) throw new PluginError({ message: 'wrapMethod needs an installed plugin', pluginName: this.name });
    if (className === 'Database') {
      wrapAround(this.database, method, wrapper, this.name);
      return;
    }
    if (className !== 'Resource') {
      throw new PluginError({ message: `wrapMethod: unknown class '${className}' (use 'Resource' or 'Database')`, pluginName: this.name });
    }
    this.database._pluginHost.forEachResource((resource) => wrapAround(resource, method, wrapper, this.name));
  }

  /** Partition values of `data` for each partition of `resource`. */
  getPartitionValues(data, resource) {
    const values = {};
    for (const [partition, definition] of Object.entries(resource.config?.partitions || {})) {
      values[partition] = {};
      for (const [field, rule] of Object.entries(definition.fields || {})) {
        const value = this.getNestedFieldValue(data, field);
        if (value === null || value === undefined) continue;
        values[partition][field] = typeof resource.applyPartitionRule === 'function' ? resource.applyPartitionRule(value, rule) : value;
      }
    }
    return values;
  }

  getNestedFieldValue(data, path) {
    let value = data;
    for (const key of path.split('.')) {
      if (value === null || typeof value !== 'object' || !(key in value)) return null;
      value = value[key];
    }
    return value ?? null;
  }

  beforeInstall() { this.emit('plugin.beforeInstall', new Date()); }

  afterInstall() { this.emit('plugin.afterInstall', new Date()); }

  beforeStart() { this.emit('plugin.beforeStart', new Date()); }

  afterStart() { this.emit('plugin.afterStart', new Date()); }

  beforeStop() { this.emit('plugin.beforeStop', new Date()); }

  afterStop() { this.emit('plugin.afterStop', new Date()); }

  beforeUninstall() { this.emit('plugin.beforeUninstall', new Date()); }

  afterUninstall() { this.emit('plugin.afterUninstall', new Date()); }
}

/** The plain-object plugin shape (`{setup, start, stop}`) of old releases. */
const PluginObject = {
  setup() {},
  start() {},
  stop() {},
};

module.exports = { Plugin, PluginObject, slugOf };
