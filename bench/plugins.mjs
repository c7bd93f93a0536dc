#!/usr/bin/env node
// Benchmark (not a test): what each plugin costs on the insert path. Inserts N records (awaited
// one after another, the peer-bench schema) on memory:// without plugins, then with each plugin
// alone, and prints ops/s and the ratio to the bare run.
//
//   npm run bench:plugins                 # N = 2000
//   node bench/plugins.mjs --n 5000

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  S3db, CachePlugin, CostsPlugin, AuditPlugin, MetricsPlugin, TTLPlugin, ReplicatorPlugin, BackupPlugin, QueueConsumerPlugin,
} from '../lib/index.mjs';

const nIndex = process.argv.indexOf('--n');
const N = nIndex > 0 ? Number(process.argv[nIndex + 1]) : 2000;
const ROUNDS = 3;

const ATTRIBUTES = {
  name: 'string|min:2', email: 'email', age: 'number|integer|positive', active: 'boolean', region: 'string',
  tier: 'string', score: 'number', tags: 'array|items:string', address: { city: 'string', zip: 'string' }, bio: 'string|optional',
};
const record = (i) => ({
  name: `User ${i}`, email: `user${i}@example.com`, age: 20 + (i % 50), active: i % 2 === 0, region: ['us-east', 'eu-west'][i % 2],
  tier: ['gold', 'silver'][i % 2], score: i * 1.5, tags: ['a', 'b'], address: { city: 'Lisbon', zip: '1000' }, bio: 'x'.repeat(40),
});

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 's3db-plugin-bench-'));
let bucket = 0;

const SETUPS = {
  none: () => [],
  'CachePlugin (memory)': () => [new CachePlugin({ driver: 'memory' })],
  CostsPlugin: () => [new CostsPlugin()],
  AuditPlugin: () => [new AuditPlugin()],
  MetricsPlugin: () => [new MetricsPlugin({ flushInterval: 0 })],
  TTLPlugin: () => [new TTLPlugin({ resources: { users: { ttl: 3600, onExpire: 'hard-delete' } } })],
  'ReplicatorPlugin (s3db, memory target)': async () => {
    const target = new S3db({ connectionString: `memory://plugin-bench-target-${bucket}/db` });
    await target.connect();
    await target.createResource({ name: 'users', attributes: ATTRIBUTES });
    return [new ReplicatorPlugin({ replicators: [{ driver: 's3db', client: target, resources: ['users'] }] })];
  },
  BackupPlugin: () => [new BackupPlugin({ driver: 'filesystem', config: { path: path.join(scratch, 'backups') }, tempDir: path.join(scratch, 'tmp') })],
  QueueConsumerPlugin: () => [new QueueConsumerPlugin({ consumers: [] })],
};

async function run(setup) {
  bucket += 1;
  const db = new S3db({ connectionString: `memory://plugin-bench-${bucket}/db` });
  await db.connect();
  const users = await db.createResource({ name: 'users', attributes: ATTRIBUTES, partitions: { byRegion: { fields: { region: 'string' } } } });
  for (const plugin of await setup()) await db.usePlugin(plugin);
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i += 1) await users.insert(record(i));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await new Promise((resolve) => setTimeout(resolve, 50)); // let event-driven plugins finish
  await db.disconnect();
  return N / seconds;
}

// MetricsPlugin installs nothing under NODE_ENV=test, as in s3db.js.
if (process.env.NODE_ENV === 'test') delete process.env.NODE_ENV;
const results = [];
for (const [name, setup] of Object.entries(SETUPS)) {
  let best = 0;
  for (let round = 0; round < ROUNDS; round += 1) best = Math.max(best, await run(setup));
  results.push({ name, opsPerSecond: best });
}
const bare = results[0].opsPerSecond;
console.log(`insert, ${N} records, best of ${ROUNDS}, memory://`);
console.log('plugin'.padEnd(42), 'ops/s'.padStart(9), 'vs none'.padStart(9));
for (const { name, opsPerSecond } of results) {
  console.log(name.padEnd(42), opsPerSecond.toFixed(0).padStart(9), `${(opsPerSecond / bare).toFixed(2)}x`.padStart(9));
}
fs.rmSync(scratch, { recursive: true, force: true });
