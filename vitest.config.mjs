import { defineConfig } from 'vitest/config';

// The same JS API suite runs once per storage target, selected with S3DB_TEST_TARGETS
// (comma-separated; default `memory,moto`, plus `garage` when S3DB_TEST_GARAGE is set):
//   memory  memory:// buckets in the process
//   moto    a moto_server started on a free local port (`python3 -m pip install 'moto[server]'`)
//   garage  the Garage bucket of S3DB_TEST_GARAGE=http://KEY:SECRET@127.0.0.1:3900/bucket
const defaultTargets = process.env.S3DB_TEST_GARAGE ? 'memory,moto,garage' : 'memory,moto';
const targets = (process.env.S3DB_TEST_TARGETS || defaultTargets).split(',').map((t) => t.trim()).filter(Boolean);

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
