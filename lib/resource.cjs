'use strict';
// Resource: the s3db.js API of one table. Each operation is one native call; hooks, events,
// middlewares and argument checks that are naturally JavaScript live here (lib/hooks.cjs,
// lib/events.cjs, lib/middleware.cjs, lib/streams.cjs).

const { call, callSync, toJson } = require('./native.cjs');
const { ValidationError, ResourceError, NoSuchKey, PartitionError, InvalidResourceItem, PluginError, fromPayload } = require('./errors.cjs');
const { emptyHookTable, addResourceHook, runHooks } = require('./hooks.cjs');
const { AsyncEventEmitter, isObserved, emitOperation, emitIfObserved } = require('./events.cjs');
const { MIDDLEWARE_METHODS, useMiddleware, isWrapped } = require('./middleware.cjs');
const { ResourceReader, ResourceWriter } = require('./streams.cjs');
const { Schema } = require('./schema.cjs');

/** A native call of `resource`, answered in the order calls were made on it. */
const callInOrder = (resource, fn) => call(fn, resource._order);

const parse = (reply) => (typeof reply === 'string' ? JSON.parse(reply) : reply.then(JSON.parse));
/** A hook's replacement for a context object, or the context when it returned something else. */
const contextFrom = (value, context) => (value !== null && typeof value === 'object' ? value : context);

function checkId(id) {
  if (id !== null && typeof id === 'object') throw new ValidationError({ message: 'id cannot be an object' });
  if (id === undefined || id === null || id === '') throw new ValidationError({ message: 'id cannot be empty' });
  return String(id);
}

/** An `ifMatch` option: an ETag string, or nothing. */
function checkIfMatch(ifMatch) {
  if (ifMatch === undefined || ifMatch === null) return undefined;
  if (typeof ifMatch !== 'string' || ifMatch === '') throw new ValidationError({ message: `ifMatch must be an ETag string, got ${typeof ifMatch}` });
  return ifMatch;
}

function checkDocument(data, operation) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const kind = data === null ? 'null' : Array.isArray(data) ? 'array' : typeof data;
    throw new ValidationError({ message: `${operation} expects an object, got ${kind}` });
  }
  return data;
}

const isNonEmptyObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0;

function listOptions(options = {}) {
  if (options === null || typeof options !== 'object') return '{}';
  const { partition, partitionValues, limit, offset, size, skipCount } = options;
  return toJson({ partition, partitionValues, limit, offset, size, skipCount }, 'options');
}

/** The parts of a standalone resource (`new Resource(config)`). */
function detachedParts(config) {
  if (config === null || typeof config !== 'object') throw new ResourceError('Resource expects a configuration object', { operation: 'constructor' });
  // Required here: database.cjs requires this module.
  const { Database, splitConfig } = require('./database.cjs');
  const database = config.database
    || new Database({ client: config.client, passphrase: config.passphrase, parallelism: config.parallelism });
  const { stored, js } = splitConfig(config);
  const handle = callSync(() => database._native.detachedResource(toJson(stored, 'resource config')));
  return { database, handle, description: JSON.parse(handle.describe()), jsConfig: js };
}

class Resource extends AsyncEventEmitter {
  /**
   * Built by the database from the native handle and the resource description; or, as in
   * s3db.js, `new Resource({name, client | database, attributes, ...})`: a resource that reads
   * and writes records but is not added to the database nor to `s3db.json`.
   */
  constructor(database, handle, description, jsConfig = {}) {
    super();
    if (handle === undefined) ({ database, handle, description, jsConfig } = detachedParts(database));
    this.database = database;
    this.client = database.client;
    this.observers = [database];
    this._native = handle;
    this.hooks = emptyHookTable();
    // Called after every successful write (plugins: cache invalidation); empty costs nothing.
    this._writeObservers = [];
    this._order = { tail: null };
    this._applyDescription(description);
    this._applyJsConfig(jsConfig);
  }

