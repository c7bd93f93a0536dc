// Streams: readers page through a resource on demand (backpressure), stop when destroyed, emit
// id/page events and iterate with `for await`; the writer inserts with backpressure.
import { describe, it, expect } from 'vitest';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  S3db, ResourceReader, ResourceWriter, ResourceIdsReader, ResourceIdsPageReader, streamToString, StreamError, InvalidResourceItem,
} from '../lib/index.mjs';
import { uniqueUrl, caught, sleep, guardedSetup } from './helpers.mjs';

const pad = (n) => String(n).padStart(5, '0');

async function seeded(count, config = {}) {
  const db = new S3db({ connectionString: uniqueUrl('streams') });
  await db.connect();
  const items = await db.createResource({ name: 'items', attributes: { n: 'number', group: 'string' }, ...config });
  for (let start = 0; start < count; start += 500) {
    const batch = [];
    for (let n = start; n < Math.min(count, start + 500); n++) batch.push({ id: `i${pad(n)}`, n, group: n % 2 ? 'odd' : 'even' });
    await items.insertMany(batch);
  }
  return { db, items };
}

const lists = (db) => db.client.getRequestCounts().ListObjectsV2Command;
const gets = (db) => db.client.getRequestCounts().GetObjectCommand;

describe('reading', { timeout: 30000 }, () => {
  let db;
  let items;
  guardedSetup(async () => { ({ db, items } = await seeded(2500, { partitions: { byGroup: { fields: { group: 'string' } } } })); });

  it('readable() streams every record once, in key order, with `for await`', async () => {
    const seen = [];
    for await (const record of items.readable()) seen.push(record.id);
    expect(seen).toHaveLength(2500);
    expect(seen[0]).toBe('i00000');
    expect(seen[2499]).toBe('i02499');
    expect(new Set(seen).size).toBe(2500);
  });

  it('the README form: `id`, `data` and `end` events', async () => {
    const stream = await items.readable();
    const ids = [];
    let records = 0;
    await new Promise((resolve, reject) => {
      stream.on('id', (id) => ids.push(id));
      stream.on('data', () => { records += 1; });
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    expect(records).toBe(2500);
    expect(ids).toHaveLength(2500);
  });

  it('pages are read on demand: a consumer that stops reading stops the listing (backpressure)', async () => {
    const listsBefore = lists(db);
    const getsBefore = gets(db);
    const reader = new ResourceReader({ resource: items, pageSize: 50 });
    await new Promise((resolve) => reader.once('readable', resolve));
    await sleep(30);
    expect(lists(db) - listsBefore).toBe(1);
    expect(gets(db) - getsBefore).toBe(50);
    let count = 0;
    let largestBuffer = 0;
    for await (const record of reader) {
      expect(record.id).toMatch(/^i\d{5}$/);
      largestBuffer = Math.max(largestBuffer, reader.readableLength);
      count += 1;
    }
    expect(count).toBe(2500);
    expect(lists(db) - listsBefore).toBe(50);
    expect(largestBuffer).toBeLessThanOrEqual(50 + reader.readableHighWaterMark);
  });

  it('destroying a reader early stops it: no further pages are listed', async () => {
    const listsBefore = lists(db);
    const reader = items.readable({ pageSize: 100 });
    const first = await new Promise((resolve, reject) => {
      reader.once('data', resolve);
      reader.once('error', reject);
    });
    reader.destroy();
    await new Promise((resolve) => reader.once('close', resolve));
    await sleep(20);
    expect(first.id).toBe('i00000');
    expect(reader.destroyed).toBe(true);
    expect(lists(db) - listsBefore).toBe(1);
  });

  it('breaking out of `for await` releases the stream', async () => {
    const listsBefore = lists(db);
    const reader = new ResourceIdsReader({ resource: items });
    const ids = [];
    for await (const id of reader) {
      ids.push(id);
      if (ids.length === 3) break;
    }
    await sleep(20);
    expect(ids).toEqual(['i00000', 'i00001', 'i00002']);
    expect(reader.destroyed).toBe(true);
    expect(lists(db) - listsBefore).toBe(1);
  });

  it('ResourceIdsReader emits each id (`data` and `id`); ResourceIdsPageReader each listing page (`data` and `page`)', async () => {
    const announced = [];
    const ids = [];
    const idReader = new ResourceIdsReader({ resource: items }).build();
    idReader.on('id', (id) => announced.push(id));
    for await (const id of idReader) ids.push(id);
    expect(ids).toHaveLength(2500);
    expect(announced).toEqual(ids);

    const pages = [];
    const pageEvents = [];
    const pageReader = new ResourceIdsPageReader({ resource: items });
    pageReader.on('page', (page) => pageEvents.push(page.length));
    for await (const page of pageReader) pages.push(page);
    expect(pages.map((page) => page.length)).toEqual([1000, 1000, 500]);
    expect(pageEvents).toEqual([1000, 1000, 500]);
    expect(pages.flat()).toEqual(ids);
  });

  it('a partition can be streamed', async () => {
    const odd = [];
    for await (const record of items.readable({ partition: 'byGroup', partitionValues: { group: 'odd' } })) odd.push(record.n);
    expect(odd).toHaveLength(1250);
    expect(odd.every((n) => n % 2 === 1)).toBe(true);
  });

  it('an unknown partition fails the stream with a PartitionError', async () => {
    const error = await caught(async () => {
      for await (const record of items.readable({ partition: 'byNothing', partitionValues: { x: 1 } })) void record;
    });
    expect(error.name).toBe('PartitionError');
  });
});

describe('writing', () => {
  it('writable() inserts what is written; write() reports backpressure and `drain` follows', async () => {
    const { db, items } = await seeded(0);
    const writer = items.writable({ batchSize: 5 });
    let refused = 0;
    let drains = 0;
    writer.on('drain', () => { drains += 1; });
    for (let n = 0; n < 40; n++) {
      if (!writer.write({ id: `w${pad(n)}`, n, group: 'w' })) {
        refused += 1;
        await new Promise((resolve) => writer.once('drain', resolve));
      }
    }
    writer.end();
    await new Promise((resolve, reject) => { writer.on('finish', resolve); writer.on('error', reject); });
    expect(refused).toBeGreaterThan(0);
    expect(drains).toBeGreaterThan(0);
    expect(await items.count()).toBe(40);
    await db.disconnect();
  });

  it('the writer emits insert events and runs hooks for each document', async () => {
    const { db, items } = await seeded(0, { hooks: { beforeInsert: [(data) => ({ ...data, group: `hooked-${data.group}` })] } });
    const inserted = [];
    items.on('insert', (record) => inserted.push(record.id));
    await pipeline(Readable.from([{ id: 'a', n: 1, group: 'g' }, { id: 'b', n: 2, group: 'g' }]), new ResourceWriter({ resource: items }));
    await sleep(5);
    expect(inserted.sort()).toEqual(['a', 'b']);
    expect((await items.get('a')).group).toBe('hooked-g');
    await db.disconnect();
  });

  it('an invalid document fails the stream with its validation error', async () => {
    const { db, items } = await seeded(0);
    const error = await caught(pipeline(Readable.from([{ id: 'ok', n: 1, group: 'g' }, { id: 'bad', n: 'not a number', group: 'g' }]), items.writable()));
    expect(error).toBeInstanceOf(InvalidResourceItem);
    expect(await items.exists('ok')).toBe(true);
    expect(await items.exists('bad')).toBe(false);
    await db.disconnect();
  });

  it('reader → transform → writer copies a resource', async () => {
    const { db, items } = await seeded(700);
    const copy = await db.createResource({ name: 'copy', attributes: { n: 'number', group: 'string' } });
    const strip = new Transform({
      objectMode: true,
      transform(record, _encoding, callback) { callback(null, { id: record.id, n: record.n * 10, group: record.group }); },
    });
    await pipeline(items.readable(), strip, copy.writable({ batchSize: 50 }));
    expect(await copy.count()).toBe(700);
    expect((await copy.get('i00123')).n).toBe(1230);
    await db.disconnect();
  });
});

describe('helpers', () => {
  it('streamToString reads a stream as UTF-8; a missing stream is a StreamError', async () => {
    expect(await streamToString(Readable.from([Buffer.from('ol'), 'á ', Buffer.from('mundo')]))).toBe('olá mundo');
    const error = await caught(streamToString(undefined));
    expect(error).toBeInstanceOf(StreamError);
    expect(error.message).toBe('Stream is undefined');
  });

  it('stream classes need a resource', async () => {
    for (const Stream of [ResourceReader, ResourceWriter, ResourceIdsReader, ResourceIdsPageReader]) {
      const error = await caught(() => new Stream({}));
      expect(error).toBeInstanceOf(StreamError);
      expect(error.message).toBe(`Resource is required for ${Stream.name}`);
    }
  });
});
