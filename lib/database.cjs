'use strict';
// Database (exported as S3db and Database): connection, catalogue and resources.

const { EventEmitter } = require('node:events');
const { native, call, callSync, toJson } = require('./native.cjs');
const { ConnectionString } = require('./connection-string.cjs');
const { MemoryClient } = require('./memory-client.cjs');
const { FileSystemClient } = require('./filesystem-client.cjs');
const { S3Client } = require('./s3-client.cjs');
const { Resource } = require('./resource.cjs');
const { storeForClient, hasClientInterface } = require('./js-client.cjs');
const { HOOK_NAMES, LEGACY_HOOKS, DatabaseHooks } = require('./hooks.cjs');
const { PluginHost } = require('./plugins/host.cjs');
const { emitIfObserved } = require('./events.cjs');
const { executorPoolSettings, monitoringOptions, startMonitoring } = require('./executor-pool.cjs');
const { ConnectionStringError, ResourceNotFound, ResourceError, ValidationError } = require('./errors.cjs');

const S3DB_VERSION = '12.4.0';
const parse = (reply) => (typeof reply === 'string' ? JSON.parse(reply) : reply.then(JSON.parse));

/**
 * The connection string for the discrete options s3db.js accepts instead of one (`endpoint` gives
 * a path-style URL, access keys an s3:// one), or `undefined`.
 */
function connectionStringFromParts(options) {
  const { bucket = 's3db', region, accessKeyId, secretAccessKey, endpoint, forcePathStyle } = options;
  if (!endpoint && !accessKeyId) return undefined;
  const credentials = accessKeyId
    ? `${encodeURIComponent(accessKeyId)}:${encodeURIComponent(secretAccessKey || '')}@`
    : '';
  const query = new URLSearchParams();
  if (region) query.set('region', region);
  if (forcePathStyle !== undefined && endpoint) query.set('forcePathStyle', String(forcePathStyle));
  const search = query.size ? `?${query}` : '';
  if (endpoint) {
    const url = new URL(endpoint);
    return `${url.protocol}//${credentials}${url.host}/${encodeURIComponent(bucket)}${search}`;
  }
  return `s3://${credentials}${encodeURIComponent(bucket)}${search}`;
}

/** Picks the store: a client instance, or a connection string (memory://, file://, s3://, http(s)://). */
function resolveClient(options) {
  if (options.client) return { client: options.client };
  const text = options.connectionString || options.uri || connectionStringFromParts(options);
  if (!text) {
    throw new ConnectionStringError({
      message: 'No storage configured: pass connectionString (e.g. "s3://KEY:SECRET@bucket/prefix", '
        + '"http://KEY:SECRET@host:9000/bucket/prefix", "file://./data" or "memory://bucket/prefix") or client: new MemoryClient()',
    });
  }
  const parsed = new ConnectionString(text);
  if (parsed.protocol === 'memory') {
    const client = new MemoryClient({ bucket: parsed.bucket, keyPrefix: parsed.keyPrefix, sharedBucket: parsed.bucket });
    return { client, connectionString: parsed };
  }
  if (parsed.protocol === 'file') {
    const client = new FileSystemClient({ basePath: parsed.basePath, fsync: parsed.fsync === 'true' });
    return { client, connectionString: parsed };
  }
  if (parsed.protocol === 's3' || parsed.protocol === 'http' || parsed.protocol === 'https') {
    const client = new S3Client({ ...options, connectionString: parsed });
    return { client, connectionString: parsed };
  }
  throw new ConnectionStringError({
    message: `The ${parsed.protocol}:// backend is not available in this build of s3db-native; use s3://, http(s)://, file:// or memory://`,
  });
}

/** The options as given, with the secret-bearing ones readable but hidden from printing and JSON. */
function withSecretsHidden(options) {
  const copy = { ...options };
  for (const name of ['connectionString', 'uri', 'secretAccessKey', 'sessionToken']) {
    if (name in copy) Object.defineProperty(copy, name, { value: copy[name], enumerable: false, writable: true, configurable: true });
  }
  return copy;
}

/** A hook function as `persistHooks` stores it in s3db.json (s3db.js's form). */
function serialisedHook(fn) {
  return typeof fn === 'function' ? { __s3db_serialized_function: true, code: fn.toString(), name: fn.name || 'anonymous' } : null;
}

