'use strict';
// The helper functions s3db.js exports at its root. The work is the engine's (base62 family,
// secrets, hashes, ids, size accounting); what stays here is JavaScript's own part: s3db.js's
// answers for arguments of the wrong type, and turning a value into text or bytes.

const { native, call, callSync, toJson } = require('./native.cjs');
const { CryptoError } = require('./errors.cjs');

const isNumber = (n) => typeof n === 'number' && Number.isFinite(n);

// ---- base62 (numbers in metadata) and fixed point (decimals, embeddings)

const encode = (n) => (isNumber(n) ? native.base62Encode(n) : 'undefined');
const decode = (s) => (typeof s === 'string' ? native.base62Decode(s) : NaN);
const encodeDecimal = (n) => (isNumber(n) ? native.base62EncodeDecimal(n) : 'undefined');
const decodeDecimal = (s) => (typeof s === 'string' ? native.base62DecodeDecimal(s) : NaN);

/** `precision` as the engine takes it: a whole number of decimal places. */
function places(precision) {
  const p = Number(precision);
  return Number.isFinite(p) && p >= 0 ? Math.min(Math.floor(p), 15) : 6;
}

const encodeFixedPoint = (n, precision = 6) => (isNumber(n) ? native.encodeFixedPoint(n, places(precision)) : 'undefined');
const decodeFixedPoint = (s, precision = 6) => (typeof s === 'string' ? native.decodeFixedPoint(s, places(precision)) : NaN);

function encodeFixedPointBatch(values, precision = 6) {
  if (!Array.isArray(values)) return '';
  return native.encodeFixedPointBatch(values.map((v) => (isNumber(v) ? v : NaN)), places(precision));
}

const decodeFixedPointBatch = (s, precision = 6) => (typeof s === 'string' ? native.decodeFixedPointBatch(s, places(precision)) : []);

// ---- secrets and hashes

const bytesOf = (data) => (Buffer.isBuffer(data) ? data : data instanceof Uint8Array ? Buffer.from(data) : Buffer.from(String(data), 'utf8'));

/** s3db.js's secret format: base64(salt ‖ iv ‖ AES-256-GCM ciphertext ‖ tag), PBKDF2-SHA256 keys. */
async function encrypt(content, passphrase) {
  if (passphrase === undefined || passphrase === null) throw new CryptoError('Key derivation failed', { operation: 'encrypt' });
  return call(() => native.encryptText(String(content), String(passphrase)));
}

async function decrypt(encryptedBase64, passphrase) {
  if (typeof encryptedBase64 !== 'string' || passphrase === undefined || passphrase === null) {
    throw new CryptoError('Decryption failed', { operation: 'decrypt' });
  }
  return call(() => native.decryptText(encryptedBase64, String(passphrase)));
}

/** Hex SHA-256 of the UTF-8 text (or bytes). */
async function sha256(message) {
  return native.sha256Hex(bytesOf(message));
}

/** Base64 MD5, as `Content-MD5` carries it. */
async function md5(data) {
  if (data === undefined || data === null) throw new CryptoError('MD5 hashing failed', { operation: 'md5' });
  return native.md5Base64(bytesOf(data));
}

// ---- ids

/** A 22-character URL-safe id (nanoid). */
const idGenerator = (size = 22) => native.randomId(size, undefined);
const PASSWORD_ALPHABET = native.passwordAlphabet();
/** A 16-character password without look-alike characters. */
const passwordGenerator = (size = 16) => native.randomId(size, PASSWORD_ALPHABET);

// ---- metadata size accounting (s3db.js's figures: value texts plus attribute names)

/**
 * A value as JSON can carry it to the engine while measuring the same: `undefined` still counts
 * its name, and what JSON cannot hold (BigInt, functions, symbols) or would change (a Date,
 * which s3db.js measures as its JSON text, quotes included) goes as the text s3db.js measures.
 */