  _applyDescription(description) {
    this.name = description.name;
    this.version = description.version;
    this.attributes = description.attributes;
    this.behavior = description.behavior;
    this.idSize = description.idSize;
    this.passphrase = description.passphrase ?? this.database.passphrase;
    this.parallelism = this.database.parallelism;
    this.versioningEnabled = description.versioningEnabled;
    this.strictValidation = description.strictValidation;
    this.map = description.map;
    this.schema = new Schema({
      name: description.name,
      attributes: description.attributes,
      passphrase: this.passphrase,
      version: description.version,
      map: description.map,
      pluginMap: description.pluginMap,
      pluginAttributes: Object.fromEntries(Object.entries(this._pluginAttributes || {}).map(([attribute, { definition }]) => [attribute, definition])),
      options: { autoDecrypt: description.autoDecrypt, allNestedObjectsOptional: description.allNestedObjectsOptional },
    });
    this.config = {
      cache: description.cache,
      hooks: this.hooks,
      paranoid: description.paranoid,
      timestamps: description.timestamps,
      partitions: description.partitions,
      autoDecrypt: description.autoDecrypt,
      allNestedObjectsOptional: description.allNestedObjectsOptional,
      asyncEvents: description.asyncEvents,
      asyncPartitions: description.asyncPartitions,
      strictValidation: description.strictValidation,
      createdBy: description.createdBy || 'user',
    };
    this._definitionHash = description.definitionHash;
    this.setAsyncMode(this.config.asyncEvents !== false);
  }

  /** Hooks, events, middlewares and an ID function from createResource (the parts Rust never sees). */
  _applyJsConfig({ hooks, events, idGenerator, asyncEvents, middlewares }) {
    for (const [name, fns] of Object.entries(hooks || {})) {
      for (const fn of [].concat(fns)) if (typeof fn === 'function') this.addHook(name, fn);
    }
    for (const [event, listeners] of Object.entries(events || {})) {
      for (const listener of [].concat(listeners)) {
        if (typeof listener !== 'function') {
          throw new ResourceError({ message: `Resource 'events.${event}' must be a function or array of functions` });
        }
        this.on(event, listener.bind(this));
      }
    }
    if (typeof idGenerator === 'function') this.idGenerator = idGenerator;
    this.idGeneratorType = typeof idGenerator === 'function' ? 'custom_function' : this.idSize;
    if (asyncEvents !== undefined) {
      this.config.asyncEvents = asyncEvents !== false;
      this.setAsyncMode(this.config.asyncEvents);
    }
    this._applyMiddlewares(middlewares);
  }

  /** `middlewares: [fn]` (every method) or `{method | '*': fn | fn[]}`. */
  _applyMiddlewares(middlewares) {
    if (!middlewares) return;
    const everyMethod = MIDDLEWARE_METHODS.filter((method) => typeof this[method] === 'function');
    const byMethod = Array.isArray(middlewares) ? { '*': middlewares } : middlewares;
    for (const [method, fns] of Object.entries(byMethod)) {
      for (const fn of [].concat(fns)) {
        for (const target of method === '*' ? everyMethod : [method]) this.useMiddleware(target, fn);
      }
    }
  }

  addHook(event, fn) {
    addResourceHook(this.hooks, event, fn);
  }

  async executeHooks(name, value) {
    return runHooks(this, name, value);
  }

  /** Wraps `method` with `fn(ctx = {resource, args, method}, next)`. */
  useMiddleware(method, fn) {
    useMiddleware(this, method, fn);
  }

  /** Tells the write observers (plugins) that records changed. */
  async _notifyWrite(method, ids) {
    for (const observer of this._writeObservers) await observer({ resource: this, method, ids });
  }

  /** A failed item of a bulk call: `error` here and on the database (s3db.js observers). */
  _reportError(error, content) {
    emitIfObserved(this, 'error', error, content);
    emitIfObserved(this.database, 'error', this.name, error, content);
  }

  /**
   * Partition references the engine could not write for a record that was written: reported
   * like s3db.js does (`partitionIndexError`); `repairPartitions()` rebuilds them.
   */
  _partitionErrors(operation, id, payloads) {
    for (const payload of payloads || []) {
      const error = fromPayload(payload);
      emitIfObserved(this, 'partitionIndexError', { operation, id, error, message: error.message });
    }
  }