/**
 * The hook functions stored for a resource by `persistHooks`, rebuilt from their source text.
 * This runs code read from the bucket, which is why it is opt-in (as in s3db.js); a hook that
 * does not compile is left out with a warning.
 */
function restoredHooks(stored) {
  const hooks = {};
  for (const [event, entries] of Object.entries(stored || {})) {
    if (!Array.isArray(entries)) continue;
    hooks[event] = [];
    for (const entry of entries) {
      if (!entry || entry.__s3db_serialized_function !== true || typeof entry.code !== 'string') continue;
      try {
        const fn = new Function(`return (${entry.code});`)();
        if (typeof fn === 'function') hooks[event].push(fn);
      } catch (error) {
        process.emitWarning(`persistHooks: hook '${entry.name}' for '${event}' does not compile (${error.message}); left out`, { code: 'S3DB_HOOK' });
      }
    }
  }
  return hooks;
}

/** createResource's config, split into what Rust stores and what only JS can hold. */
function splitConfig(config, { persistHooks = false } = {}) {
  if (config === null || typeof config !== 'object') {
    throw new ResourceError({ message: 'createResource expects a configuration object' });
  }
  const legacy = config.options && typeof config.options === 'object' ? config.options : {};
  const hooks = config.hooks || legacy.hooks || {};
  // Checked before anything is stored, so a bad hook or listener leaves no catalogue entry behind.
  const problems = [];
  for (const name of Object.keys(hooks)) {
    if (!HOOK_NAMES.includes(LEGACY_HOOKS[name] || name)) {
      problems.push(`Invalid hook event '${name}'. Valid events: ${HOOK_NAMES.join(', ')}`);
    }
  }
  for (const [event, listeners] of Object.entries(config.events || {})) {
    if (![].concat(listeners).every((listener) => typeof listener === 'function')) {
      problems.push(`Resource 'events.${event}' must be a function or array of functions`);
    }
  }
  if (problems.length) {
    throw new ResourceError({
      message: `Invalid Resource ${config.name || '(unnamed)'} configuration:${problems.map((p) => `\n  • ${p}`).join('')}`,
      validation: problems,
    });
  }
  const serialisedHooks = Object.fromEntries(
    Object.entries(hooks).map(([name, fns]) => [name, [].concat(fns).map(persistHooks ? serialisedHook : () => null)]),
  );
  const { idGenerator, middlewares } = config;
  const stored = { ...config, hooks: serialisedHooks };
  delete stored.events;
  delete stored.middlewares;
  delete stored.client;
  delete stored.database;
  delete stored.observers;
  if (typeof idGenerator === 'function') stored.idGenerator = 'custom_function';
  if (stored.options) stored.options = { ...legacy, hooks: undefined };
  return { stored, js: { hooks, events: config.events, idGenerator, asyncEvents: config.asyncEvents, middlewares } };
}

/**
 * The secrets passphrase: `passphrase`, or s3db.js 21's `security: {passphrase}`. Two different
 * ones are refused rather than one silently winning (it decides how secrets are stored).
 */
/**
 * Options of s3db.js 12.4 and 21 that the package takes (used, or harmless to ignore: logging,
 * process managers, executor tuning), and the S3 client tunables. Anything else is reported, since
 * a misspelt option (`pasphrase`) could silently change what is stored.
 */
const KNOWN_OPTIONS = new Set([
  'connectionString', 'uri', 'client', 'bucket', 'region', 'accessKeyId', 'secretAccessKey', 'sessionToken', 'endpoint',
  'forcePathStyle', 'clientOptions', 'httpClientOptions', 'verbose', 'parallelism', 'passphrase', 'security',
  'versioningEnabled', 'persistHooks', 'strictValidation', 'strictHooks', 'cache', 'ttl', 'plugins', 'frozenClock',
  'disableResourceEvents', 'deferMetadataWrites', 'metadataWriteDelay', 'executorPool', 'taskExecutorMonitoring',
  'logLevel', 'loggerOptions', 'logger', 'processManager', 'cronManager', 'exitOnSignal', 'autoCleanup',
  'requestChecksumCalculation', 'checksumMode', 'requestTimeout', 'connectTimeout', 'maxAttempts', 'conditionalWrites',
]);
const KNOWN_SECURITY_OPTIONS = new Set(['passphrase', 'bcrypt', 'pepper']);

