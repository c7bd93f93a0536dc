'use strict';
// `Schema`: s3db.js's schema class (validate, mapper, unmapper, export/import) over the engine's
// validator and codec (`NativeSchema`). JS keeps the object's public shape: `map`, `options.hooks`,
// `attributes`.

const { native, call, callSync, toJson } = require('./native.cjs');
const { SchemaError, fromNative } = require('./errors.cjs');

const parse = (reply) => (typeof reply === 'string' ? JSON.parse(reply) : reply.then(JSON.parse));
const invert = (map) => Object.fromEntries(Object.entries(map || {}).map(([k, v]) => [v, k]));
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The engine's codec names as the `[beforeMap, afterUnmap]` actions s3db.js lists. */
const CODEC_ACTIONS = {
  embeddings: ['fromArrayOfEmbeddings', 'toArrayOfEmbeddings'],
  array: ['fromArray', 'toArray'],
  arrayOfNumbers: ['fromArrayOfNumbers', 'toArrayOfNumbers'],
  arrayOfDecimals: ['fromArrayOfDecimals', 'toArrayOfDecimals'],
  secret: ['encrypt', 'decrypt'],
  ipv4: ['encodeIPv4', 'decodeIPv4'],
  ipv6: ['encodeIPv6', 'decodeIPv6'],
  money: ['encodeMoney', 'decodeMoney'],
  decimal: ['encodeDecimalFixed', 'decodeDecimalFixed'],
  geoLatitude: ['encodeGeoLatitude', 'decodeGeoLatitude'],
  geoLongitude: ['encodeGeoLongitude', 'decodeGeoLongitude'],
  geoPoint: ['encodeGeoPointPair', 'decodeGeoPointPair'],
  integer: ['toBase62', 'fromBase62'],
  number: ['toBase62Decimal', 'fromBase62Decimal'],
  boolean: ['fromBool', 'toBool'],
  json: ['toJSON', 'fromJSON'],
};

function mergeDeep(target, source) {
  for (const [key, value] of Object.entries(source || {})) {
    if (isPlainObject(value) && isPlainObject(target[key])) mergeDeep(target[key], value);
    else if (isPlainObject(value)) target[key] = mergeDeep({}, value);
    else target[key] = value;
  }
  return target;
}

/** Attribute definitions as the engine takes them: functions and other non-JSON values left out. */
function engineAttributes(attributes) {
  return JSON.parse(toJson(attributes || {}, 'attributes'));
}

/** Attributes stored as JSON text by old catalogues, parsed back (s3db.js `Schema.import`). */
function importAttributes(value) {
  if (typeof value === 'string') {
    try {
      const parsed = JSON.parse(value);
      if (parsed !== null && typeof parsed === 'object') return importAttributes(parsed);
    } catch {
      // a plain definition string
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(importAttributes);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, importAttributes(v)]));
  return value;
}

/** Copies `source` into `target` in place, keeping `target`'s identity (mutateOriginal). */
function overwrite(target, source) {
  for (const key of Object.keys(target)) if (!(key in source)) delete target[key];
  Object.assign(target, source);
}

class Schema {
  constructor({ map, pluginMap, name, attributes, pluginAttributes, passphrase, version = 1, options = {}, _pluginAttributeMetadata, _pluginAttributes } = {}) {
    this.name = name;
    this.version = version;
    this.attributes = attributes || {};
    this.passphrase = passphrase ?? 'secret';
    this.options = mergeDeep(this.defaultOptions(), options);
    this.allNestedObjectsOptional = this.options.allNestedObjectsOptional ?? false;
    this._pluginAttributeMetadata = _pluginAttributeMetadata || {};
    this._pluginAttributes = _pluginAttributes || {};
    try {
      this._native = new native.NativeSchema(toJson({
        // Plugin attributes come after the user's, so the user's short keys stay as they are.
        attributes: engineAttributes({ ...this.attributes, ...(pluginAttributes || {}) }),
        passphrase: String(this.passphrase),
        version: String(version),
        allNestedObjectsOptional: this.options.allNestedObjectsOptional ?? true,
        autoDecrypt: this.options.autoDecrypt !== false,
      }, 'schema'));
    } catch (error) {
      const built = fromNative(error);
      throw built instanceof SchemaError ? built : new SchemaError(built.message, { original: built, name });
    }
    this._engineMap = JSON.parse(this._native.map());
    this.map = map && Object.keys(map).length ? map : { ...this._engineMap };
    this.reversedMap = invert(this.map);
    this.pluginMap = pluginMap && Object.keys(pluginMap).length ? pluginMap : {};
    this.reversedPluginMap = invert(this.pluginMap);
    this._storedMap = { ...this.map, ...this.pluginMap };
    if (this.options.generateAutoHooks) this.generateAutoHooks();
  }

