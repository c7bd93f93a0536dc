// The `s3db` command end to end: exit codes, JSON when piped, CSV export, import from stdin,
// backups, and the default embedded store.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 's3db.mjs');
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 's3db-cli-'));
afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

function s3db(args, { input, env = {} } = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd, input, encoding: 'utf8', env: { ...process.env, S3DB_CONNECTION_STRING: '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
}

describe('s3db command', () => {
  it('creates, inserts and queries on the default embedded store (file://./s3db-data)', () => {
    expect(s3db(['create', 'users', '--attributes', '{"name":"string","age":"number|optional"}']).code).toBe(0);
    const inserted = s3db(['insert', 'users', '--data', '{"id":"u1","name":"Ana","age":31}']);
    expect(inserted.code).toBe(0);
    expect(inserted.json()).toEqual({ id: 'u1', name: 'Ana', age: 31 });
    expect(s3db(['insert', 'users', '--data', '[{"id":"u2","name":"Bo","age":25},{"id":"u3","name":"Cy"}]']).json()).toHaveLength(2);
    expect(fs.existsSync(path.join(cwd, 's3db-data', 's3db.json~'))).toBe(true);
    expect(s3db(['query', 'users', '--filter', '{"age":25}']).json()).toEqual([{ id: 'u2', name: 'Bo', age: 25 }]);
    expect(s3db(['query', 'users', '--limit', '2']).json()).toHaveLength(2);
    expect(s3db(['count', 'users']).json()).toBe(3);
    expect(s3db(['get', 'users', 'u1']).json().name).toBe('Ana');
    expect(s3db(['update', 'users', 'u1', '--data', '{"age":32}']).json().age).toBe(32);
    expect(s3db(['list']).json()).toEqual([{ name: 'users', behavior: 'user-managed', attributes: 2, records: 3 }]);
    expect(s3db(['stats', 'users']).json()).toMatchObject({ name: 'users', records: 3 });
    expect(s3db(['delete', 'users', 'u3']).json()).toEqual({ deleted: 'u3' });
    expect(s3db(['count', 'users']).json()).toBe(2);
  });

  it('exports CSV, JSON Lines and JSON', () => {
    const conn = ['--connection', `file://${path.join(cwd, 'export')}`];
    s3db(['create', 'people', '--attributes', '{"name":"string","note":"string|optional","tags":"array|items:string|optional"}', ...conn]);
    s3db(['insert', 'people', '--data', '[{"id":"p1","name":"Ana, Jr.","note":"says \\"hi\\"","tags":["x","y"]},{"id":"p2","name":"Bo"}]', ...conn]);
    const csv = s3db(['export', 'people', '--format', 'csv', ...conn]);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe('id,name,note,tags\np1,"Ana, Jr.","says ""hi""","[""x"",""y""]"\np2,Bo,,\n');
    const jsonl = s3db(['export', 'people', '--format', 'jsonl', ...conn]).stdout.trim().split('\n').map(JSON.parse);
    expect(jsonl.map((r) => r.id)).toEqual(['p1', 'p2']);
    const file = path.join(cwd, 'people.json');
    expect(s3db(['export', 'people', '--output', file, ...conn]).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toHaveLength(2);
    expect(s3db(['export', 'people', '--format', 'xml', ...conn]).code).toBe(2);
  });

  it('imports JSON Lines from standard input and reports bad records with exit code 1', () => {
    const conn = ['--connection', `file://${path.join(cwd, 'import')}`];
    s3db(['create', 'items', '--attributes', '{"name":"string"}', ...conn]);
    const ok = s3db(['import', 'items', ...conn], { input: '{"id":"a","name":"A"}\n{"id":"b","name":"B"}\n' });
    expect(ok.code).toBe(0);
    expect(ok.json()).toEqual({ imported: 2, errors: [] });
    const bad = s3db(['import', 'items', ...conn], { input: '[{"id":"c","name":"C"},{"id":"d","name":5}]' });
    expect(bad.code).toBe(1);
    expect(bad.json().imported).toBe(1);
    expect(bad.json().errors[0]).toMatchObject({ record: 2 });
    expect(s3db(['import', 'items', ...conn], { input: 'not json\n' }).code).toBe(2);
    expect(s3db(['count', 'items', ...conn]).json()).toBe(3);
  });

  it('backs up and restores through the command line', () => {
    const conn = ['--connection', `file://${path.join(cwd, 'bk-src')}`];
    s3db(['create', 'notes', '--attributes', '{"text":"string"}', ...conn]);
    s3db(['insert', 'notes', '--data', '{"id":"n1","text":"hello"}', ...conn]);
    const dir = path.join(cwd, 'bk');
    expect(s3db(['backup', dir, '--compress', ...conn]).json()).toMatchObject({ resources: 1, records: 1 });
    const target = ['--connection', `file://${path.join(cwd, 'bk-dst')}`];
    expect(s3db(['restore', dir, ...target]).json()).toEqual({ resourcesImported: 1, recordsImported: 1, errors: [] });
    expect(s3db(['get', 'notes', 'n1', ...target]).json().text).toBe('hello');
  });

  it('uses S3DB_CONNECTION_STRING and gives clear errors and exit codes', () => {
    const env = { S3DB_CONNECTION_STRING: `file://${path.join(cwd, 'env')}` };
    expect(s3db(['create', 'x', '--attributes', '{"a":"string"}'], { env }).code).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'env', 's3db.json~'))).toBe(true);
    const missing = s3db(['get', 'x', 'nope'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/NoSuchKey: .*does not exist/);
    const unknownResource = s3db(['count', 'ghost'], { env });
    expect(unknownResource.code).toBe(1);
    expect(unknownResource.stderr).toMatch(/Resource 'ghost' does not exist/);
    expect(s3db(['insert', 'x', '--data', '{"a":1}'], { env }).stderr).toMatch(/InvalidResourceItem: The 'a' field must be a string/);
    expect(s3db(['insert', 'x', '--data', '{oops'], { env }).code).toBe(2);
    expect(s3db(['frobnicate']).code).toBe(2);
    expect(s3db(['get', 'x'], { env }).code).toBe(2);
    expect(s3db(['count', 'x', '--connection', 's3://'], {}).code).toBe(1);
    const help = s3db(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/usage: s3db/);
  });
});