function reportUnknownOptions(options) {
  if (!options || typeof options !== 'object') return;
  const unknown = Object.keys(options).filter((name) => !KNOWN_OPTIONS.has(name));
  const security = options.security && typeof options.security === 'object' ? options.security : {};
  unknown.push(...Object.keys(security).filter((name) => !KNOWN_SECURITY_OPTIONS.has(name)).map((name) => `security.${name}`));
  for (const name of unknown) {
    process.emitWarning(`S3db option '${name.slice(0, 60)}' is not one s3db-native knows; it is ignored`, { code: 'S3DB_UNKNOWN_OPTION' });
  }
}

function passphraseOf({ passphrase, security }) {
  const nested = security && typeof security === 'object' ? security.passphrase : undefined;
  if (passphrase !== undefined && nested !== undefined && String(passphrase) !== String(nested)) {
    throw new ValidationError('passphrase and security.passphrase differ: give one of them', { operation: 'constructor' });
  }
  return passphrase || nested || 'secret';
}

let nextDatabaseId = 1;

class Database extends EventEmitter {
  constructor(options = {}) {
    super();
    reportUnknownOptions(options);
    this.id = `db-${nextDatabaseId++}`;
    this.version = '1';
    this.s3dbVersion = S3DB_VERSION;
    this.options = withSecretsHidden(options);
    this.verbose = Boolean(options.verbose);
    this.parallelism = executorPoolSettings(options).parallelism ?? (Number.parseInt(options.parallelism ?? 10, 10) || 10);
    this._poolMonitoring = monitoringOptions(options);
    this._stopPoolMonitoring = null;
    this.passphrase = passphraseOf(options);
    this.versioningEnabled = Boolean(options.versioningEnabled);
    this.persistHooks = Boolean(options.persistHooks);
    this.strictValidation = options.strictValidation !== false;
    this.cache = options.cache;
    this.pluginList = Array.isArray(options.plugins) ? [...options.plugins] : [];
    this.pluginRegistry = {};
    this.plugins = this.pluginRegistry;
    this._hooks = new DatabaseHooks(this);
    this._pluginHost = new PluginHost(this);
    for (const plugin of this.pluginList) this._pluginHost.register(plugin);
    this.savedMetadata = null;
    // No prototype: a resource may be called `constructor`, `toString` or `__proto__`.
    this.resources = Object.create(null);
    const { client, connectionString } = resolveClient(options);
    this.client = client;
    this.connectionString = connectionString ? connectionString.toString() : undefined;
    const ours = Boolean(client) && client.storage instanceof native.NativeStore;
    if (!ours && !hasClientInterface(client)) {
      throw new ConnectionStringError('client must have the s3db.js client interface (putObject, getObject, headObject, listObjects, deleteObject, deleteObjects)', { operation: 'constructor' });
    }
    this.bucket = client.bucket || (client.config && client.config.bucket) || 's3db';
    this.keyPrefix = client.keyPrefix ?? (client.config && client.config.keyPrefix) ?? '';
    // A foreign client applies its own key prefix; the engine then addresses keys below it.
    const storage = ours ? client.storage : storeForClient(client);
    this._native = callSync(() => new native.NativeDatabase(
      toJson({
        bucket: this.bucket,
        keyPrefix: ours ? this.keyPrefix : '',
        passphrase: String(this.passphrase), // a Buffer (README: fs.readFileSync) counts as its UTF-8 text
        parallelism: this.parallelism,
        versioningEnabled: this.versioningEnabled,
        strictValidation: this.strictValidation,
        frozenClock: options.frozenClock,
      }, 'options'),
      storage,
    ));
    this._connected = false;
  }

  get config() {
    return {
      version: this.version, s3dbVersion: this.s3dbVersion, bucket: this.bucket,
      keyPrefix: this.keyPrefix, parallelism: this.parallelism, verbose: this.verbose,
    };
  }

