import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';

/** The console's API types, generated from the document the control plane serves (never written by hand). */
const TYPES_FILE = join(__dirname, '../../apps/console/src/api/schema.d.ts');

describe("the console's API types", () => {
  let db: TestDatabase;
  let controlPlane: ControlPlane;

  beforeAll(async () => {
    db = await createTestDatabase();
    controlPlane = await startControlPlane(testConfig(), db.url, 0);
  });

  afterAll(async () => {
    await controlPlane?.close();
    await db?.drop();
  });

  it('are the ones openapi-typescript makes of /v1/openapi.json (MQC_UPDATE_CONSOLE_TYPES=1 rewrites them)', async () => {
    const document = await new ApiClient(controlPlane.url).get<Record<string, unknown>>('/v1/openapi.json');
    expect(document.status).toBe(200);
    const generated = COMMENT_HEADER + astToString(await openapiTS(document.body as never));
    if (process.env['MQC_UPDATE_CONSOLE_TYPES'] === '1') writeFileSync(TYPES_FILE, generated);
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(generated);
  });
});
