#!/usr/bin/env node
// Benchmark (not a test): ops/s, p50/p99 latency, peak RSS and S3 requests per call of the main
// operations with a realistic 10-field schema (nested object, array, secret), on memory:// or on
// an S3-compatible server.
//
//   npm run bench                                # memory://, 1 000 records, list/count/query at 10 000
//   node bench/bench.mjs --n 5000                # other sizes
//   npm run bench -- --moto                      # starts a local moto_server (pip install 'moto[server]')
//   npm run bench -- --url http://KEY:SECRET@127.0.0.1:3900/bucket/prefix    # any S3 (Garage, MinIO, AWS…)
//   S3DB_BENCH_URL=s3://KEY:SECRET@bucket/prefix npm run bench
//   node bench/bench.mjs --json out.json
//
// On S3 the defaults are smaller (--n 200, --big 1000, --batch 50): moto in particular is slow.

import { S3db } from '../lib/index.mjs';
import { redact } from '../lib/connection-string.cjs';
import { startMoto, createBucket } from '../__test__/setup/servers.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (!arg.startsWith('--')) return pairs;
    const value = all[i + 1] === undefined || all[i + 1].startsWith('--') ? 'true' : all[i + 1];
    return [...pairs, [arg.slice(2), value]];
  }, []),
);

let moto;
let baseUrl = args.url || process.env.S3DB_BENCH_URL;
if (args.moto) {
  moto = await startMoto();
  await createBucket(moto.endpoint, 'bench');
  baseUrl = `${moto.endpoint.replace('http://', 'http://bench:bench-secret@')}/bench`;
}
const ON_S3 = Boolean(baseUrl);
const N = Number(args.n || (ON_S3 ? 200 : 1000));
const BIG = Number(args.big || (ON_S3 ? 1000 : 10000));
const BATCH = Number(args.batch || (ON_S3 ? 50 : 100));
const PARALLELISM = Number(args.parallelism || 10);

