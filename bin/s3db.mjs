#!/usr/bin/env node
// s3db: look at and change an s3db database from the shell.
import { createRequire } from 'node:module';
import { UsageError, parseArgs } from '../lib/cli/args.mjs';
import { commands, show } from '../lib/cli/commands.mjs';

const require = createRequire(import.meta.url);
const { S3db } = require('../lib/index.cjs');

const DEFAULT_CONNECTION = 'file://./s3db-data';
const HELP = `usage: s3db <command> [arguments] [--connection STRING] [--json]

commands:
  list                                   resources with record counts
  create <resource> --attributes JSON    create a resource (--behavior B, --timestamps, --partitions JSON)
  query <resource> [--filter JSON] [--limit N] [--offset N]
  get <resource> <id>
  insert <resource> --data JSON          one object, or an array of objects
  update <resource> <id> --data JSON
  delete <resource> <id>
  count <resource>
  export <resource> [--format json|jsonl|csv] [--output FILE]
  import <resource> [FILE]               JSON array, object or JSON Lines; standard input without FILE
  stats [resource]
  backup <dir> [--compress] [--resources a,b]
  restore <dir> [--clear] [--resources a,b]

The connection comes from --connection, else S3DB_CONNECTION_STRING, else ${DEFAULT_CONNECTION}.
Output is a table on a terminal and JSON when piped (or with --json).
Exit codes: 0 success, 1 the operation failed, 2 bad usage.`;

async function main(argv, io) {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    io.stderr.write(`s3db: ${error.message}\n`);
    return 2;
  }
  const { command, positionals, flags } = parsed;
  if (flags.help || !command) {
    io.stdout.write(`${HELP}\n`);
    return command || flags.help ? 0 : 2;
  }
  const run = commands[command];
  if (!run) {
    io.stderr.write(`s3db: unknown command '${command}'\n${HELP}\n`);
    return 2;
  }
  const connectionString = flags.connection || process.env.S3DB_CONNECTION_STRING || DEFAULT_CONNECTION;
  let db;
  try {
    db = new S3db({ connectionString, passphrase: flags.passphrase || process.env.S3DB_PASSPHRASE });
    await db.connect();
    const result = await run(db, positionals, flags, io);
    if (result !== undefined) show(result, { json: flags.json, stdout: io.stdout });
    return io.exitCode || 0;
  } catch (error) {
    io.stderr.write(`s3db: ${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}\n`);
    return error instanceof UsageError ? 2 : 1;
  } finally {
    if (db) await db.disconnect();
  }
}

const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, exitCode: 0 };
process.exitCode = await main(process.argv.slice(2), io);
