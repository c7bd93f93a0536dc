'use strict';
// Node streams over a resource. Readers pull one page per native call (one store listing plus
// the records of that page) only when the consumer wants more, so memory holds about one page
// however large the resource is. The writer inserts whatever has queued up as one batch.

const { Readable, Transform, Writable } = require('node:stream');
const { StreamError } = require('./errors.cjs');

const ID_PAGE_SIZE = 1000;
const RECORD_PAGE_SIZE = 100;

function requireResource(resource, what) {
  if (!resource) throw new StreamError({ message: `Resource is required for ${what}` });
  return resource;
}

/**
 * A Readable fed page by page from `resource._readPage(kind, {token, limit, …})`, which resolves
 * to `{items, next}`. Subclasses decide how a page is pushed.
 */
class PagedReader extends Readable {
  constructor(kind, what, { resource, pageSize, partition, partitionValues, highWaterMark } = {}, defaultPageSize) {
    super({ objectMode: true, highWaterMark });
    this.resource = requireResource(resource, what);
    this._kind = kind;
    this._query = { partition, partitionValues, limit: pageSize || defaultPageSize };
    this._token = null;
    this._exhausted = false;
    this._pumping = false;
  }

  /** s3db.js API: the stream itself. */
  build() {
    return this;
  }

  _read() {
    if (this._pumping) return;
    this._pumping = true;
    this._pump().then(
      () => { this._pumping = false; },
      (error) => { this._pumping = false; this.destroy(error); },
    );
  }

  /** Pushes pages until the consumer is saturated or the listing is over. */
  async _pump() {
    for (;;) {
      if (this.destroyed) return;
      if (this._exhausted) {
        this.push(null);
        return;
      }
      const page = await this.resource._readPage(this._kind, { ...this._query, token: this._token });
      if (this.destroyed) return;
      this._token = page.next;
      if (!page.next) this._exhausted = true;
      if (!this._pushPage(page.items) && !this._exhausted) return;
    }
  }
}

/** Emits each ID (`data` and `id` events). */
class ResourceIdsReader extends PagedReader {
  constructor(options = {}) {
    super('ids', 'ResourceIdsReader', options, ID_PAGE_SIZE);
  }

  _pushPage(ids) {
    const announce = this.listenerCount('id') > 0;
    let wantsMore = true;
    for (const id of ids) {
      if (announce) this.emit('id', id);
      wantsMore = this.push(id);
    }
    return wantsMore;
  }
}

/** Emits each listing page as an array of IDs (`data` and `page` events). */
class ResourceIdsPageReader extends PagedReader {
  constructor(options = {}) {
    super('ids', 'ResourceIdsPageReader', options, ID_PAGE_SIZE);
  }

  _pushPage(ids) {
    if (ids.length === 0) return true;
    if (this.listenerCount('page') > 0) this.emit('page', ids);
    return this.push(ids);
  }
}

/** Emits each record (`data` events, plus `id` with the record's ID). */
class ResourceReader extends PagedReader {
  constructor(options = {}) {
    super('records', 'ResourceReader', options, options.batchSize > RECORD_PAGE_SIZE ? options.batchSize : RECORD_PAGE_SIZE);
    this.batchSize = options.batchSize || 10;
    this.concurrency = options.concurrency || 5;
  }

  _pushPage(records) {
    const announce = this.listenerCount('id') > 0;
    let wantsMore = true;
    for (const record of records) {
      if (announce) this.emit('id', record.id);
      wantsMore = this.push(record);
    }
    return wantsMore;
  }

  /**
   * s3db.js's two stages, for code that drives them: `input` lists ID pages and `transform`
   * turns ID arrays into records (`_transform`). Made on first use; their errors are this
   * reader's. The reader itself pages records in one native call per page instead.
   */
  get input() {
    if (!this._input) {
      this._input = new ResourceIdsPageReader({ resource: this.resource, partition: this._query.partition, partitionValues: this._query.partitionValues });
      this._input.on('error', (error) => this.emit('error', error));
    }
    return this._input;
  }

  get transform() {
    if (!this._transformStream) {
      this._transformStream = new Transform({ objectMode: true, transform: (ids, encoding, done) => this._transform(ids, encoding, done, this._transformStream) });
      this._transformStream.on('error', (error) => this.emit('error', error));
    }
    return this._transformStream;
  }

  /**
   * Reads the records of `ids`, `concurrency` at a time, and pushes them (to `target`, this reader
   * by default). A record that cannot be read is an `error` event with its id; the rest go on.
   */
  async _transform(ids, _encoding, callback, target = this) {
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        try {
          target.push(await this.resource.get(id));
        } catch (error) {
          this.emit('error', error, id);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.concurrency, ids.length) }, worker));
      callback();
    } catch (error) {
      callback(error);
    }
  }

  resume() {
    if (this._input) this._input.resume();
    return super.resume();
  }
}

/** Inserts written documents; what queues up while a batch is written goes in the next one. */
class ResourceWriter extends Writable {
  constructor({ resource, batchSize = 10, concurrency = 5, highWaterMark } = {}) {
    super({ objectMode: true, highWaterMark: highWaterMark || batchSize });
    this.resource = requireResource(resource, 'ResourceWriter');
    this.batchSize = batchSize;
    this.concurrency = concurrency;
  }

  build() {
    return this;
  }

  _write(document, _encoding, callback) {
    this._insert([document], callback);
  }

  _writev(chunks, callback) {
    this._insert(chunks.map((chunk) => chunk.chunk), callback);
  }

  _insert(documents, callback) {
    this.resource._insertBatch(documents).then(
      ({ failures }) => callback(failures.length ? failures[0].error : undefined),
      (error) => callback(error),
    );
  }
}

/** The whole stream as UTF-8 text. */
async function streamToString(stream) {
  if (!stream) throw new StreamError({ message: 'Stream is undefined' });
  const parts = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

module.exports = { ResourceReader, ResourceWriter, ResourceIdsReader, ResourceIdsPageReader, streamToString };
