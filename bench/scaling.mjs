#!/usr/bin/env node
// Benchmark (not a test): how the cost of listing grows with the number of records, on memory://
// and on file:// (the embedded default). For each size: insert time, count, listIds, a page in
// the middle (`page({offset: N/2, size: 50})`), streaming every record, and the process's peak RSS
// so far (sizes run in increasing order, so it is the peak of the largest size run yet).
//
//   npm run bench:scaling                          # 1 000, 10 000 and 50 000 records
//   node bench/scaling.mjs --sizes 1000,100000     # other sizes
//   node bench/scaling.mjs --stores file           # one store

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3db } from '../lib/index.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const SIZES = (args.sizes || '1000,10000,50000').split(',').map(Number);
const STORES = (args.stores || 'memory,file').split(',');
const ATTRIBUTES = { name: 'string', email: 'string', age: 'number', city: 'string', active: 'boolean' };

async function timed(fn) {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

const fmt = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0)).padStart(8);

console.log('store   records   insert s   count ms  listIds ms  mid page ms  stream all ms  peak RSS MB');
for (const store of STORES) {
  for (const size of SIZES) {
    const dir = store === 'file' ? fs.mkdtempSync(path.join(os.tmpdir(), 's3db-scaling-')) : null;
    const db = new S3db({ connectionString: dir ? `file://${dir}` : `memory://scaling-${size}/db` });
    await db.connect();
    const people = await db.createResource({ name: 'people', attributes: ATTRIBUTES, partitions: { byCity: { fields: { city: 'string' } } } });
    const insert = await timed(async () => {
      for (let start = 0; start < size; start += 500) {
        const batch = Array.from({ length: Math.min(500, size - start) }, (_, i) => {
          const n = start + i;
          return { name: `person ${n}`, email: `p${n}@example.com`, age: n % 90, city: `city-${n % 20}`, active: n % 2 === 0 };
        });
        await people.insertMany(batch);
      }
    });
    const count = await timed(() => people.count());
    const listIds = await timed(() => people.listIds());
    const page = await timed(() => people.page({ offset: Math.floor(size / 2), size: 50 }));
    const stream = await timed(async () => {
      let seen = 0;
      for await (const record of people.readable()) if (record) seen += 1;
      return seen;
    });
    if (count.value !== size || listIds.value.length !== size || stream.value !== size || page.value.items.length !== 50) {
      throw new Error(`${store} ${size}: count ${count.value}, listIds ${listIds.value.length}, stream ${stream.value}, page ${page.value.items.length}`);
    }
    console.log(`${store.padEnd(7)} ${String(size).padStart(7)}  ${(insert.ms / 1000).toFixed(1).padStart(9)}  ${fmt(count.ms)}    ${fmt(listIds.ms)}     ${fmt(page.ms)}       ${fmt(stream.ms)}   ${String(Math.round(process.resourceUsage().maxRSS / 1024)).padStart(8)}`);
    await db.disconnect();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
