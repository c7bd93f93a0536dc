'use strict';
// Connection strings as s3db.js reads them, plus memory:// for the in-process store.

const { ConnectionStringError } = require('./errors.cjs');

const S3_DEFAULT_REGION = 'us-east-1';
const S3_DEFAULT_ENDPOINT = 'https://s3.us-east-1.amazonaws.com';

function decodePart(value, what, input) {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ConnectionStringError({ message: `Invalid ${what} in connection string`, input: redact(input) });
  }
}

/** Longest piece of a connection string an error message repeats. */
const SHOWN_CHARS = 120;

/** The connection string with any secret key replaced and long input cut, safe to print. */
function redact(input) {
  const text = String(input).replace(/\/\/([^:/@]*):([^@]*)@/, '//$1:***@');
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}… (${text.length} characters)` : text;
}

/** Query parameters that are secrets: kept off the enumerable fields, like the secret key. */
const SECRET_PARAMS = ['secretAccessKey', 'sessionToken'];

/** A readable field that printing, JSON and spreading do not show. */
function hide(target, name, value) {
  Object.defineProperty(target, name, { value, enumerable: false, writable: true, configurable: true });
}

class ConnectionString {
  constructor(input) {
    if (input instanceof URL) input = input.href;
    if (typeof input !== 'string') {
      const kind = input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input;
      throw new ConnectionStringError(`A connection string must be a string, got ${kind}`, { operation: 'parse' });
    }
    let url;
    try {
      url = new URL(input);
    } catch {
      throw new ConnectionStringError({ message: `Invalid connection string: ${redact(input)}` });
    }
    this.protocol = url.protocol.replace(/:$/, '');
    this.region = S3_DEFAULT_REGION;
    const segments = url.pathname.split('/').filter(Boolean).map((s) => decodePart(s, 'key prefix', input));
    if (url.username) this.accessKeyId = decodePart(url.username, 'accessKeyId', input);
    if (url.password) hide(this, 'secretAccessKey', decodePart(url.password, 'secretAccessKey', input));
    if (this.protocol === 's3' || this.protocol === 'memory') {
      this.bucket = decodePart(url.hostname, 'bucket', input) || 's3db';
      this.keyPrefix = segments.join('/');
      if (this.protocol === 's3') this.endpoint = S3_DEFAULT_ENDPOINT;
    } else if (this.protocol === 'http' || this.protocol === 'https') {
      this.endpoint = url.origin;
      this.forcePathStyle = true;
      this.bucket = segments[0] || 's3db';
      this.keyPrefix = segments.slice(1).join('/');
    } else if (this.protocol === 'file') {
      // `file://./data` and `file://data` are relative paths, `file:///srv/data` absolute.
      const rest = String(input).slice('file://'.length).split('?')[0];
      this.basePath = decodePart(rest || '.', 'path', input);
      this.bucket = 's3db';
      this.keyPrefix = '';
    } else {
      throw new ConnectionStringError({ message: `Unsupported connection string protocol '${this.protocol}:' in ${redact(input)}` });
    }
    for (const [key, value] of url.searchParams) {
      if (SECRET_PARAMS.includes(key)) hide(this, key, value);
      else this[key] = value;
    }
  }

  /** The location without credentials (safe to print). */
  toString() {
    if (this.protocol === 'file') return `file://${this.basePath}`;
    const path = `${this.bucket}${this.keyPrefix ? `/${this.keyPrefix}` : ''}`;
    if (this.protocol === 'http' || this.protocol === 'https') return `${this.endpoint}/${path}`;
    return `${this.protocol}://${path}`;
  }
}

module.exports = { ConnectionString, S3_DEFAULT_REGION, S3_DEFAULT_ENDPOINT, redact };
