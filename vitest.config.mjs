import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.mjs'],
    testTimeout: 20000,
    hookTimeout: 20000,
  },
});
