// BackupPlugin from the user's side: backups on the filesystem, on the database's own store and on
// several destinations; restore after loss; incremental backups; encryption; verification;
// retention; configuration errors. Runs on every storage target.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { S3db, BackupPlugin, BackupError, MemoryClient, createBackupDriver, validateBackupConfig } from '../lib/index.mjs';
import { uniqueUrl, caught, caughtSync } from './helpers.mjs';

let db;
let dir;

async function seeded() {
  db = new S3db({ connectionString: uniqueUrl('backup') });
  await db.connect();
  const users = await db.createResource({ name: 'users', attributes: { name: 'string', email: 'email' }, timestamps: true });
  const posts = await db.createResource({ name: 'posts', attributes: { title: 'string' } });
  await users.insertMany([
    { id: 'u1', name: 'Ana', email: 'ana@example.com' },
    { id: 'u2', name: 'Bo', email: 'bo@example.com' },
  ]);
  await posts.insert({ id: 'p1', title: 'Hello' });
  return { users, posts };
}

async function plugin(options) {
  const backup = new BackupPlugin({ driver: 'filesystem', config: { path: path.join(dir, 'backups', '{date}') }, tempDir: path.join(dir, 'tmp'), ...options });
  await db.usePlugin(backup);
  return backup;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3db-backup-plugin-'));
});
afterEach(async () => {
  await db?.disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('BackupPlugin', () => {
  it('writes a full backup in the MemoryClient layout, catalogues it, and restores lost records', async () => {
    const { users } = await seeded();
    const backup = await plugin({ compression: 'gzip' });
    const started = [];
    backup.on('backup_start', (event) => started.push(event));
    const result = await backup.backup('full');

    expect(result.id).toMatch(/^full-/);
    expect(db.resources.plg_backup_metadata.config.createdBy).toBe('BackupPlugin');
    const catalog = JSON.parse(await (await db.client.getObject('s3db.json')).Body.transformToString());
    expect(catalog.resources.plg_backup_metadata.createdBy).toBe('BackupPlugin');
    expect(catalog.resources.users.createdBy).toBe('user');
    expect(started).toEqual([{ id: result.id, type: 'full' }]);
    expect(result.size).toBeGreaterThan(0);
    expect(result.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readdirSync(result.driverInfo.path).sort()).toEqual(['plg_backup_metadata.jsonl.gz', 'posts.jsonl.gz', 's3db.json', 'users.jsonl.gz']);
    expect(JSON.parse(fs.readFileSync(result.driverInfo.manifestPath, 'utf8'))).toMatchObject({ id: result.id, checksum: result.checksum });
    const lines = zlib.gunzipSync(fs.readFileSync(path.join(result.driverInfo.path, 'users.jsonl.gz'))).toString().trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).name).sort()).toEqual(['Ana', 'Bo']);

    // The same folder is a MemoryClient backup: it loads into a fresh store.
    const other = new MemoryClient({ bucket: 'restore-check' });
    const imported = await other.importBackup(result.driverInfo.path, { resources: ['users'] });
    expect(imported.recordsImported).toBe(2);

    expect(await backup.getBackupStatus(result.id)).toMatchObject({ id: result.id, status: 'completed', type: 'full', size: result.size });
    expect((await backup.listBackups()).map((b) => b.id)).toEqual([result.id]);
    expect(await backup.getBackupStatus('nope')).toBeNull();

    await users.delete('u1');
    await users.update('u2', { name: 'Changed' });
    const restored = await backup.restore(result.id);
    expect(restored).toMatchObject({ backupId: result.id, errors: [] });
    expect(restored.restored.sort()).toEqual(['posts', 'users']);
    expect((await users.get('u1')).name).toBe('Ana');
    expect((await users.get('u2')).name).toBe('Changed'); // overwrite: false keeps existing records

    await backup.restore(result.id, { overwrite: true, resources: ['users'] });
    expect((await users.get('u2')).name).toBe('Bo');
    expect((await caught(backup.restore('missing-id'))).message).toBe("Backup 'missing-id' not found");
  });

  it('an incremental backup holds only the records written since the last completed one', async () => {
    const { users } = await seeded();
    const backup = await plugin({ compression: 'none', exclude: ['plg_backup_metadata'] });
    await backup.backup('full');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await users.insert({ id: 'u3', name: 'Cy', email: 'cy@example.com' });
    const incremental = await backup.backup('incremental');
    expect(incremental.type).toBe('incremental');
    const text = fs.readFileSync(path.join(incremental.driverInfo.path, 'users.jsonl'), 'utf8').trim();
    expect(text.split('\n').map((line) => JSON.parse(line).id)).toEqual(['u3']);
  });

  it('backs up to the database store itself (s3 driver) and restores from it', async () => {
    const { users } = await seeded();
    const backup = await plugin({ driver: 's3', config: { path: 'backups/{date}/' }, compression: 'brotli' });
    const result = await backup.backup('full', { resources: ['users'] });
    const keys = await db.client.getAllKeys({ prefix: 'backups/' });
    expect(keys.filter((key) => key.endsWith('users.jsonl.br'))).toHaveLength(1);
    expect(keys.filter((key) => key.endsWith(`${result.id}.manifest.json`))).toHaveLength(1);
    await users.deleteMany(['u1', 'u2']);
    await backup.restore(result.id);
    expect((await users.getMany(['u1', 'u2'])).map((u) => u.name).sort()).toEqual(['Ana', 'Bo']);
  });

  it('encrypts backup files and restores them with the key', async () => {
    const { users } = await seeded();
    const backup = await plugin({ encryption: { algorithm: 'AES-256-GCM', key: 'backup-passphrase' } });
    const result = await backup.backup('full', { resources: ['users'] });
    const files = fs.readdirSync(result.driverInfo.path);
    expect(files.every((file) => file.endsWith('.enc'))).toBe(true);
    expect(fs.readFileSync(path.join(result.driverInfo.path, 'users.jsonl.gz.enc'), 'utf8')).not.toContain('ana@example.com');
    await users.delete('u1');
    await backup.restore(result.id);
    expect((await users.get('u1')).email).toBe('ana@example.com');
  });

  it('refuses to restore a backup whose files changed after it was taken', async () => {
    await seeded();
    const backup = await plugin({ compression: 'none' });
    const result = await backup.backup('full', { resources: ['users'] });
    fs.appendFileSync(path.join(result.driverInfo.path, 'users.jsonl'), '{"id":"intruder","name":"X","email":"x@example.com"}\n');
    const error = await caught(backup.restore(result.id));
    expect(error).toBeInstanceOf(BackupError);
    expect(error.message).toMatch(/checksum/);
    expect(await db.resources.users.exists('intruder')).toBe(false);
  });

  it('multi driver: "all" writes every destination, "any" survives a failing one', async () => {
    await seeded();
    const blocked = path.join(dir, 'blocked');
    fs.writeFileSync(blocked, 'a file where a folder should be');
    const all = await plugin({ driver: 'multi', config: { strategy: 'all', destinations: [
      { driver: 'filesystem', config: { path: path.join(dir, 'one') } },
      { driver: 'filesystem', config: { path: path.join(dir, 'two') } },
    ] } });
    const both = await all.backup('full');
    expect(both.driverInfo.map((info) => info.status)).toEqual(['success', 'success']);
    expect(fs.existsSync(path.join(dir, 'one', both.id, 's3db.json'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'two', both.id, 's3db.json'))).toBe(true);

    const any = await plugin({ driver: 'multi', backupMetadataResource: 'plg_backup_metadata_any', config: { strategy: 'any', destinations: [
      { driver: 'filesystem', config: { path: path.join(blocked, 'sub') } },
      { driver: 'filesystem', config: { path: path.join(dir, 'three') } },
    ] } });
    const partly = await any.backup('full');
    expect(partly.driverInfo.map((info) => info.status)).toEqual(['failed', 'success']);
    await db.resources.users.delete('u1');
    await any.restore(partly.id);
    expect(await db.resources.users.exists('u1')).toBe(true);

    const strict = await plugin({ driver: 'multi', backupMetadataResource: 'plg_backup_metadata_all', config: { strategy: 'all', destinations: [
      { driver: 'filesystem', config: { path: path.join(blocked, 'sub') } },
      { driver: 'filesystem', config: { path: path.join(dir, 'four') } },
    ] } });
    const errors = [];
    strict.on('backup_error', (event) => errors.push(event));
    expect((await caught(strict.backup('full'))).message).toMatch(/strategy "all"/);
    expect(errors).toHaveLength(1);
    expect((await strict.listBackups({ status: 'failed' }))).toHaveLength(1);
  });

  it('retention keeps recent backups and the newest of each older period', async () => {
    await seeded();
    const backup = await plugin({ retention: { daily: 2, weekly: 0, monthly: 3, yearly: 0 }, compression: 'none' });
    const first = await backup.backup('full', { resources: ['posts'] });
    const second = await backup.backup('full', { resources: ['posts'] });
    // Age both to the same month two months back: only the newer of the two survives the next run.
    const now = new Date();
    await backup.metadata.update(first.id, { timestamp: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 15) });
    await backup.metadata.update(second.id, { timestamp: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 16) });
    const third = await backup.backup('full', { resources: ['posts'] });
    const ids = (await backup.listBackups()).map((b) => b.id);
    expect(ids).toEqual([third.id, second.id]);
    expect(fs.existsSync(first.driverInfo.path)).toBe(false);
    expect(fs.existsSync(second.driverInfo.path)).toBe(true);
  });

  it('hooks run in order and a failing start hook fails the backup', async () => {
    await seeded();
    const calls = [];
    const backup = await plugin({
      onBackupStart: (type) => calls.push(`start:${type}`),
      onBackupComplete: (type, result) => calls.push(`complete:${result.type}`),
    });
    await backup.backup('custom-type');
    expect(calls).toEqual(['start:custom-type', 'complete:custom-type']);
    backup.config.onBackupStart = async () => { throw new Error('Hook failed'); };
    expect((await caught(backup.backup('full'))).message).toBe('Hook failed');
  });

  it('schedule runs backups on cron expressions until stopped', async () => {
    await seeded();
    const backup = await plugin({ schedule: { full: '* * * * * *' }, compression: 'none' });
    expect(backup.nextScheduledRuns().full).toBeInstanceOf(Date);
    const completed = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no scheduled backup within 3 s')), 3000);
      backup.once('backup_complete', (event) => {
        clearTimeout(timer);
        resolve(event);
      });
    });
    expect(completed.type).toBe('full');
    await backup.stop();
    expect(backup.nextScheduledRuns()).toEqual({});
    expect(caughtSync(() => new BackupPlugin({ config: { path: '/tmp/x' }, schedule: { full: 'every tuesday' } })).message).toMatch(/^Invalid schedule for 'full' backups/);
  });

  it('stop() cancels the backups in progress', async () => {
    await seeded();
    const backup = await plugin({});
    backup.activeBackups.add('running');
    const cancelled = [];
    backup.on('backup_cancelled', (event) => cancelled.push(event));
    await backup.stop();
    expect(cancelled).toEqual([{ id: 'running' }]);
    expect(backup.activeBackups.size).toBe(0);
  });

  it('rejects bad configuration with BackupError messages', () => {
    expect(caughtSync(() => new BackupPlugin({ driver: 'tape' })).message).toBe('Unknown backup driver: tape');
    expect(caughtSync(() => new BackupPlugin({ driver: 'filesystem', config: {} })).message).toBe('FilesystemBackupDriver requires "path" configuration');
    expect(caughtSync(() => new BackupPlugin({ config: { path: '/tmp/x' }, compression: 'zip' })).message).toMatch(/^Invalid compression type/);
    expect(caughtSync(() => new BackupPlugin({ config: { path: '/tmp/x' }, encryption: { algorithm: 'AES-256' } })).message).toBe('Encryption requires both key and algorithm');
    expect(caughtSync(() => validateBackupConfig('multi', { destinations: [{}] })).message).toBe('Destination 0 must have a "driver" property');
    expect(caughtSync(() => createBackupDriver('nope')).name).toBe('BackupError');
    expect(createBackupDriver('filesystem', { path: '/tmp' }).getStorageInfo().type).toBe('filesystem');
  });
});
