'use strict';
// `Validator`: s3db.js's fastest-validator subclass (`compile`, `validate`, the s3db types),
// run by the engine's validator. With `autoEncrypt`, `secret` fields of a valid object are
// encrypted in place with `passphrase`, as s3db.js's custom checker does.

const { native, callSync, toJson } = require('./native.cjs');
const { ValidationError, fromNative } = require('./errors.cjs');
const { encrypt } = require('./helpers.cjs');

/** Dotted paths of the `secret` fields of a compiled schema. */
const secretPaths = (compiled) => Object.entries(JSON.parse(compiled.codecs()))
  .filter(([, [codec]]) => codec === 'secret')
  .map(([path]) => path);

function getPath(object, path) {
  return path.split('.').reduce((node, part) => (node !== null && typeof node === 'object' ? node[part] : undefined), object);
}

function setPath(object, path, value) {
  const cut = path.lastIndexOf('.');
  const parent = cut < 0 ? object : getPath(object, path.slice(0, cut));
  if (parent !== null && typeof parent === 'object') parent[path.slice(cut + 1)] = value;
}

class Validator {
  constructor({ options, passphrase, autoEncrypt = true } = {}) {
    this.options = options || {};
    this.passphrase = passphrase;
    this.autoEncrypt = autoEncrypt;
  }

  /** A check function: resolves to `true` or to fastest-validator's error objects. */
  compile(schema) {
    const attributes = Object.fromEntries(Object.entries(schema || {}).filter(([key]) => key !== '$$async' && key !== '$$strict'));
    let compiled;
    try {
      compiled = new native.NativeSchema(toJson({ attributes, allNestedObjectsOptional: false }, 'schema'));
    } catch (error) {
      throw fromNative(error);
    }
    const secrets = this.autoEncrypt ? secretPaths(compiled) : [];
    return async (object) => {
      const result = JSON.parse(callSync(() => compiled.validate(toJson(object, 'document'))));
      if (!result.valid) return result.errors;
      Object.assign(object, result.data);
      const errors = [];
      for (const path of secrets) {
        const value = getPath(object, path);
        if (value === undefined || value === null) continue;
        if (!this.passphrase) {
          errors.push({ type: 'encryptionKeyMissing', message: 'Missing configuration for secrets encryption.', field: path, actual: value });
          continue;
        }
        setPath(object, path, await encrypt(String(value), this.passphrase));
      }
      return errors.length ? errors : true;
    };
  }

  async validate(object, schema) {
    return this.compile(schema)(object);
  }

  /** Type aliases are the engine's own: s3db's (`secret`, `json`, `embedding`, …) are built in. */
  alias(name) {
    throw new ValidationError(`Validator.alias('${name}') is not supported: s3db-native's types are built into its engine`);
  }
}

module.exports = { Validator };
