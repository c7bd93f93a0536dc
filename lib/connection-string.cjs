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

/** The connection string with any secret key replaced, safe to print. */
function redact(input) {
  return String(input).replace(/\/\/([^:/@]*):([^@]*)@/, '//$1:***@');
}

class ConnectionString {
  constructor(input) {
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
    if (url.password) Object.defineProperty(this, 'secretAccessKey', {
      value: decodePart(url.password, 'secretAccessKey', input), enumerable: false, writable: true,
    });
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
    for (const [key, value] of url.searchParams) this[key] = value;
  }

  toString() {
    if (this.protocol === 'file') return `file://${this.basePath}`;
    return `${this.protocol}://${this.bucket}${this.keyPrefix ? `/${this.keyPrefix}` : ''}`;
  }
}

module.exports = { ConnectionString, S3_DEFAULT_REGION, S3_DEFAULT_ENDPOINT, redact };