  isConnected() {
    return this._connected;
  }

  /** Loads the catalogue and its resources, then installs and starts the plugins. */
  async connect() {
    await this._hooks.run('beforeConnect', { method: 'connect', args: [] });
    const reply = await parse(call(() => this._native.connect()));
    this.savedMetadata = reply.savedMetadata;
    for (const description of reply.resources) {
      const existing = this.resources[description.name];
      const handle = this._native.resource(description.name);
      if (existing) {
        existing._native = handle; // a reconnect loads new engine resources
        existing._applyDescription(description);
      } else {
        const jsConfig = this.persistHooks ? { hooks: restoredHooks(this._storedHooks(description.name)) } : {};
        this._addResource(new Resource(this, handle, description, jsConfig));
      }
    }
    this._connected = true;
    if (!this._stopPoolMonitoring) {
      this._stopPoolMonitoring = startMonitoring(this.client, this._poolMonitoring, (error) => emitIfObserved(this, 'error', error));
    }
    await this.startPlugins();
    if (reply.healingLog.length) this.emit('metadataHealed', { healingLog: reply.healingLog, metadata: this.savedMetadata });
    this.emit('connected', new Date());
    await this._hooks.run('afterConnect', { method: 'connect', args: [] });
  }

  /** The hooks s3db.json holds for the current version of `name`. */
  _storedHooks(name) {
    const entry = this.savedMetadata && this.savedMetadata.resources && this.savedMetadata.resources[name];
    const version = entry && entry.versions && entry.versions[entry.currentVersion];
    return version && version.hooks;
  }

  _addResource(resource) {
    this.resources[resource.name] = resource;
    const client = this.client;
    if (client && client.autoPersist && typeof client._engineWrote === 'function') {
      resource._writeObservers.push(() => client._engineWrote());
    }
    this._pluginHost.resourceAdded(resource);
  }

  // ---- hooks and plugins

  /** Database hooks (`beforeConnect`, `afterCreateResource`, …): `fn({database, ...context})`. */
  addHook(event, fn) {
    this._hooks.add(event, fn);
  }

  removeHook(event, fn) {
    this._hooks.remove(event, fn);
  }

  getHooks(event) {
    return this._hooks.list(event);
  }

  clearHooks(event) {
    this._hooks.clear(event);
  }

  /** Installs every registered plugin not installed yet, then starts them. */
  async startPlugins() {
    await this._pluginHost.startAll();
  }

  /** Registers a plugin (instance or class); installs and starts it at once when connected. */
  async usePlugin(plugin, name = null) {
    const instance = this._pluginHost.register(plugin, name);
    this.pluginList.push(plugin);
    if (this._connected) {
      try {
        await this.startPlugins();
      } catch (error) {
        // A plugin that cannot install must not block the ones used after it.
        this._pluginHost.forget(instance);
        this.pluginList = this.pluginList.filter((entry) => entry !== plugin);
        throw error;
      }
    }
    return instance;
  }

  /** Stops and uninstalls a plugin; `purgeData` also deletes its storage. */
  async uninstallPlugin(name, { purgeData = false } = {}) {
    const plugin = await this._pluginHost.uninstall(name, { purgeData });
    this.pluginList = this.pluginList.filter((entry) => entry !== plugin && !(typeof entry === 'function' && plugin instanceof entry));
    this.emit('plugin.uninstalled', { name, plugin });
  }

  async createResource(config) {
    const { stored, js } = splitConfig(config, { persistHooks: this.persistHooks });
    if (!this._connected) await this.connect();
    await this._hooks.run('beforeCreateResource', { method: 'createResource', args: [config], config });
    const reply = await parse(call(() => this._native.createResource(toJson(stored, 'resource config'))));
    return this._installResource(reply, js, config);
  }

