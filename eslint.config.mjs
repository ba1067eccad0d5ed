import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

// Who may import whom, written once. Pure libs (the edition catalog, domain rules, PKI math)
// touch no network, database or file system.
const ioModules = ['pg', 'typeorm', '@nestjs/*', 'ioredis', 'bullmq', 'undici', 'ws', 'mqtt', 'mqtt-packet', 'node:net', 'node:tls', 'node:fs', 'node:http', 'net', 'tls', 'fs', 'http'];
// The tenant-facing database and HTTP clients of the authenticators: only the broker loads them,
// through @mqc/auth-drivers (tagged scope:broker). The control plane keeps pg (its own TypeORM)
// and ioredis (its change bus); the core of @mqc/auth (kind:driver-free) loads none of them.
const authDrivers = ['mysql2', 'mysql2/*', 'ldapts', 'mongodb', 'undici'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.nx/**', '.mqc/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'kind:pure', onlyDependOnLibsWithTags: ['kind:pure'], bannedExternalImports: ioModules },
            { sourceTag: 'scope:broker', notDependOnLibsWithTags: ['scope:control-plane', 'scope:worker'] },
            { sourceTag: 'scope:control-plane', notDependOnLibsWithTags: ['scope:broker', 'scope:worker'], bannedExternalImports: authDrivers },
            { sourceTag: 'kind:driver-free', bannedExternalImports: ['pg', 'ioredis', ...authDrivers] },
            { sourceTag: 'scope:worker', notDependOnLibsWithTags: ['scope:broker', 'scope:control-plane'] },
            // The browser console is built on the /v1 API alone: no lib of the backend, no server module.
            { sourceTag: 'scope:console', onlyDependOnLibsWithTags: ['scope:console'], bannedExternalImports: [...ioModules.filter((m) => m !== 'mqtt'), 'ioredis', ...authDrivers, 'zod'] },
          ],
        },
      ],
    },
  },
  {
    // Tests may use the testing lib and loosen typing of fixtures; production code may not.
    files: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', 'libs/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // The testing lib is only for tests.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/*.spec-helper.ts', 'libs/testing/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: '@mqc/testing', message: 'the testing lib is for tests only' }] }] },
  },
  {
    // Nx's bannedExternalImports does not see Node built-ins: pure libs are fenced here too
    // (after the block above, whose no-restricted-imports this one replaces for these files).
    files: ['libs/editions/src/**/*.ts', 'libs/domain/src/**/*.ts', 'libs/pki/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.spec-helper.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@mqc/testing', message: 'the testing lib is for tests only' }],
          patterns: [
            {
              regex: '^(node:)?(fs|fs/promises|net|tls|http|https|http2|dgram|dns|child_process|worker_threads|cluster)$',
              message: 'pure libs do no I/O',
            },
          ],
        },
      ],
    },
  },
  {
    // Nx does not see relative imports that climb out of the console, nor Node built-ins: fenced here too.
    files: ['apps/console/**/*.ts', 'apps/console/**/*.tsx'],
    ignores: ['apps/console/vite.config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@mqc/*', '**/libs/**', '**/apps/control-plane/**', '**/apps/broker/**', '**/apps/worker/**'], message: 'the console is built on the /v1 API alone: it imports no backend code' },
            { regex: '^node:', message: 'the console runs in the browser' },
          ],
        },
      ],
    },
  },
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
