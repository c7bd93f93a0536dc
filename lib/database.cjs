'use strict';
// Database (exported as S3db and Database): connection, catalogue and resources.

const { EventEmitter } = require('node:events');
const { native, call, toJson } = require('./native.cjs');
const { ConnectionString } = require('./connection-string.cjs');
const { MemoryClient } = require('./memory-client.cjs');
const { S3Client } = require('./s3-client.cjs');
const { Resource, HOOK_NAMES, LEGACY_HOOKS } = require('./resource.cjs');
const { ConnectionStringError, DatabaseError, ResourceNotFound, ResourceError } = require('./errors.cjs');

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

/** Picks the store: a client instance, or a connection string (memory://, s3://, http(s)://). */
function resolveClient(options) {
  if (options.client) return { client: options.client };
  const text = options.connectionString || options.uri || connectionStringFromParts(options);
  if (!text) {
    throw new ConnectionStringError({
      message: 'No storage configured: pass connectionString (e.g. "s3://KEY:SECRET@bucket/prefix", '
        + '"http://KEY:SECRET@host:9000/bucket/prefix" or "memory://bucket/prefix") or client: new MemoryClient()',
    });
  }
  const parsed = new ConnectionString(text);
  if (parsed.protocol === 'memory') {
    const client = new MemoryClient({ bucket: parsed.bucket, keyPrefix: parsed.keyPrefix, sharedBucket: parsed.bucket });
    return { client, connectionString: parsed };
  }
  if (parsed.protocol === 's3' || parsed.protocol === 'http' || parsed.protocol === 'https') {
    const client = new S3Client({ ...options, connectionString: parsed });
    return { client, connectionString: parsed };
  }
  throw new ConnectionStringError({
    message: `The ${parsed.protocol}:// backend is not available in this build of s3db-native; use s3://, http(s):// or memory://`,
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

/** createResource's config, split into what Rust stores and what only JS can hold. */
function splitConfig(config) {
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
    Object.entries(hooks).map(([name, fns]) => [name, [].concat(fns).map(() => null)]),
  );
  const idGenerator = config.idGenerator;
  const stored = { ...config, hooks: serialisedHooks };
  delete stored.events;
  delete stored.middlewares;
  delete stored.client;
  delete stored.database;
  if (typeof idGenerator === 'function') stored.idGenerator = 'custom_function';
  if (stored.options) stored.options = { ...legacy, hooks: undefined };
  return { stored, js: { hooks, events: config.events, idGenerator, asyncEvents: config.asyncEvents } };
}

let nextDatabaseId = 1;

class Database extends EventEmitter {
  constructor(options = {}) {
    super();
    this.id = `db-${nextDatabaseId++}`;
    this.version = '1';
    this.s3dbVersion = S3DB_VERSION;
    this.options = withSecretsHidden(options);
    this.verbose = Boolean(options.verbose);
    this.parallelism = Number.parseInt(options.parallelism ?? 10, 10) || 10;
    this.passphrase = options.passphrase || 'secret';
    this.versioningEnabled = Boolean(options.versioningEnabled);
    this.persistHooks = Boolean(options.persistHooks);
    this.strictValidation = options.strictValidation !== false;
    this.cache = options.cache;
    this.pluginList = [];
    this.pluginRegistry = {};
    this.plugins = this.pluginRegistry;
    this.savedMetadata = null;
    this.resources = {};
    const { client, connectionString } = resolveClient(options);
    this.client = client;
    this.connectionString = connectionString ? connectionString.toString() : undefined;
    this.bucket = client.bucket;
    this.keyPrefix = client.keyPrefix;
    this._native = new native.NativeDatabase(
      toJson({
        bucket: this.bucket,
        keyPrefix: this.keyPrefix,
        passphrase: String(this.passphrase), // a Buffer (README: fs.readFileSync) counts as its UTF-8 text
        parallelism: this.parallelism,
        frozenClock: options.frozenClock,
      }, 'options'),
      client instanceof S3Client ? undefined : client.storage,
      client instanceof S3Client ? client.storage : undefined,
    );
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

  async connect() {
    const reply = await parse(call(() => this._native.connect()));
    for (const description of reply.resources) {
      const existing = this.resources[description.name];
      if (existing) existing._applyDescription(description);
      else this.resources[description.name] = new Resource(this, this._native.resource(description.name), description);
    }
    this.savedMetadata = reply.savedMetadata;
    this._connected = true;
    if (reply.healingLog.length) this.emit('metadataHealed', { healingLog: reply.healingLog, metadata: this.savedMetadata });
    this.emit('connected', new Date());
  }

  async createResource(config) {
    const { stored, js } = splitConfig(config);
    if (!this._connected) await this.connect();
    const reply = await parse(call(() => this._native.createResource(toJson(stored, 'resource config'))));
    const description = reply.resource;
    this.savedMetadata = reply.savedMetadata;
    let resource = this.resources[description.name];
    if (resource) {
      resource._applyDescription(description);
      resource._applyJsConfig(js);
      this.emit('s3db.resourceUpdated', description.name);
    } else {
      resource = new Resource(this, this._native.resource(description.name), description, js);
      this.resources[description.name] = resource;
      this.emit('s3db.resourceCreated', description.name);
    }
    return resource;
  }

  /** Creates the resource unless one of that name exists already, which is returned as is. */
  async createResourceIfNotExists(config) {
    const existing = config && this.resources[config.name];
    if (existing) return existing;
    return this.createResource(config);
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
      throw new ResourceNotFound({
        message: `Resource not found: ${name} [bucket:${this.bucket}]`, bucket: this.bucket, resourceName: name,
      });
    }
    return resource;
  }

  async listResources() {
    return Object.keys(this.resources).map((name) => ({ name }));
  }

  async disconnect() {
    try {
      this._native.disconnect();
      for (const resource of Object.values(this.resources)) resource.removeAllListeners();
      this.removeAllListeners();
      this.resources = {};
      this.savedMetadata = null;
      this._connected = false;
      this.emit('disconnected', new Date());
    } catch {
      // disconnect never throws, as in s3db.js
    }
  }
}

class S3db extends Database {}

module.exports = { Database, S3db, S3DB_VERSION };
