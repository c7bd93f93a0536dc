import { defineConfig } from 'vitest/config';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

// `npm test` points the loader at the debug build with a path relative to the repository; the
// processes the tests spawn inherit it, so it must not depend on their working directory.
if (process.env.S3DB_NATIVE_ADDON) process.env.S3DB_NATIVE_ADDON = resolve(process.env.S3DB_NATIVE_ADDON);

// The same JS API suite runs once per storage target, selected with S3DB_TEST_TARGETS
// (comma-separated; default `memory,moto`, plus `garage` when S3DB_TEST_GARAGE is set):
//   memory  memory:// buckets in the process
//   moto    a moto_server started on a free local port (`python3 -m pip install 'moto[server]'`)
//   garage  the Garage bucket of S3DB_TEST_GARAGE=http://KEY:SECRET@127.0.0.1:3900/bucket
// Outside CI, a machine without moto runs the default targets without it (and says so); in CI
// (CI set) and when S3DB_TEST_TARGETS names it, a missing moto fails the run.
function motoInstalled() {
  if (process.env.MOTO_SERVER) return true;
  return spawnSync(process.env.PYTHON || 'python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
}

function defaultTargets() {
  const targets = ['memory', 'moto'];
  if (process.env.S3DB_TEST_GARAGE) targets.push('garage');
  if (process.env.CI || motoInstalled()) return targets;
  console.warn("\n[s3db-native] moto is not installed: the suite runs without the moto target "
    + "(python3 -m pip install 'moto[server]' to run it there too)\n");
  return targets.filter((t) => t !== 'moto');
}

const targets = process.env.S3DB_TEST_TARGETS
  ? process.env.S3DB_TEST_TARGETS.split(',').map((t) => t.trim()).filter(Boolean)
  : defaultTargets();

const SETUP = { moto: './__test__/setup/moto.mjs', garage: './__test__/setup/garage.mjs' };

function project(target) {
  if (target !== 'memory' && !SETUP[target]) throw new Error(`unknown test target '${target}' in S3DB_TEST_TARGETS`);
  const remote = target !== 'memory';
  return {
    extends: true,
    test: {
      name: target,
      env: { S3DB_TEST_TARGET: target },
      ...(remote ? { globalSetup: [SETUP[target]], testTimeout: 60000, hookTimeout: 60000 } : {}),
    },
  };
}

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.mjs'],
    testTimeout: 20000,
    hookTimeout: 20000,
    projects: targets.map(project),
  },
});
