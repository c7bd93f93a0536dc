// A throwaway PostgreSQL for the replicator tests: Debian's server binaries (`initdb`, `postgres`
// from the `postgresql` package, on PATH or under /usr/lib/postgresql/<version>/bin), a cluster in
// a temporary folder, trust authentication, a free port on 127.0.0.1. As root the cluster belongs
// to the `postgres` user (PostgreSQL refuses to run as root).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './servers.mjs';

function serverBinary(name) {
  const onPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const candidate = path.join(root, version, 'bin', name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

/** Whether this machine can start a PostgreSQL server. */
export function postgresAvailable() {
  return Boolean(serverBinary('initdb') && serverBinary('postgres'));
}

/** Runs as the `postgres` user when this process is root. */
function asServerUser(command, args) {
  return process.getuid && process.getuid() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/** Starts a server; resolves to `{connectionString, stop()}` once it accepts connections. */
export async function startPostgres({ timeoutMs = 30_000 } = {}) {
  const initdb = serverBinary('initdb');
  const postgres = serverBinary('postgres');
  if (!initdb || !postgres) throw new Error("PostgreSQL is not installed: apt-get install postgresql (Debian's server package)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3db-pg-'));
  if (process.getuid && process.getuid() === 0) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const [initCommand, initArgs] = asServerUser(initdb, ['-D', data, '-U', 'test', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const init = spawnSync(initCommand, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  const [command, args] = asServerUser(postgres, ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off']);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => { log = (log + chunk).slice(-4000); });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const connectionString = `postgresql://test@127.0.0.1:${port}/postgres`;
  const { default: pg } = await import('pg');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString });
    const ready = await client.connect().then(() => client.end().then(() => true), () => false);
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`PostgreSQL did not start on port ${port}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    connectionString,
    async stop() {
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      process.off('exit', killOnExit);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
