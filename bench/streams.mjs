#!/usr/bin/env node
// Benchmark (not a test), separate from bench.mjs: what hooks, events and middlewares add to an
// insert on memory://, and streaming throughput and memory for a large resource.
//
//   npm run bench:streams                      # 20 000 inserts per variant, 100 000 streamed records
//   node bench/streams.mjs --inserts 5000 --n 20000

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3db, ResourceIdsReader } from '../lib/index.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const INSERTS = Number(args.inserts || 20000);
const N = Number(args.n || 100000);
const ROUNDS = Number(args.rounds || 3);

const attributes = { name: 'string', email: 'email', age: 'number|integer|positive', city: 'string', tags: 'array|items:string' };
const makeRecord = (i) => ({ name: `User ${i}`, email: `user${i}@example.com`, age: 18 + (i % 60), city: 'Lisbon', tags: ['a', 'b'] });

let peakRss = process.memoryUsage().rss;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return peakRss;
};
const rssTimer = setInterval(sampleRss, 20);
const mb = (bytes) => Math.round(bytes / 1048576);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const db = new S3db({ connectionString: `memory://bench-streams-${process.pid}/db` });
await db.connect();

// ---------------------------------------------------------------- streaming
console.log(`streaming ${N} records (memory://; the store itself lives in this process, so RSS includes the data)\n`);
const big = await db.createResource({ name: 'big', attributes });
for (let start = 0; start < N; start += 1000) {
  await big.insertMany(Array.from({ length: Math.min(1000, N - start) }, (_, j) => makeRecord(start + j)));
}
global.gc?.();
const streaming = [];

async function measureStream(label, run) {
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const rssBefore = process.memoryUsage().rss;
  peakRss = rssBefore;
  const checkpoints = [];
  const start = process.hrtime.bigint();
  const count = await run((seen) => {
    if (seen % Math.floor(N / 4) === 0) checkpoints.push(mb(process.memoryUsage().rss));
    if (seen % 1000 === 0) sampleRss();
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  sampleRss();
  const row = {
    workload: label, records: count, recordsPerSec: Math.round(count / seconds), seconds: +seconds.toFixed(2),
    rssBeforeMb: mb(rssBefore), peakRssMb: mb(peakRss), rssGrowthMb: mb(peakRss - rssBefore), rssAtQuartersMb: checkpoints,
  };
  streaming.push(row);
  console.log(`${label.padEnd(40)} ${String(row.recordsPerSec).padStart(8)} records/s  ${row.seconds.toFixed(2).padStart(6)} s   RSS before ${row.rssBeforeMb} MB, peak ${row.peakRssMb} MB (+${row.rssGrowthMb}), at 25/50/75/100%: ${checkpoints.join('/')} MB`);
}

await measureStream('ResourceReader (for await)', async (tick) => {
  let seen = 0;
  for await (const record of big.readable()) {
    if (record) seen += 1;
    tick(seen);
  }
  return seen;
});
await measureStream('ResourceReader, pageSize 1000', async (tick) => {
  let seen = 0;
  for await (const record of big.readable({ pageSize: 1000 })) {
    if (record) seen += 1;
    tick(seen);
  }
  return seen;
});
await measureStream('ResourceIdsReader (for await)', async (tick) => {
  let seen = 0;
  for await (const id of new ResourceIdsReader({ resource: big })) {
    if (id) seen += 1;
    tick(seen);
  }
  return seen;
});
const copy = await db.createResource({ name: 'copy', attributes });
await measureStream('ResourceWriter (batch 100; + stored data)', async (tick) => {
  let made = 0;
  const source = Readable.from((function* generate() {
    for (let i = 0; i < N; i++) {
      made += 1;
      tick(made);
      yield makeRecord(i);
    }
  })());
  await pipeline(source, copy.writable({ batchSize: 100 }));
  return made;
});
// For contrast: list() holds every record at once.
await measureStream('list() (all records in memory at once)', async (tick) => {
  const all = await big.list();
  tick(N);
  return all.length;
});

// ---------------------------------------------------------------- hook / event overhead
const VARIANTS = {
  'no hooks, no listeners': () => {},
  'beforeInsert + afterInsert hooks': (r) => {
    r.addHook('beforeInsert', (data) => data);
    r.addHook('afterInsert', (record) => record);
  },
  "'insert' listener (async)": (r) => r.on('insert', () => {}),
  "'inserted' + 'insert' listeners": (r) => {
    r.on('insert', () => {});
    r.on('inserted', () => {});
  },
  'insert middleware': (r) => r.useMiddleware('insert', (ctx, next) => next()),
  'hooks + listener + middleware': (r) => {
    r.addHook('beforeInsert', (data) => data);
    r.addHook('afterInsert', (record) => record);
    r.on('insert', () => {});
    r.useMiddleware('insert', (ctx, next) => next());
  },
};

async function insertRun(label, install, round) {
  const resource = await db.createResource({ name: `overhead${round}_${Object.keys(VARIANTS).indexOf(label)}`, attributes });
  install(resource);
  const start = process.hrtime.bigint();
  for (let i = 0; i < INSERTS; i++) await resource.insert(makeRecord(i));
  const micros = Number(process.hrtime.bigint() - start) / 1000 / INSERTS;
  await new Promise((resolve) => setImmediate(resolve));
  await resource.deleteAll().catch(() => {});
  return micros;
}

console.log(`\nhook / event / middleware overhead per insert (memory://, ${INSERTS} inserts, median of ${ROUNDS} rounds)\n`);
const perInsert = Object.fromEntries(Object.keys(VARIANTS).map((label) => [label, []]));
await insertRun('no hooks, no listeners', () => {}, 'warmup');
for (let round = 0; round < ROUNDS; round++) {
  for (const [label, install] of Object.entries(VARIANTS)) perInsert[label].push(await insertRun(label, install, round));
}
const baseline = median(perInsert['no hooks, no listeners']);
const overhead = [];
for (const [label, samples] of Object.entries(perInsert)) {
  const micros = median(samples);
  overhead.push({ variant: label, usPerInsert: +micros.toFixed(2), insertsPerSec: Math.round(1e6 / micros), overheadUs: +(micros - baseline).toFixed(2) });
  console.log(`${label.padEnd(34)} ${micros.toFixed(2).padStart(7)} µs/insert  ${String(Math.round(1e6 / micros)).padStart(7)} inserts/s  overhead ${(micros - baseline).toFixed(2).padStart(6)} µs`);
}

clearInterval(rssTimer);
if (args.json) {
  const fs = await import('node:fs');
  fs.writeFileSync(args.json, JSON.stringify({ inserts: INSERTS, n: N, overhead, streaming }, null, 2));
}
await db.disconnect();