  getResourceKey(id) {
    return `resource=${this.name}/data/id=${id}`;
  }

  /**
   * Validates `data` against the schema without writing: `{isValid, valid, errors, data, original}`.
   * The id is left out unless `includeId`; `throwOnError` throws instead of returning errors.
   */
  async validate(data, { throwOnError = false, includeId = false, mutateOriginal = false } = {}) {
    const original = structuredClone(data);
    const candidate = mutateOriginal ? data : structuredClone(data);
    if (!includeId && candidate && candidate.id !== undefined) delete candidate.id;
    const result = { original, isValid: false, valid: false, errors: [], data: candidate };
    let check;
    try {
      check = await this.schema.validate(candidate, { mutateOriginal: true });
    } catch (error) {
      if (throwOnError) throw error;
      result.errors = [{ message: error.message, error }];
      return result;
    }
    if (check === true) {
      result.isValid = result.valid = true;
      return result;
    }
    result.errors = check;
    if (throwOnError) {
      throw new ValidationError('Validation failed', { validationErrors: check, invalidData: data, resourceName: this.name });
    }
    return result;
  }

  /** Replaces the attribute definitions; partitions naming removed fields become orphaned. */
  updateAttributes(newAttributes) {
    const oldAttributes = this.attributes;
    const description = JSON.parse(callSync(() => this._native.updateAttributes(toJson(newAttributes, 'attributes'))));
    this._applyDescription(description);
    this.attributes = newAttributes;
    this.schema.attributes = newAttributes;
    return { oldAttributes, newAttributes };
  }

  // ---- plugin attributes

  /**
   * Adds an attribute owned by `pluginName`: validated like the others and stored under a
   * stable hashed key (`schema.pluginMap`), so user attributes keep their positions.
   */
  addPluginAttribute(name, definition, pluginName) {
    const description = JSON.parse(callSync(() => this._native.addPluginAttribute(String(name), toJson(definition, 'definition'), String(pluginName ?? ''))));
    this._pluginAttributes = { ...this._pluginAttributes, [name]: { plugin: pluginName, definition } };
    this._applyDescription(description);
    emitIfObserved(this.database, 'plugin-attribute-added', { resource: this.name, attribute: name, plugin: pluginName, definition });
  }

  /** Removes a plugin attribute (only `pluginName`'s, when given); false when there was none. */
  removePluginAttribute(name, pluginName = null) {
    const owner = this._pluginAttributes && this._pluginAttributes[name] && this._pluginAttributes[name].plugin;
    if (pluginName && owner && owner !== pluginName) {
      throw new PluginError({ message: `Attribute '${name}' belongs to plugin '${owner}', not '${pluginName}'`, pluginName, resourceName: this.name, attribute: name });
    }
    const { removed, description } = JSON.parse(callSync(() => this._native.removePluginAttribute(String(name), pluginName ?? undefined)));
    if (!removed) return false;
    const { [name]: gone, ...rest } = this._pluginAttributes || {};
    this._pluginAttributes = rest;
    this._applyDescription(description);
    emitIfObserved(this.database, 'plugin-attribute-removed', { resource: this.name, attribute: name, plugin: gone && gone.plugin });
    return true;
  }

  // ---- binary content (the record object's body)

