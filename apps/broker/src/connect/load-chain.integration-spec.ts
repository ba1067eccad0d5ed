import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { ChainMetrics } from '@mqc/auth';
import { InstanceEntity, TenantEntity, createDataSource } from '@mqc/db';
import { SecretBox } from '@mqc/domain';
import { createLogger } from '@mqc/observability';
import { createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import type { AuthenticatorDeps } from './authenticator-factory';
import { chainFingerprint, loadChain } from './load-chain';

const metrics = { record: () => undefined } as unknown as ChainMetrics;

describe('loadChain: the chain with the fingerprint of what it was built from', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let instanceId: string;

  const deps = (source: DataSource): AuthenticatorDeps => ({ dataSource: source, secrets: new SecretBox(testConfig().masterKey), logger: createLogger('broker', 'silent'), outboundAllow: [] });
  const setAnonymous = (policy: 'allow' | 'deny') => dataSource.query('UPDATE instances SET anonymous_policy = $2 WHERE id = $1', [instanceId, policy]);

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource({ url: db.url, poolSize: 2 });
    await dataSource.initialize();
    const tenantId = (await dataSource.getRepository(TenantEntity).save({ name: 't' })).id;
    instanceId = (await dataSource.getRepository(InstanceEntity).save({ tenantId, name: 'i', edition: 'basic', status: 'RUNNING', statusReason: null })).id;
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('answers the instance row it built the chain with and the fingerprint the resync compares', async () => {
    await setAnonymous('allow');
    const loaded = await loadChain(instanceId, deps(dataSource), metrics);
    expect(loaded.instance.anonymousPolicy).toBe('allow');
    expect(loaded.chain.policy.anonymous).toBe('allow');
    expect(loaded.fingerprint).toBe(await chainFingerprint(dataSource, instanceId));
    await setAnonymous('deny');
    expect(await chainFingerprint(dataSource, instanceId)).not.toBe(loaded.fingerprint);
    await loaded.chain.close();
  });

  it('a change landing while the chain loads leaves a fingerprint that differs, so the next resync reloads', async () => {
    await setAnonymous('deny');
    // The instance row changes right after the loader's first query.
    let changed = false;
    const racing = new Proxy(dataSource, {
      get(target, property) {
        if (property === 'query') {
          return async (sql: string, parameters?: unknown[]) => {
            const rows: unknown = await target.query(sql, parameters);
            if (!changed) {
              changed = true;
              await setAnonymous('allow');
            }
            return rows;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const loaded = await loadChain(instanceId, deps(racing), metrics);
    expect(changed).toBe(true);
    expect(loaded.chain.policy.anonymous).toBe('allow');
    expect(loaded.fingerprint).not.toBe(await chainFingerprint(dataSource, instanceId));
    await loaded.chain.close();
  });

  it('refuses an instance that is gone, naming it', async () => {
    await expect(loadChain('00000000-0000-4000-8000-000000000000', deps(dataSource), metrics)).rejects.toThrow('instance 00000000-0000-4000-8000-000000000000 is gone');
  });
});
