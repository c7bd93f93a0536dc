// A short session with the `s3db` command on the embedded default store (file://./s3db-data),
// run in a scratch directory so every run starts empty.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 's3db.mjs');
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 's3db-quickstart-'));

const session = [
  ['create', 'users', '--attributes', '{"name":"string|min:2","email":"email","age":"number|integer|positive"}'],
  ['insert', 'users', '--data', '{"name":"Alice","email":"alice@example.com","age":31}'],
  ['insert', 'users', '--data', '[{"name":"Bob","email":"bob@example.com","age":25},{"name":"Carol","email":"carol@example.com","age":25}]'],
  ['query', 'users', '--filter', '{"age":25}'],
  ['count', 'users'],
  ['export', 'users', '--format', 'csv'],
  ['insert', 'users', '--data', '{"name":"X","email":"nope","age":-1}'],
];

for (const args of session) {
  console.log(`$ s3db ${args.map((a) => (/[\s{}"[\]]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  process.stdout.write(result.stdout);
  process.stdout.write(result.stderr);
  console.log(`(exit ${result.status})\n`);
}
console.log(`data kept in ${path.join(cwd, 's3db-data')}`);
