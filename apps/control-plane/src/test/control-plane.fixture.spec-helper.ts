import { Client } from 'pg';
import type { MqcConfig } from '@mqc/config';
import { ApiClient, createTestDatabase, type TestDatabase } from '@mqc/testing';
import { startControlPlane, type ControlPlane } from '../control-plane';
import { listenToChanges, newTenant, type EventLog, type Tenant } from './control-plane.spec-helper';

/** A control plane on its own database, a first tenant, the change events and a SQL connection. */
export interface ControlPlaneFixture {
  db: TestDatabase;
  cp: ControlPlane;
  operator: ApiClient;
  tenant: Tenant;
  changes: EventLog;
  sql: Client;
  close(): Promise<void>;
}

export async function startControlPlaneFixture(config: MqcConfig): Promise<ControlPlaneFixture> {
  const db = await createTestDatabase();
  const cp = await startControlPlane(config, db.url, 0);
  const operator = new ApiClient(cp.url, config.operatorToken);
  const tenant = await newTenant(operator);
  const changes = await listenToChanges(config.redisUrl, config.redisPrefix);
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  return {
    db,
    cp,
    operator,
    tenant,
    changes,
    sql,
    async close() {
      await sql.end();
      await changes.close();
      await cp.close();
      await db.drop();
    },
  };
}