function measurableValue(value) {
  if (value === undefined) return null;
  if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') return String(value);
  if (value instanceof Date) return JSON.stringify(value);
  return value;
}

const measurable = (mapped) => Object.fromEntries(Object.entries(mapped || {}).map(([k, v]) => [k, measurableValue(v)]));
const measure = (mapped) => JSON.parse(callSync(() => native.metadataSizes(toJson(measurable(mapped), 'mapped object'))));

const calculateUTF8Bytes = (text) => Buffer.byteLength(typeof text === 'string' ? text : String(text), 'utf8');
/** s3db.js memoises byte counts; nothing is cached here. */
const clearUTF8Memory = () => {};
const calculateAttributeNamesSize = (mapped) => measure(mapped).names;
const calculateAttributeSizes = (mapped) => measure(mapped).sizes;

/** The text s3db.js measures for one value. */
function transformValue(value) {
  return value === undefined ? '' : callSync(() => native.measuredText(toJson(measurableValue(value), 'value')));
}

function calculateTotalSize(mapped) {
  const { sizes, names } = measure(mapped);
  return Object.values(sizes).reduce((sum, n) => sum + n, 0) + names;
}

function getSizeBreakdown(mapped) {
  const { sizes, names } = measure(mapped);
  const valueTotal = Object.values(sizes).reduce((sum, n) => sum + n, 0);
  const total = valueTotal + names;
  const breakdown = Object.entries(sizes)
    .sort(([, a], [, b]) => b - a)
    .map(([attribute, size]) => ({ attribute, size, percentage: `${((size / total) * 100).toFixed(2)}%` }));
  return {
    total, valueSizes: sizes, namesSize: names, valueTotal, breakdown,
    detailedBreakdown: { values: valueTotal, names, total },
  };
}

/** Bytes the system fields (`_v`, timestamps, id) take from the 2 KB budget. */
function calculateSystemOverhead({ version = '1', timestamps = false, id = '' } = {}) {
  const fields = { _v: String(version) };
  if (timestamps) {
    fields.createdAt = '2024-01-01T00:00:00.000Z';
    fields.updatedAt = '2024-01-01T00:00:00.000Z';
  }
  if (id) fields.id = id;
  return calculateTotalSize(fields);
}

const calculateEffectiveLimit = ({ s3Limit = 2048, systemConfig = {} } = {}) => s3Limit - calculateSystemOverhead(systemConfig);

// ---- [ok, error, value] wrappers

/** `[ok, error, value]` of a function, a promise or a plain value (a Promise of it when async). */
function tryFn(fnOrPromise) {
  if (fnOrPromise === null || fnOrPromise === undefined) {
    return [false, new Error('fnOrPromise cannot be null or undefined'), undefined];
  }
  const settle = (promise) => Promise.resolve(promise).then((data) => [true, null, data], (error) => [false, error, undefined]);
  if (typeof fnOrPromise === 'function') {
    let result;
    try {
      result = fnOrPromise();
    } catch (error) {
      return [false, error, undefined];
    }
    return result !== null && result !== undefined && typeof result.then === 'function' ? settle(result) : [true, null, result];
  }
  if (typeof fnOrPromise.then === 'function') return settle(fnOrPromise);
  return [true, null, fnOrPromise];
}

function tryFnSync(fn) {
  try {
    return [true, null, fn()];
  } catch (error) {
    return [false, error, null];
  }
}

module.exports = {
  encode, decode, encodeDecimal, decodeDecimal,
  encodeFixedPoint, decodeFixedPoint, encodeFixedPointBatch, decodeFixedPointBatch,
  encrypt, decrypt, sha256, md5,
  idGenerator, passwordGenerator,
  calculateUTF8Bytes, clearUTF8Memory, calculateAttributeNamesSize, calculateAttributeSizes, transformValue,
  calculateTotalSize, getSizeBreakdown, calculateSystemOverhead, calculateEffectiveLimit,
  tryFn, tryFnSync,
};
