import { defineConfig } from 'vitest/config';
import swc from 'unplugin-swc';
import tsconfigPaths from 'vite-tsconfig-paths';

// One runner for every project. SWC compiles the TypeScript because NestJS and TypeORM need
// decorator metadata, which esbuild does not emit.
const plugins = [tsconfigPaths(), swc.vite({ module: { type: 'es6' } })];

export default defineConfig({
  plugins,
  test: {
    reporters: ['default', './libs/testing/src/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        plugins,
        test: { name: 'unit', include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'infra/**/*.spec.ts'], environment: 'node' },
      },
      {
        plugins,
        test: {
          name: 'integration',
          include: ['apps/**/*.integration-spec.ts', 'libs/**/*.integration-spec.ts', 'infra/**/*.integration-spec.ts', 'test/**/*.e2e-spec.ts'],
          environment: 'node',
          globalSetup: ['libs/testing/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
    ],
  },
});
