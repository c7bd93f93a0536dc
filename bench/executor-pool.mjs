// S3 throughput by executorPool concurrency: insertMany, getMany and list of N records at
// concurrency 10, 100 and 'auto', with the scheduler's own figures (queue, latency percentiles).
//
//   npm run bench:pool                               # starts a local moto_server
//   npm run bench:pool -- --url http://KEY:SECRET@127.0.0.1:3900/bucket   # Garage, MinIO, …
//   options: --n 1000 (records)
import { S3db } from '../lib/index.mjs';
import { redact } from '../lib/connection-string.cjs';
import { startMoto, createBucket } from '../__test__/setup/servers.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
  if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : true]);
  return pairs;
}, []));
const N = Number(args.n || 1000);
let moto;
let baseUrl = args.url;
if (!baseUrl) {
  moto = await startMoto();
  await createBucket(moto.endpoint, 'bench');
  baseUrl = `${moto.endpoint.replace('http://', 'http://bench:bench-secret@')}/bench`;
}

const SETTINGS = [
  ['10', { concurrency: 10 }],
  ['100', { concurrency: 100 }],
  ['auto', { concurrency: 'auto', autoTuning: { minConcurrency: 10, maxConcurrency: 200, targetLatency: 250, adjustmentInterval: 500 } }],
];

const rows = [];
for (const [label, executorPool] of SETTINGS) {
  const url = `${baseUrl.replace(/\/+$/, '')}/pool-${label}-${Date.now().toString(36)}`;
  const db = new S3db({ connectionString: url, executorPool });
  await db.connect();
  const items = await db.createResource({ name: 'items', attributes: { n: 'number', name: 'string' } });
  const docs = Array.from({ length: N }, (_, n) => ({ id: `i${String(n).padStart(6, '0')}`, n, name: `item ${n}` }));
  const time = async (fn) => {
    const started = performance.now();
    await fn();
    return N / ((performance.now() - started) / 1000);
  };
  const insertMany = await time(() => items.insertMany(docs));
  const getMany = await time(() => items.getMany(docs.map((d) => d.id)));
  const list = await time(() => items.list({ limit: N }));
  const stats = db.client.getQueueStats();
  const latencies = db.client.getAggregateMetrics();
  rows.push({ label, insertMany, getMany, list, concurrency: stats.concurrency, retries: stats.retryCount, p50: latencies?.p50, p99: latencies?.p99 });
  await db.disconnect();
}

console.log(`\nexecutorPool on ${moto ? 'moto ' : ''}${redact(baseUrl)}, ${N} records (records/s; scheduler's request latency)\n`);
console.log('| concurrency | insertMany/s | getMany/s | list/s | concurrency at end | retries | request p50 ms | p99 ms |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.label} | ${r.insertMany.toFixed(0)} | ${r.getMany.toFixed(0)} | ${r.list.toFixed(0)} | ${r.concurrency} | ${r.retries} | ${r.p50?.toFixed(2)} | ${r.p99?.toFixed(2)} |`);
}
await moto?.stop();
