import { execFileSync } from 'node:child_process';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/** Lints a snippet as if it were a file at `filePath`; answers the messages of the boundary rules. */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries' || m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('the module boundaries', () => {
  beforeAll(() => {
    // The rule reads Nx's project graph; make sure it is computed.
    execFileSync('npx', ['nx', 'show', 'projects'], { stdio: 'ignore' });
  });

  it('let an app import a lib', async () => {
    expect(await boundaryErrors('apps/broker/src/probe.ts', "import { EDITIONS } from '@mqc/editions';\nexport const e = EDITIONS;\n")).toEqual([]);
  });

  it('forbid a lib to import an app', async () => {
    const errors = await boundaryErrors('libs/auth/src/probe.ts', "import { startBroker } from '../../../apps/broker/src/broker';\nexport const s = startBroker;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('forbid a pure lib to import I/O', async () => {
    const errors = await boundaryErrors('libs/editions/src/probe.ts', "import { Client } from 'pg';\nexport const c = Client;\n");
    expect(errors.join('\n')).toMatch(/pg/);
  });

  it('forbid a pure lib to import an impure lib', async () => {
    const errors = await boundaryErrors('libs/domain/src/probe.ts', "import { createDataSource } from '@mqc/db';\nexport const c = createDataSource;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('keep the testing lib out of production code', async () => {
    const errors = await boundaryErrors('apps/worker/src/probe.ts', "import { testConfig } from '@mqc/testing';\nexport const t = testConfig;\n");
    expect(errors.join('\n')).toMatch(/testing/);
  });
});

describe('the authenticators\' drivers', () => {
  it('stay out of the control plane: no driver-backed auth lib', async () => {
    const errors = await boundaryErrors('apps/control-plane/src/probe.ts', "import { AUTHENTICATOR_RUNTIMES } from '@mqc/auth-drivers';\nexport const r = AUTHENTICATOR_RUNTIMES;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it.each(['mysql2/promise', 'ldapts', 'mongodb', 'undici'])('stay out of the control plane: no %s', async (driver) => {
    const errors = await boundaryErrors('apps/control-plane/src/probe.ts', `import * as driver from '${driver}';\nexport const d = driver;\n`);
    expect(errors.join('\n')).toContain(driver.split('/')[0]);
  });

  it('stay out of the worker', async () => {
    const errors = await boundaryErrors('apps/worker/src/probe.ts', "import { AUTHENTICATOR_RUNTIMES } from '@mqc/auth-drivers';\nexport const r = AUTHENTICATOR_RUNTIMES;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it.each(['pg', 'ioredis', 'mysql2/promise', 'ldapts', 'mongodb', 'undici'])('stay out of the core of @mqc/auth: no %s', async (driver) => {
    const errors = await boundaryErrors('libs/auth/src/probe.ts', `import * as driver from '${driver}';\nexport const d = driver;\n`);
    expect(errors.join('\n')).toContain(driver.split('/')[0]);
  });

  it('let the broker import them', async () => {
    expect(await boundaryErrors('apps/broker/src/probe.ts', "import { AUTHENTICATOR_RUNTIMES } from '@mqc/auth-drivers';\nexport const r = AUTHENTICATOR_RUNTIMES;\n")).toEqual([]);
  });
});

describe('the pure libs', () => {
  it('may not import Node I/O modules', async () => {
    const errors = await boundaryErrors('libs/pki/src/probe.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n");
    expect(errors.join('\n')).toMatch(/pure libs do no I\/O/);
  });
});

describe('the browser console', () => {
  it('may not import a backend lib', async () => {
    const errors = await boundaryErrors('apps/console/src/probe.tsx', "import { EDITIONS } from '@mqc/editions';\nexport const e = EDITIONS;\n");
    expect(errors.join('\n')).toMatch(/console|editions/);
  });

  it('may not reach backend code by a relative path', async () => {
    const errors = await boundaryErrors('apps/console/src/probe.ts', "import { startBroker } from '../../broker/src/broker';\nexport const s = startBroker;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('may not import Node modules', async () => {
    const errors = await boundaryErrors('apps/console/src/probe.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n");
    expect(errors.join('\n')).toMatch(/browser/);
  });

  it('may import the browser MQTT client and its own files', async () => {
    expect(await boundaryErrors('apps/console/src/probe.ts', "import mqtt from 'mqtt';\nimport { api } from './api/client';\nexport const m = [mqtt, api];\n")).toEqual([]);
  });
});