  defaultOptions() {
    return {
      autoEncrypt: true,
      autoDecrypt: true,
      arraySeparator: '|',
      generateAutoHooks: true,
      hooks: { beforeMap: {}, afterMap: {}, beforeUnmap: {}, afterUnmap: {} },
    };
  }

  addHook(hook, attribute, action, params = {}) {
    const table = this.options.hooks[hook];
    const entry = Object.keys(params).length ? { action, params } : action;
    const existing = table[attribute] || [];
    if (!existing.some((e) => JSON.stringify(e) === JSON.stringify(entry))) table[attribute] = [...existing, entry];
    else table[attribute] = existing;
  }

  /** Lists each field's codec in `options.hooks`, as s3db.js does (fields with hooks already set are kept). */
  generateAutoHooks() {
    const codecs = JSON.parse(this._native.codecs());
    const { beforeMap, afterUnmap } = this.options.hooks;
    for (let [path, [codec, params]] of Object.entries(codecs)) {
      if (beforeMap[path] || afterUnmap[path]) continue;
      const [encode, decode] = CODEC_ACTIONS[codec];
      // s3db.js lists embeddings without parameters (their precision is fixed).
      if (codec === 'embeddings') params = {};
      if (codec !== 'secret' || this.options.autoEncrypt) this.addHook('beforeMap', path, encode, params);
      if (codec !== 'secret' || this.options.autoDecrypt) this.addHook('afterUnmap', path, decode, params);
    }
  }

  /** Dotted paths of the object-valued entries of a definition. */
  extractObjectKeys(obj, prefix = '') {
    const keys = [];
    for (const [key, value] of Object.entries(obj || {})) {
      if (key.startsWith('$$') || !isPlainObject(value)) continue;
      const path = prefix ? `${prefix}.${key}` : key;
      keys.push(path);
      if (value.$$type === 'object') keys.push(...this.extractObjectKeys(value, path));
    }
    return keys;
  }

  /** `true`, or fastest-validator's error objects. `mutateOriginal` applies conversions and defaults to `item`. */
  async validate(item, { mutateOriginal = false } = {}) {
    const result = JSON.parse(callSync(() => this._native.validate(toJson(item, 'document'))));
    if (!result.valid) return result.errors;
    if (mutateOriginal && isPlainObject(item)) overwrite(item, result.data);
    return true;
  }

  /** The stored metadata form: short keys, header texts, `_v`. */
  async mapper(item) {
    const mapped = await parse(call(() => this._native.mapper(toJson(item, 'document'))));
    return this._renameKeys(mapped, this._engineMap, this._storedMap);
  }

  /** The document back from its metadata form; `$`-prefixed fields pass through. */
  async unmapper(mapped, mapOverride) {
    const source = mapped || {};
    const engineForm = this._renameKeys(source, mapOverride || this._storedMap, this._engineMap);
    const document = await parse(call(() => this._native.unmapper(toJson(engineForm, 'mapped object'))));
    for (const [key, value] of Object.entries(source)) if (key.startsWith('$')) document[key] = value;
    return document;
  }

  /** Rewrites keys given under map `from` into the keys of map `to` (both `{path: key}`). */
  _renameKeys(object, from, to) {
    if (from === to) return object;
    const pathOf = invert(from);
    const renamed = {};
    for (const [key, value] of Object.entries(object)) {
      const path = pathOf[key];
      renamed[path !== undefined && to[path] !== undefined ? to[path] : key] = value;
    }
    return renamed;
  }

  getAttributeDefinition(key) {
    return key.split('.').reduce((def, part) => (def ? def[part] : undefined), this.attributes);
  }

  export() {
    return {
      version: this.version,
      name: this.name,
      options: this.options,
      attributes: this._exportAttributes(this.attributes),
      map: this.map,
      pluginMap: this.pluginMap || {},
      _pluginAttributeMetadata: this._pluginAttributeMetadata || {},
      _pluginAttributes: this._pluginAttributes || {},
    };
  }

  _exportAttributes(attributes) {
    if (Array.isArray(attributes)) return attributes.map((a) => this._exportAttributes(a));
    if (isPlainObject(attributes)) return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, this._exportAttributes(v)]));
    return attributes;
  }

  static import(data) {
    const { map, pluginMap, _pluginAttributeMetadata, name, options, version, attributes } = typeof data === 'string' ? JSON.parse(data) : data;
    const schema = new Schema({ map, pluginMap: pluginMap || {}, name, options, version, attributes: importAttributes(attributes) });
    if (_pluginAttributeMetadata) schema._pluginAttributeMetadata = _pluginAttributeMetadata;
    return schema;
  }

  static _importAttributes(attributes) {
    return importAttributes(attributes);
  }
}

module.exports = { Schema };
