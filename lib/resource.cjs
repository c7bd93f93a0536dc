'use strict';
// Resource: the s3db.js API of one table. Each operation is one native call; hooks, events and
// argument checks that are naturally JavaScript live here.

const { EventEmitter } = require('node:events');
const { call, callSync, toJson } = require('./native.cjs');
const { ValidationError, ResourceError, NoSuchKey, PartitionError, fromPayload } = require('./errors.cjs');

const HOOK_NAMES = [
  'beforeInsert', 'afterInsert', 'beforeUpdate', 'afterUpdate', 'beforeDelete', 'afterDelete',
  'beforeGet', 'afterGet', 'beforeList', 'afterList', 'beforeQuery', 'afterQuery',
  'beforePatch', 'afterPatch', 'beforeReplace', 'afterReplace', 'beforeExists', 'afterExists',
  'beforeCount', 'afterCount', 'beforeGetMany', 'afterGetMany', 'beforeDeleteMany', 'afterDeleteMany',
];
// Hook names of old releases (`options.hooks`), mapped to their current equivalents.
const LEGACY_HOOKS = { preInsert: 'beforeInsert', preUpdate: 'beforeUpdate', preDelete: 'beforeDelete' };

const parse = (reply) => (typeof reply === 'string' ? JSON.parse(reply) : reply.then(JSON.parse));

function checkId(id) {
  if (id !== null && typeof id === 'object') throw new ValidationError({ message: 'id cannot be an object' });
  if (id === undefined || id === null || id === '') throw new ValidationError({ message: 'id cannot be empty' });
  return String(id);
}

function checkDocument(data, operation) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const kind = data === null ? 'null' : Array.isArray(data) ? 'array' : typeof data;
    throw new ValidationError({ message: `${operation} expects an object, got ${kind}` });
  }
  return data;
}

function listOptions(options = {}) {
  if (options === null || typeof options !== 'object') return '{}';
  const { partition, partitionValues, limit, offset, size, skipCount } = options;
  return toJson({ partition, partitionValues, limit, offset, size, skipCount }, 'options');
}

class Resource extends EventEmitter {
  /** Built by the database from the native handle and the resource description. */
  constructor(database, handle, description, jsConfig = {}) {
    super();
    this.database = database;
    this.client = database.client;
    this._native = handle;
    this.hooks = Object.fromEntries(HOOK_NAMES.map((name) => [name, []]));
    this._applyDescription(description);
    this._applyJsConfig(jsConfig);
  }