/** A fresh database location for this run: its own key prefix on S3, its own memory bucket. */
function runUrl() {
  if (!ON_S3) return `memory://bench-${process.pid}/db`;
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/bench-${process.pid}-${Date.now().toString(36)}`;
  return url.toString();
}

const attributes = {
  name: 'string|min:2|max:100',
  email: 'email',
  age: 'number|integer|positive',
  active: 'boolean',
  score: 'number',
  city: 'string',
  tags: 'array|items:string',
  password: 'secret',
  profile: { bio: 'string|optional', level: 'number|optional' },
  tier: 'string',
};

const CITIES = ['Lisbon', 'Porto', 'Madrid', 'Berlin', 'Paris'];
const TIERS = ['free', 'basic', 'gold'];
function makeRecord(i) {
  return {
    name: `User ${i}`,
    email: `user${i}@example.com`,
    age: 18 + (i % 60),
    active: i % 2 === 0,
    score: (i * 7.31) % 100,
    city: CITIES[i % CITIES.length],
    tags: ['alpha', i % 3 ? 'beta' : 'gamma'],
    password: `pw-${i}-secret`,
    profile: { bio: `Bio of user ${i}`, level: i % 10 },
    tier: TIERS[i % TIERS.length],
  };
}

let peakRss = process.memoryUsage().rss;
const sampleRss = () => { peakRss = Math.max(peakRss, process.memoryUsage().rss); };
const rssTimer = setInterval(sampleRss, 20);

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const results = [];
let requestsOf = () => ({});
const VERB = {
  PutObjectCommand: 'PUT', GetObjectCommand: 'GET', HeadObjectCommand: 'HEAD', CopyObjectCommand: 'COPY',
  DeleteObjectCommand: 'DELETE', DeleteObjectsCommand: 'DELETE-MANY', ListObjectsV2Command: 'LIST',
};
function requestDelta(before, after) {
  return Object.entries(after).filter(([k, v]) => v - (before[k] || 0) > 0).map(([k, v]) => [VERB[k] || k, v - (before[k] || 0)]);
}
async function measure(name, count, fn, unit = 1) {
  const requestsBefore = requestsOf();
  const latencies = new Array(count);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
  sampleRss();
  latencies.sort((a, b) => a - b);
  const row = {
    workload: name,
    ops: count * unit,
    opsPerSec: +((count * unit * 1000) / totalMs).toFixed((count * unit * 1000) / totalMs < 10 ? 1 : 0),
    p50Ms: +percentile(latencies, 50).toFixed(4),
    p99Ms: +percentile(latencies, 99).toFixed(4),
    peakRssMb: Math.round(peakRss / 1048576),
  };
  const perOp = requestDelta(requestsBefore, requestsOf()).map(([k, v]) => `${+(v / count).toFixed(2)} ${k}`);
  row.requestsPerOp = perOp.join(' + ') || '0';
  results.push(row);
  console.log(
    `${name.padEnd(26)} ${String(row.opsPerSec).padStart(9)} ops/s   p50 ${row.p50Ms.toFixed(3).padStart(8)} ms   p99 ${row.p99Ms.toFixed(3).padStart(8)} ms   RSS ${String(row.peakRssMb).padStart(4)} MB   requests/call: ${row.requestsPerOp}`,
  );
}

const url = runUrl();
const db = new S3db({ connectionString: url, parallelism: PARALLELISM });
await db.connect();
requestsOf = () => db.client.getRequestCounts();
const users = await db.createResource({ name: 'users', attributes, partitions: { byTier: { fields: { tier: 'string' } } } });
// The first create-only PUT of a store may probe the server's conditional writes: done here, unmeasured.
await (await db.createResource({ name: 'warmup', attributes: { n: 'number' } })).insert({ n: 1 });

const where = ON_S3 ? `${moto ? 'moto ' : ''}${redact(url)}` : 'memory://';
console.log(`s3db-native bench on ${where}, ${N} records, 10-field schema with nested object, array and secret, one partition (parallelism ${PARALLELISM})\n`);
const ids = [];
await measure('insert', N, async (i) => { ids.push((await users.insert(makeRecord(i))).id); });
await measure('get', N, (i) => users.get(ids[i]));
await measure('update', N, (i) => users.update(ids[i], { score: i, profile: { level: 3 } }));
await measure(`list (${N})`, 5, () => users.list());
await measure('count', 20, () => users.count());
await measure('listIds', 20, () => users.listIds());
await measure('query (limit 100)', 20, () => users.query({ tier: 'gold' }, { limit: 100 }));
await measure(`insertMany (x${BATCH})`, Math.max(1, N / BATCH), (i) =>
  users.insertMany(Array.from({ length: BATCH }, (_, j) => makeRecord(N + i * BATCH + j))), BATCH);
await measure(`getMany (x${BATCH})`, Math.max(1, N / BATCH), (i) => users.getMany(ids.slice(i * BATCH, (i + 1) * BATCH)), BATCH);
await measure('delete', N, (i) => users.delete(ids[i]));

const big = await db.createResource({ name: 'big', attributes });
await big.insertMany(Array.from({ length: BIG }, (_, i) => makeRecord(i)));
await measure(`list (${BIG})`, 3, () => big.list());
await measure(`count (${BIG})`, 10, () => big.count());
await measure(`query (${BIG}, limit 100)`, 10, () => big.query({ city: 'Paris', tier: 'gold' }, { limit: 100 }));

// ---- Partition lookup against a full scan (issue 4) -------------------------------------------
// LOOKUP records spread over 100 cities (1% each): one city's records through the byCity
// partition (LIST of its references, GET of each match) against a scan (LIST every record,
// GET them all, keep the matches), and the same for counting.
const LOOKUP = Number(args.lookup || 10000);
const CITY_COUNT = 100;
const cityOf = (i) => `city-${i % CITY_COUNT}`;
const located = await db.createResource({ name: 'located', attributes, partitions: { byCity: { fields: { city: 'string' } } } });
const locatedRecords = [];
for (let start = 0; start < LOOKUP; start += 1000) {
  const batch = Array.from({ length: Math.min(1000, LOOKUP - start) }, (_, j) => ({ ...makeRecord(start + j), city: cityOf(start + j) }));
  locatedRecords.push(...(await located.insertMany(batch)));
}
console.log(`\npartition lookup against a full scan: ${LOOKUP} records, ${CITY_COUNT} cities`);
await measure(`partition lookup (${LOOKUP / CITY_COUNT} of ${LOOKUP})`, 50, (i) =>
  located.listPartition({ partition: 'byCity', partitionValues: { city: cityOf(i) } }));
await measure(`full scan (${LOOKUP / CITY_COUNT} of ${LOOKUP})`, 3, (i) => located.query({ city: cityOf(i) }, { limit: LOOKUP }));
await measure(`partition count (${LOOKUP})`, 50, (i) => located.count({ partition: 'byCity', partitionValues: { city: cityOf(i) } }));
await measure(`getFromPartition (${LOOKUP})`, 1000, (i) => {
  const { id, city } = locatedRecords[i % locatedRecords.length];
  return located.getFromPartition({ id, partitionName: 'byCity', partitionValues: { city } });
});

clearInterval(rssTimer);
const costs = db.client.costs;
console.log(`\n${costs.requests.total} requests in all, estimated at $${costs.total.toFixed(4)} on S3 list prices`);
if (args.json) {
  const fs = await import('node:fs');
  fs.writeFileSync(args.json, JSON.stringify({ n: N, big: BIG, results }, null, 2));
}
await db.disconnect();
await moto?.stop();
