'use strict';
// The database side of plugins: registration (`plugins: [...]`, `usePlugin`), install then
// start, stop on disconnect, uninstall; and the resource registry plugins hook into, so a plugin
// reaches every resource, whether it existed at install time or came later.

const { DatabaseError } = require('../errors.cjs');

/** Registry name: the class name without `Plugin`, lower-cased (`CachePlugin` → `cache`). */
function registryName(plugin) {
  const className = plugin.constructor && plugin.constructor !== Object ? plugin.constructor.name : '';
  if (className) return className.replace('Plugin', '').toLowerCase();
  return typeof plugin.name === 'string' && plugin.name ? plugin.name.toLowerCase() : 'object';
}

async function installPlugin(plugin, database) {
  if (typeof plugin.install === 'function') await plugin.install(database);
  else if (typeof plugin.setup === 'function') await plugin.setup(database);
  else plugin.database = database;
}

class PluginHost {
  constructor(database) {
    this.database = database;
    /** `{plugin, name, installed, started}` in registration order. */
    this.entries = [];
    this.resourceCallbacks = [];
  }

  /** Registers a plugin instance, or a plugin class (instantiated with the database, as s3db.js does). */
  register(pluginOrClass, name) {
    const plugin = typeof pluginOrClass === 'function' ? new pluginOrClass(this.database) : pluginOrClass;
    if (!plugin || typeof plugin !== 'object') throw new DatabaseError({ message: 'A plugin must be an object or a class' });
    const key = name || registryName(plugin);
    this.entries.push({ plugin, name: key, installed: false, started: false });
    this.database.pluginRegistry[key] = plugin;
    return plugin;
  }

  /** Drops a plugin that was registered but could not be installed. */
  forget(plugin) {
    const entry = this.entries.find((e) => e.plugin === plugin);
    if (!entry) return;
    this.entries = this.entries.filter((e) => e !== entry);
    if (this.database.pluginRegistry[entry.name] === plugin) delete this.database.pluginRegistry[entry.name];
  }

  /** Installs every plugin not installed yet, then starts every stopped one. */
  async startAll() {
    for (const entry of this.entries) {
      if (entry.installed) continue;
      await installPlugin(entry.plugin, this.database);
      entry.installed = true;
    }
    for (const entry of this.entries) {
      if (entry.started) continue;
      if (typeof entry.plugin.start === 'function') await entry.plugin.start();
      entry.started = true;
    }
  }

  async stopAll() {
    for (const entry of this.entries) {
      if (!entry.started) continue;
      entry.started = false;
      if (typeof entry.plugin.stop === 'function') await entry.plugin.stop();
    }
  }

  /** Removes the listeners plugins hold (as s3db.js does on disconnect). */
  releaseListeners() {
    for (const { plugin } of this.entries) if (typeof plugin.removeAllListeners === 'function') plugin.removeAllListeners();
  }

  async uninstall(name, options = {}) {
    const index = this.entries.findIndex((entry) => entry.name === name);
    if (index < 0) throw new DatabaseError({ message: `Plugin '${name}' not found`, pluginName: name });
    const [entry] = this.entries.splice(index, 1);
    if (entry.started && typeof entry.plugin.stop === 'function') await entry.plugin.stop();
    if (typeof entry.plugin.uninstall === 'function') await entry.plugin.uninstall(options);
    delete this.database.pluginRegistry[name];
    return entry.plugin;
  }

  /** Calls `callback(resource)` for every resource of the database, now and when one is added. */
  forEachResource(callback) {
    this.resourceCallbacks.push(callback);
    for (const resource of Object.values(this.database.resources)) callback(resource);
  }

  /** The database added a resource. */
  resourceAdded(resource) {
    for (const callback of this.resourceCallbacks) callback(resource);
  }
}

module.exports = { PluginHost, registryName };