  _applyDescription(description) {
    this.name = description.name;
    this.version = description.version;
    this.attributes = description.attributes;
    this.behavior = description.behavior;
    this.idSize = description.idSize;
    this.passphrase = this.database.passphrase;
    this.parallelism = this.database.parallelism;
    this.versioningEnabled = description.versioningEnabled;
    this.strictValidation = description.strictValidation;
    this.map = description.map;
    this.schema = {
      name: description.name,
      attributes: description.attributes,
      map: description.map,
      reversedMap: Object.fromEntries(Object.entries(description.map).map(([path, key]) => [key, path])),
      pluginMap: {},
      version: description.version,
      options: { autoDecrypt: description.autoDecrypt, allNestedObjectsOptional: description.allNestedObjectsOptional, arraySeparator: '|' },
    };
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
      createdBy: 'user',
    };
    this._definitionHash = description.definitionHash;
  }

  /** Hooks, events and an ID function from createResource (the parts Rust never sees). */
  _applyJsConfig({ hooks, events, idGenerator, asyncEvents }) {
    for (const [name, fns] of Object.entries(hooks || {})) {
      for (const fn of [].concat(fns)) if (typeof fn === 'function') this.addHook(LEGACY_HOOKS[name] || name, fn);
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
    if (asyncEvents !== undefined) this.config.asyncEvents = asyncEvents !== false;
  }

  addHook(event, fn) {
    const name = LEGACY_HOOKS[event] || event;
    if (!this.hooks[name]) {
      throw new ResourceError({ message: `Invalid hook event '${event}'. Valid events: ${HOOK_NAMES.join(', ')}` });
    }
    if (typeof fn !== 'function') throw new ResourceError({ message: 'Hook must be a function' });
    this.hooks[name].push(fn);
  }

  async executeHooks(name, value) {
    let current = value;
    for (const hook of this.hooks[name] || []) {
      const result = await hook.call(this, current);
      if (result !== undefined) current = result;
    }
    return current;
  }

  /** Emits like s3db.js: on setImmediate when `asyncEvents`, only when someone listens. */
  _emit(event, ...args) {
    if (this.listenerCount(event) === 0) return;
    if (this.config.asyncEvents) setImmediate(() => this.emit(event, ...args));
    else this.emit(event, ...args);
  }

  /**
   * Partition references the engine could not write for a record that was written: reported
   * like s3db.js does (`partitionIndexError`); `repairPartitions()` rebuilds them.
   */
  _partitionErrors(operation, id, payloads) {
    for (const payload of payloads || []) {
      const error = fromPayload(payload);
      this._emit('partitionIndexError', { operation, id, error, message: error.message });
    }
  }

  getResourceKey(id) {
    return `resource=${this.name}/data/id=${id}`;
  }

  getDefinitionHash() {
    return this._definitionHash;
  }

  // ---- writes

  async insert(data) {
    let doc = checkDocument(data, 'insert');
    if (this.hooks.beforeInsert.length) doc = checkDocument(await this.executeHooks('beforeInsert', doc), 'insert');
    if (this.idGenerator && (doc.id === undefined || doc.id === null || doc.id === '')) {
      doc = { ...doc, id: String(this.idGenerator(doc) || '') || undefined };
    }
    const reply = await parse(call(() => this._native.insert(toJson(doc, 'document'))));
    if (reply.x) this._emit('exceedsLimit', { ...reply.x, id: reply.r.id, data: doc });
    this._partitionErrors('insert', reply.r.id, reply.p);
    const record = this.hooks.afterInsert.length ? await this.executeHooks('afterInsert', reply.r) : reply.r;
    this._emit('insert', record);
    return record;
  }

  async insertMany(objects) {
    if (!Array.isArray(objects)) throw new ValidationError({ message: 'insertMany expects an array' });
    if (this.hooks.beforeInsert.length || this.hooks.afterInsert.length || this.idGenerator) {
      return this._insertEach(objects);
    }
    objects.forEach((o) => checkDocument(o, 'insertMany'));
    const replies = await parse(call(() => this._native.insertMany(toJson(objects, 'documents'))));
    const records = [];
    for (const reply of replies) {
      if (reply.e) {
        this._emit('error', fromPayload(reply.e));
        continue;
      }
      if (reply.x) this._emit('exceedsLimit', { ...reply.x, id: reply.r.id });
      this._partitionErrors('insert', reply.r.id, reply.p);
      records.push(reply.r);
      this._emit('insert', reply.r);
    }
    this._emit('insertMany', records.length);
    return records;
  }

  async _insertEach(objects) {
    const records = [];
    for (const object of objects) {
      try {
        records.push(await this.insert(object));
      } catch (error) {
        this._emit('error', error, object);
      }
    }
    this._emit('insertMany', records.length);
    return records;
  }

  async update(id, attributes) {
    const key = checkId(id);
    let patch = checkDocument(attributes, 'update');
    if (this.hooks.beforeUpdate.length) patch = await this.executeHooks('beforeUpdate', patch);
    const withBefore = this.listenerCount('update') > 0;
    const reply = await parse(call(() => this._native.update(key, toJson(patch, 'document'), withBefore)));
    if (reply.x) this._emit('exceedsLimit', { ...reply.x, id: key, data: patch });
    this._partitionErrors('update', key, reply.p);
    const record = this.hooks.afterUpdate.length ? await this.executeHooks('afterUpdate', reply.r) : reply.r;
    if (withBefore) this._emit('update', { ...record, $before: reply.b, $after: record });
    return record;
  }

  async patch(id, fields) {
    return this.update(id, fields);
  }

  async replace(id, data) {
    const key = checkId(id);
    let doc = checkDocument(data, 'replace');
    if (this.hooks.beforeReplace.length) doc = await this.executeHooks('beforeReplace', doc);
    const reply = await parse(call(() => this._native.replace(key, toJson(doc, 'document'))));
    if (reply.x) this._emit('exceedsLimit', { ...reply.x, id: key, data: doc });
    this._partitionErrors('replace', key, reply.p);
    const record = this.hooks.afterReplace.length ? await this.executeHooks('afterReplace', reply.r) : reply.r;
    this._emit('replace', record);
    return record;
  }

  async upsert(data) {
    const doc = checkDocument(data, 'upsert');
    if (doc.id === undefined || doc.id === null || doc.id === '') return this.insert(doc);
    return (await this.exists(doc.id)) ? this.update(doc.id, doc) : this.insert(doc);
  }

  async delete(id) {
    const key = checkId(id);
    if (this.hooks.beforeDelete.length) await this.executeHooks('beforeDelete', { id: key });
    const withBefore = this.listenerCount('delete') > 0 || this.hooks.afterDelete.length > 0;
    const reply = await parse(call(() => this._native.delete(key, withBefore)));
    if (this.hooks.afterDelete.length) await this.executeHooks('afterDelete', reply.b);
    if (withBefore) this._emit('delete', { ...reply.b, $before: reply.b, $after: null });
    return { id: key, deleted: true };
  }

  async deleteMany(ids) {
    if (!Array.isArray(ids)) throw new ValidationError({ message: 'deleteMany expects an array of ids' });
    const keys = ids.map(checkId);
    const deleted = await parse(call(() => this._native.deleteMany(toJson(keys, 'ids'))));
    for (const id of deleted) this._emit('deleted', id);
    this._emit('deleteMany', deleted.length);
    return deleted.map((id) => ({ id, deleted: true }));
  }

  async deleteAll() {
    const deletedCount = Number(await call(() => this._native.deleteAll()));
    this._emit('deleteAll', { version: this.version, prefix: `resource=${this.name}/data`, deletedCount });
    return { deletedCount, version: this.version };
  }

  async deleteAllData() {
    const { deletedCount } = await this.deleteAll();
    return { deletedCount, resource: this.name };
  }

  // ---- reads

  async get(id) {
    const key = checkId(id);
    if (this.hooks.beforeGet.length) await this.executeHooks('beforeGet', { id: key });
    let record = await parse(call(() => this._native.get(key)));
    if (this.hooks.afterGet.length) record = await this.executeHooks('afterGet', record);
    this._emit('get', record);
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
    return (await call(() => this._native.exists(key))) === 'true';
  }

  async getMany(ids) {
    if (!Array.isArray(ids)) throw new ValidationError({ message: 'getMany expects an array of ids' });
    const records = await parse(call(() => this._native.getMany(toJson(ids.map(checkId), 'ids'))));
    this._emit('getMany', records.length);
    return records;
  }

  async getAll() {
    return parse(call(() => this._native.getAll()));
  }

  async listIds(options = {}) {
    const ids = await parse(call(() => this._native.listIds(listOptions(options))));
    this._emit('listIds', ids.length);
    return ids;
  }

  /** s3db.js `list()`: a failed listing is an empty list plus a `list` event with `errors: 1`. */
  async list(options = {}) {
    let context = options || {};
    if (this.hooks.beforeList.length) context = await this.executeHooks('beforeList', context);
    let records;
    try {
      records = await parse(call(() => this._native.list(listOptions(context))));
    } catch {
      this._emit('list', { count: 0, errors: 1, partition: context.partition, partitionValues: context.partitionValues });
      return [];
    }
    if (this.hooks.afterList.length) records = await this.executeHooks('afterList', records);
    this._emit('list', { count: records.length, errors: 0, partition: context.partition, partitionValues: context.partitionValues });
    return records;
  }

  async listMain({ limit, offset = 0 } = {}) {
    return this.list({ limit, offset });
  }

  async listPartition({ partition, partitionValues = {}, limit, offset = 0 } = {}) {
    return this.list({ partition, partitionValues, limit, offset });
  }

  async count(options = {}) {
    const total = Number(await call(() => this._native.count(listOptions(options))));
    this._emit('count', total);
    return total;
  }

  /** s3db.js `page()`: never throws; failures are reported in `_debug.error`. */
  async page({ offset = 0, size = 100, partition, partitionValues, skipCount = false } = {}) {
    const debug = { requestedSize: size, requestedOffset: offset, skipCount };
    try {
      const page = await parse(call(() => this._native.page(listOptions({ offset, size, partition, partitionValues, skipCount }))));
      const result = {
        items: page.items,
        totalItems: page.totalItems,
        page: page.page,
        pageSize: page.pageSize,
        totalPages: page.totalPages,
        hasMore: page.hasMore,
        _debug: { ...debug, actualItemsReturned: page.items.length, hasTotalItems: page.totalItems !== null },
      };
      this._emit('page', result);
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
    if (this.hooks.beforeQuery.length) context = await this.executeHooks('beforeQuery', context);
    let records = await parse(call(() => this._native.query(toJson(context.filter, 'filter'), listOptions(context))));
    if (this.hooks.afterQuery.length) records = await this.executeHooks('afterQuery', records);
    return records;
  }

  // ---- partitions

  /** The record, when `partitionName` holds a reference to it under `partitionValues`. */
  async getFromPartition({ id, partitionName, partitionValues = {} } = {}) {
    const key = checkId(id);
    const values = toJson(partitionValues || {}, 'partitionValues');
    const record = await parse(call(() => this._native.getFromPartition(key, String(partitionName), values)));
    this._emit('getFromPartition', record);
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
      this._emit('orphanedPartitionsRemoved', { resourceName: this.name, removed: Object.keys(orphaned), details: orphaned });
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
    return parse(call(() => this._native.repairPartitions()));
  }

  /** The description the engine holds for this resource (name, attributes, map, behavior…). */
  export() {
    return JSON.parse(this._native.describe());
  }
}

module.exports = { Resource, HOOK_NAMES, LEGACY_HOOKS };