  /** The resource of a native create reply: the existing one reconfigured, or a new one. */
  async _installResource(reply, js, config) {
    const description = reply.resource;
    this.savedMetadata = reply.savedMetadata;
    let resource = this.resources[description.name];
    if (resource) {
      resource._native = this._native.resource(description.name);
      const oldVersion = resource.version;
      resource._applyDescription(description);
      resource._applyJsConfig(js);
      if (oldVersion !== resource.version) emitIfObserved(resource, 'versionUpdated', { oldVersion, newVersion: resource.version });
      this.emit('s3db.resourceUpdated', description.name);
      await this._hooks.run('resourceUpdated', { resource, config });
    } else {
      resource = new Resource(this, this._native.resource(description.name), description, js);
      this._addResource(resource);
      this.emit('s3db.resourceCreated', description.name);
      await this._hooks.run('resourceCreated', { resource, config });
    }
    await this._hooks.run('afterCreateResource', { method: 'createResource', args: [config], result: resource, config, resource });
    return resource;
  }

  /**
   * `{resource, created, reason}`: the loaded resource when its definition hash (attributes,
   * behavior, partitions) equals the config's, nothing written; otherwise createResource (which
   * adds a version when the definition changed).
   */
  async createResourceIfNotExists(config) {
    const { stored, js } = splitConfig(config, { persistHooks: this.persistHooks });
    if (!this._connected) await this.connect();
    const reply = await parse(call(() => this._native.createResourceIfNotExists(toJson(stored, 'resource config'))));
    const existing = this.resources[reply.resource.name];
    if (!reply.created && existing) {
      return { resource: existing, created: false, reason: 'Resource already exists with same definition hash' };
    }
    const resource = await this._installResource(reply, js, config);
    return { resource, created: true, reason: existing ? 'Resource updated with a new definition' : 'New resource created' };
  }

  /** `{exists, sameHash, hash, existingHash?}` for a definition against the loaded resource. */
  resourceExistsWithSameHash({ name, attributes, behavior = 'user-managed', partitions = {}, options = {} } = {}) {
    const config = { ...options, name, attributes, behavior, partitions };
    const check = JSON.parse(callSync(() => this._native.checkHash(toJson(config, 'resource config'))));
    return check.exists ? check : { exists: false, sameHash: false, hash: null };
  }

  /**
   * Rewrites s3db.json with every resource's current definition; a resource whose definition
   * changed (e.g. after removeOrphanedPartitions) gets a new version (`versionUpdated`).
   */
  async uploadMetadataFile() {
    const reply = await parse(call(() => this._native.uploadMetadata()));
    this.savedMetadata = reply.savedMetadata;
    for (const change of reply.changes) {
      const resource = this.resources[change.resource];
      if (!resource || !change.description) continue;
      resource._applyDescription(change.description);
      emitIfObserved(resource, 'versionUpdated', { oldVersion: change.oldVersion, newVersion: change.newVersion });
    }
    this.emit('metadataUploaded', this.savedMetadata);
    return this.savedMetadata;
  }

  resourceExists(name) {
    return Object.prototype.hasOwnProperty.call(this.resources, name);
  }

  /** The resource, or `undefined`. */
  resource(name) {
    return this.resources[name];
  }

  async getResource(name) {
    const resource = this.resources[name];
    if (!resource) {
      throw new ResourceNotFound({ bucket: String(this.bucket), resourceName: String(name), id: String(name) });
    }
    return resource;
  }

  async listResources() {
    return Object.keys(this.resources).map((name) => ({ name }));
  }

  /** Stops plugins, drops every listener (resources, plugins, client, database), forgets resources. */
  async disconnect() {
    try {
      if (this._stopPoolMonitoring) this._stopPoolMonitoring();
      this._stopPoolMonitoring = null;
      if (typeof this.client.flush === 'function') this.client.flush();
      await this._hooks.run('beforeDisconnect', { method: 'disconnect', args: [] });
      await this._pluginHost.stopAll();
      this._native.disconnect();
      for (const resource of Object.values(this.resources)) resource.removeAllListeners();
      this._pluginHost.releaseListeners();
      if (typeof this.client.removeAllListeners === 'function') this.client.removeAllListeners();
      this.removeAllListeners();
      this.resources = Object.create(null);
      this.savedMetadata = null;
      this._connected = false;
      this.emit('disconnected', new Date());
      await this._hooks.run('afterDisconnect', { method: 'disconnect', args: [] });
    } catch {
      // disconnect never throws, as in s3db.js
    }
  }
}

class S3db extends Database {}

module.exports = { Database, S3db, S3DB_VERSION, splitConfig };