  async setContent({ id, buffer, contentType = 'application/octet-stream' } = {}) {
    const key = checkId(id);
    const bytes = Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer ?? '');
    await callInOrder(this, () => this._native.setContent(key, bytes, String(contentType)));
    emitIfObserved(this, 'setContent', { id: key, contentType, contentLength: bytes.length });
    const record = await this.get(key);
    return { ...record, _hasContent: true, _contentLength: bytes.length, _mimeType: contentType };
  }

  /** `{buffer, contentType}`; both null when the record does not exist. */
  async content(id) {
    const key = checkId(id);
    const reply = await parse(callInOrder(this, () => this._native.content(key)));
    if (reply === null) return { buffer: null, contentType: null };
    const buffer = Buffer.from(reply.body, 'base64');
    emitIfObserved(this, 'content', key, buffer.length, reply.contentType);
    return { buffer, contentType: reply.contentType ?? null };
  }

  async hasContent(id) {
    return (await callInOrder(this, () => this._native.hasContent(checkId(id)))) === 'true';
  }

  async deleteContent(id) {
    const key = checkId(id);
    await callInOrder(this, () => this._native.deleteContent(key));
    emitIfObserved(this, 'deleteContent', key);
  }

  getDefinitionHash() {
    return this._definitionHash;
  }

  // ---- writes

  async insert(data) {
    let doc = checkDocument(data, 'insert');
    if (this.hooks.beforeInsert.length) doc = checkDocument(await runHooks(this, 'beforeInsert', doc), 'insert');
    if (this.idGenerator && (doc.id === undefined || doc.id === null || doc.id === '')) {
      doc = { ...doc, id: String(this.idGenerator(doc) || '') || undefined };
    }
    const reply = await parse(callInOrder(this, () => this._native.insert(toJson(doc, 'document'))));
    if (this._writeObservers.length) await this._notifyWrite('insert', [reply.r.id]);
    if (reply.x) emitIfObserved(this, 'exceedsLimit', { ...reply.x, id: reply.r.id, data: doc });
    this._partitionErrors('insert', reply.r.id, reply.p);
    const record = this.hooks.afterInsert.length ? await runHooks(this, 'afterInsert', reply.r) : reply.r;
    emitOperation(this, 'insert', record, reply.r.id);
    return record;
  }

  async insertMany(objects) {
    if (!Array.isArray(objects)) throw new ValidationError({ message: 'insertMany expects an array' });
    const { records, failures } = await this._insertBatch(objects);
    for (const { error, document } of failures) this._reportError(error, document);
    emitOperation(this, 'insertMany', objects.length);
    return records;
  }

  /**
   * Inserts documents; resolves to `{records, failures: [{error, document}]}`. One native call for
   * the batch unless hooks, an ID function or an `insert` wrapper must see each document.
   */
  async _insertBatch(documents) {
    if (this.hooks.beforeInsert.length || this.hooks.afterInsert.length || this.idGenerator || isWrapped(this, 'insert')) {
      return this._insertEach(documents);
    }
    documents.forEach((document) => checkDocument(document, 'insertMany'));
    const replies = await parse(callInOrder(this, () => this._native.insertMany(toJson(documents, 'documents'))));
    const records = [];
    const failures = [];
    replies.forEach((reply, index) => {
      if (reply.e) failures.push({ error: fromPayload(reply.e), document: documents[index] });
      else records.push(reply.r);
    });
    if (records.length && this._writeObservers.length) await this._notifyWrite('insertMany', records.map((r) => r.id));
    replies.forEach((reply) => {
      if (reply.e) return;
      if (reply.x) emitIfObserved(this, 'exceedsLimit', { ...reply.x, id: reply.r.id });
      this._partitionErrors('insert', reply.r.id, reply.p);
      emitOperation(this, 'insert', reply.r, reply.r.id);
    });
    return { records, failures };
  }

  /** One `insert` per document, `parallelism` at a time, results in input order. */
  async _insertEach(documents) {
    const outcomes = new Array(documents.length);
    let next = 0;
    const worker = async () => {
      while (next < documents.length) {
        const index = next++;
        try {
          outcomes[index] = { record: await this.insert(documents[index]) };
        } catch (error) {
          outcomes[index] = { error, document: documents[index] };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallelism || 10, documents.length) }, worker));
    return {
      records: outcomes.filter((o) => o.record).map((o) => o.record),
      failures: outcomes.filter((o) => o.error),
    };
  }

  /** `options.ifMatch`: write only if the record is still at that ETag (else `PreconditionFailed`). */
  async update(id, attributes, options = {}) {
    const key = checkId(id);
    const ifMatch = checkIfMatch(options && options.ifMatch);
    let patch = checkDocument(attributes, 'update');
    if (this.hooks.beforeUpdate.length) {
      // s3db.js hands beforeUpdate the whole record with the changes merged in.
      const merged = await parse(callInOrder(this, () => this._native.mergedForUpdate(key, toJson(patch, 'document'))));
      patch = checkDocument(await runHooks(this, 'beforeUpdate', merged), 'update');
    }
    const observed = isObserved(this, 'update', key);
    const reply = await parse(callInOrder(this, () => this._native.update(key, toJson(patch, 'document'), observed, ifMatch)));
    if (this._writeObservers.length) await this._notifyWrite('update', [key]);
    if (reply.x) emitIfObserved(this, 'exceedsLimit', { ...reply.x, id: key, data: patch });
    this._partitionErrors('update', key, reply.p);
    const record = this.hooks.afterUpdate.length ? await runHooks(this, 'afterUpdate', reply.r) : reply.r;
    if (observed) emitOperation(this, 'update', { ...reply.r, $before: { ...reply.b }, $after: { ...record } }, key);
    return record;
  }

  /** s3db.js's conditional update: `{success, data, etag}`, or `{success: false, error}` when the ETag is stale. */
  async updateConditional(id, attributes, options = {}) {
    checkId(id);
    if (!options || !options.ifMatch) throw new ValidationError('updateConditional requires ifMatch option with ETag value', { operation: 'updateConditional' });
    try {
      const data = await this.update(id, attributes, { ifMatch: options.ifMatch });
      return { success: true, data, etag: data._etag };
    } catch (error) {
      if (error instanceof InvalidResourceItem) {
        return { success: false, error: `Validation failed: ${JSON.stringify(error.errors || [])}`, validationErrors: error.errors };
      }
      if (error && (error.name === 'PreconditionFailed' || /does not exist/.test(error.message))) {
        return { success: false, error: error.name === 'PreconditionFailed' ? 'ETag mismatch - object was modified by another process' : error.message };
      }
      throw error;
    }
  }

  async patch(id, fields, options = {}) {
    checkId(id);
    if (!isNonEmptyObject(fields)) throw new ValidationError('fields must be a non-empty object', { operation: 'patch' });
    let context = { id, fields, options };
    if (this.hooks.beforePatch.length) context = contextFrom(await runHooks(this, 'beforePatch', context), context);
    const record = await this.update(id, context.fields);
    return this.hooks.afterPatch.length ? runHooks(this, 'afterPatch', record) : record;
  }

  async replace(id, data, options = {}) {
    const key = checkId(id);
    if (!isNonEmptyObject(data)) throw new ValidationError('fullData must be a non-empty object', { operation: 'replace' });
    let context = { id: key, fullData: checkDocument(data, 'replace'), options };
    if (this.hooks.beforeReplace.length) context = contextFrom(await runHooks(this, 'beforeReplace', context), context);
    const doc = checkDocument(context.fullData, 'replace');
    const reply = await parse(callInOrder(this, () => this._native.replace(key, toJson(doc, 'document'))));
    this._partitionErrors('replace', key, reply.p);
    if (this._writeObservers.length) await this._notifyWrite('replace', [key]);
    const record = this.hooks.afterReplace.length ? await runHooks(this, 'afterReplace', reply.r) : reply.r;
    emitIfObserved(this, 'replace', record);
    return record;
  }

  /** Inserts, or updates when the id exists — also when a concurrent upsert created it first. */
  async upsert(data) {
    const doc = checkDocument(data, 'upsert');
    if (doc.id === undefined || doc.id === null || doc.id === '') return this.insert(doc);
    if (await this.exists(doc.id)) return this.update(doc.id, doc);
    try {
      return await this.insert(doc);
    } catch (error) {
      if (!(error && error.conflict === true)) throw error;
      return this.update(doc.id, doc);
    }
  }

  /**
   * Deletes a record. As in s3db.js, `beforeDelete` sees the stored record (or `{id}` when there
   * is none), and the `delete` event fires even when the record was missing, before the error.
   */
  async delete(id) {
    const key = checkId(id);
    const observed = isObserved(this, 'delete', key);
    const announce = (record) => {
      if (observed) emitOperation(this, 'delete', { ...record, $before: { ...record }, $after: null }, key);
    };
    let before = { id: key };
    if (this.hooks.beforeDelete.length) {
      let missing = null;
      try {
        before = await parse(callInOrder(this, () => this._native.get(key)));
      } catch (error) {
        if (!(error instanceof NoSuchKey)) throw error;
        missing = error;
      }
      await runHooks(this, 'beforeDelete', before);
      if (missing) {
        announce(before);
        throw missing;
      }
    }
    const withBefore = observed || this.hooks.afterDelete.length > 0;
    let reply;
    try {
      reply = await parse(callInOrder(this, () => this._native.delete(key, withBefore)));
    } catch (error) {
      if (error instanceof NoSuchKey) announce(before);
      throw error;
    }
    if (this._writeObservers.length) await this._notifyWrite('delete', [key]);
    if (reply.b) before = reply.b;
    announce(before);
    if (this.hooks.afterDelete.length) await runHooks(this, 'afterDelete', before);
    return { id: key, deleted: true };
  }

  async deleteMany(ids) {
    if (!Array.isArray(ids)) throw new ValidationError({ message: 'deleteMany expects an array of ids' });
    const keys = ids.map(checkId);
    if (this.hooks.beforeDeleteMany.length) await runHooks(this, 'beforeDeleteMany', { ids: keys });
    const deleted = await parse(callInOrder(this, () => this._native.deleteMany(toJson(keys, 'ids'))));
    if (deleted.length && this._writeObservers.length) await this._notifyWrite('deleteMany', deleted);
    for (const id of deleted) {
      emitIfObserved(this, 'deleted', id);
      emitIfObserved(this.database, 'deleted', this.name, id);
    }
    const results = deleted.map((id) => ({ id, deleted: true }));
    if (this.hooks.afterDeleteMany.length) await runHooks(this, 'afterDeleteMany', { ids: keys, results });
    emitOperation(this, 'deleteMany', keys.length);
    return results;
  }

  async _deleteEverything() {
    const deletedCount = Number(await callInOrder(this, () => this._native.deleteAll()));
    if (this._writeObservers.length) await this._notifyWrite('deleteAll', null);
    return deletedCount;
  }

  async deleteAll() {
    const deletedCount = await this._deleteEverything();
    emitOperation(this, 'deleteAll', { version: this.version, prefix: `resource=${this.name}/data`, deletedCount });
    return { deletedCount, version: this.version };
  }

  async deleteAllData() {
    const deletedCount = await this._deleteEverything();
    emitOperation(this, 'deleteAllData', { resource: this.name, prefix: `resource=${this.name}`, deletedCount });
    return { deletedCount, resource: this.name };
  }

  // ---- reads

  async get(id) {
    const key = checkId(id);
    if (this.hooks.beforeGet.length) await runHooks(this, 'beforeGet', { id: key });
    let record = await parse(callInOrder(this, () => this._native.get(key)));
    if (this.hooks.afterGet.length) record = await runHooks(this, 'afterGet', record);
    emitOperation(this, 'get', record, key);
    return record;
  }

  async getOrNull(id) {
    try {
      return await this.get(id);
    } catch (error) {
      if (error instanceof NoSuchKey) return null;
      throw error;
    }
  }

  async getOrThrow(id) {
    const record = await this.getOrNull(id);
    if (record === null) throw new ResourceError({ message: `Resource '${this.name}' with id '${id}' not found` });
    return record;
  }

  async exists(id) {
    const key = checkId(id);
    if (this.hooks.beforeExists.length) await runHooks(this, 'beforeExists', { id: key });
    const exists = (await callInOrder(this, () => this._native.exists(key))) === 'true';
    if (this.hooks.afterExists.length) await runHooks(this, 'afterExists', { id: key, exists });
    return exists;
  }

  async getMany(ids) {
    if (!Array.isArray(ids)) throw new ValidationError({ message: 'getMany expects an array of ids' });
    const keys = ids.map(checkId);
    if (this.hooks.beforeGetMany.length) await runHooks(this, 'beforeGetMany', { ids: keys });
    let records = await parse(callInOrder(this, () => this._native.getMany(toJson(keys, 'ids'))));
    if (this.hooks.afterGetMany.length) records = await runHooks(this, 'afterGetMany', records);
    emitOperation(this, 'getMany', keys.length);
    return records;
  }

  async getAll() {
    return this._readable(await parse(callInOrder(this, () => this._native.getAll())));
  }

  /**
   * The records of a listing reply (`{r, u}`). Each record whose object could not be read (damaged,
   * or a secret that does not open) is an `error` event with its id; the others are returned.
   */
  _readable({ r: records, u: unreadable }) {
    this._reportUnreadable(unreadable);
    return records;
  }

  _reportUnreadable(unreadable) {
    for (const { id, error } of unreadable || []) this._reportError(fromPayload({ ...error, id }), { id });
  }

  async listIds(options = {}) {
    const ids = await parse(callInOrder(this, () => this._native.listIds(listOptions(options))));
    emitOperation(this, 'listIds', ids.length);
    return ids;
  }

  /** One page for the stream classes: `{items, next}` (`kind` is `'records'` or `'ids'`). */
  async _readPage(kind, { partition, partitionValues, token, limit }) {
    const options = toJson({ partition, partitionValues, token: token || undefined, limit }, 'options');
    if (kind === 'records') {
      const page = await parse(callInOrder(this, () => this._native.listPage(options)));
      this._reportUnreadable(page.unreadable);
      return page;
    }
    const page = await parse(callInOrder(this, () => this._native.listIdsPage(options)));
    return { items: page.ids, next: page.next };
  }

  /** s3db.js `list()`: a failed listing is an empty list plus a `list` event with `errors: 1`. */
  async list(options = {}) {
    let context = options || {};
    if (this.hooks.beforeList.length) context = contextFrom(await runHooks(this, 'beforeList', context), context);
    const { partition, partitionValues } = context;
    let records;
    try {
      records = this._readable(await parse(callInOrder(this, () => this._native.list(listOptions(context)))));
    } catch {
      emitOperation(this, 'list', { count: 0, errors: 1, partition, partitionValues });
      return [];
    }
    if (this.hooks.afterList.length) records = await runHooks(this, 'afterList', records);
    emitOperation(this, 'list', { count: records.length, errors: 0, partition, partitionValues });
    return records;
  }

  async listMain({ limit, offset = 0 } = {}) {
    return this.list({ limit, offset });
  }

  async listPartition({ partition, partitionValues = {}, limit, offset = 0 } = {}) {
    return this.list({ partition, partitionValues, limit, offset });
  }

  async count(options = {}) {
    const { partition, partitionValues } = options || {};
    if (this.hooks.beforeCount.length) await runHooks(this, 'beforeCount', { partition, partitionValues });
    const total = Number(await callInOrder(this, () => this._native.count(listOptions(options))));
    if (this.hooks.afterCount.length) await runHooks(this, 'afterCount', { count: total, partition, partitionValues });
    emitOperation(this, 'count', total);
    return total;
  }

  /** s3db.js `page()`: never throws; failures are reported in `_debug.error`. */
  async page({ offset = 0, size = 100, partition, partitionValues, skipCount = false } = {}) {
    const debug = { requestedSize: size, requestedOffset: offset, skipCount };
    try {
      const page = await parse(callInOrder(this, () => this._native.page(listOptions({ offset, size, partition, partitionValues, skipCount }))));
      const result = {
        items: page.items,
        totalItems: page.totalItems,
        page: page.page,
        pageSize: page.pageSize,
        totalPages: page.totalPages,
        hasMore: page.hasMore,
        _debug: { ...debug, actualItemsReturned: page.items.length, hasTotalItems: page.totalItems !== null },
      };
      if (page.unreadable.length) {
        result._debug.unreadable = page.unreadable.map(({ id }) => id);
        this._reportUnreadable(page.unreadable);
      }
      emitOperation(this, 'page', result);
      return result;
    } catch (error) {
      return {
        items: [], totalItems: null, page: Math.floor(offset / Math.max(size, 1)), pageSize: size, totalPages: null, hasMore: false,
        _debug: { ...debug, actualItemsReturned: 0, hasTotalItems: false, error: error.message },
      };
    }
  }

  async query(filter = {}, { limit = 100, offset = 0, partition, partitionValues } = {}) {
    checkDocument(filter, 'query');
    let context = { filter, limit, offset, partition, partitionValues };
    if (this.hooks.beforeQuery.length) context = contextFrom(await runHooks(this, 'beforeQuery', context), context);
    let records = this._readable(await parse(callInOrder(this, () => this._native.query(toJson(context.filter, 'filter'), listOptions(context)))));
    if (this.hooks.afterQuery.length) records = await runHooks(this, 'afterQuery', records);
    return records;
  }

  // ---- streams

  /** A Readable of the records (`{batchSize, pageSize, partition, partitionValues}`). */
  readable(options = {}) {
    return new ResourceReader({ ...options, resource: this });
  }

  /** A Writable that inserts what is written to it. */
  writable(options = {}) {
    return new ResourceWriter({ ...options, resource: this });
  }

  // ---- partitions

  /** The record, when `partitionName` holds a reference to it under `partitionValues`. */
  async getFromPartition({ id, partitionName, partitionValues = {} } = {}) {
    const key = checkId(id);
    const values = toJson(partitionValues || {}, 'partitionValues');
    const record = await parse(callInOrder(this, () => this._native.getFromPartition(key, String(partitionName), values)));
    emitIfObserved(this, 'getFromPartition', record);
    return record;
  }

  /** The reference key of `data` in a partition, or null when one of its fields is missing. */
  getPartitionKey({ partitionName, id, data = {} } = {}) {
    const key = id === undefined || id === null ? '' : String(id);
    return JSON.parse(callSync(() => this._native.partitionKey(String(partitionName), key, toJson(data || {}, 'data'))));
  }

  /** `{<partition>: {missingFields, definition, allFields}}` for partitions naming missing fields. */
  findOrphanedPartitions() {
    return JSON.parse(callSync(() => this._native.orphanedPartitions()));
  }

  /**
   * Drops orphaned partitions from the definition (unless `dryRun`) and returns them; persist
   * with `db.uploadMetadataFile()`, and remove their stored references with `repairPartitions()`.
   */
  removeOrphanedPartitions({ dryRun = false } = {}) {
    const orphaned = JSON.parse(callSync(() => this._native.removeOrphanedPartitions(Boolean(dryRun))));
    if (!dryRun && Object.keys(orphaned).length) {
      this._applyDescription(this.export());
      emitIfObserved(this, 'orphanedPartitionsRemoved', { resourceName: this.name, removed: Object.keys(orphaned), details: orphaned });
    }
    return orphaned;
  }

  /** Throws a PartitionError when a partition names a field the attributes do not have. */
  validatePartitions() {
    for (const [partition, { missingFields }] of Object.entries(this.findOrphanedPartitions())) {
      const available = Object.keys(this.attributes).join(', ');
      throw new PartitionError({
        message: `Partition '${partition}' uses field '${missingFields[0]}' which does not exist in resource attributes. Available fields: ${available}.`,
        resourceName: this.name, partitionName: partition, fieldName: missingFields[0], operation: 'validatePartitions',
      });
    }
  }

  /**
   * Rebuilds partition references from the records (after a crash, or references lost any other
   * way): writes the missing ones, removes those no record calls for.
   * Resolves to `{records, references, created, removed, unreadable}`.
   */
  async repairPartitions() {
    return parse(callInOrder(this, () => this._native.repairPartitions()));
  }

  /** The description the engine holds for this resource (name, attributes, map, behavior…). */
  export() {
    return JSON.parse(this._native.describe());
  }
}

module.exports = { Resource };
