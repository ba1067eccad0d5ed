import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { foldChain, compileRules, compiledRulesSource } from '@mqc/auth';
import { InstanceEntity, TenantEntity, createDataSource } from '@mqc/db';
import { createLogger } from '@mqc/observability';
import { createTestDatabase, type TestDatabase } from '@mqc/testing';
import { authorizationFingerprint, loadAuthorization } from './load-authorization';

const logger = createLogger('broker', 'silent');

describe('loadAuthorization: the enabled authorizers in order, the rules, the policy, and the fingerprint', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let instanceId: string;

  const addAuthorizer = async (type: string, position: number, enabled = true): Promise<string> =>
    ((await dataSource.query(`INSERT INTO authorizers (instance_id, type, config, enabled, position) VALUES ($1, $2, '{}', $3, $4) RETURNING id`, [instanceId, type, enabled, position])) as { id: string }[])[0].id;
  const addRule = async (position: number, permission: string, topic: string, extra: { qos?: number[]; clientId?: string } = {}): Promise<string> =>
    ((await dataSource.query(`INSERT INTO acl_rules (instance_id, position, permission, action, topic, qos, client_id) VALUES ($1, $2, $3, 'all', $4, $5, $6) RETURNING id`, [instanceId, position, permission, topic, extra.qos ?? null, extra.clientId ?? null])) as { id: string }[])[0].id;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource({ url: db.url, poolSize: 2 });
    await dataSource.initialize();
    const tenantId = (await dataSource.getRepository(TenantEntity).save({ name: 't' })).id;
    instanceId = (await dataSource.getRepository(InstanceEntity).save({ tenantId, name: 'i', edition: 'professional', status: 'RUNNING', statusReason: null })).id;
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('a new instance denies what no rule decides; the chain, rules and policy load in order', async () => {
    const empty = await loadAuthorization(dataSource, instanceId, logger);
    expect(empty.authorization).toMatchObject({ authorizers: [], rules: [], noMatch: 'deny', denyAction: 'ignore' });
    const info = await addAuthorizer('client-info', 2);
    await addAuthorizer('built-in-database', 3, false);
    const builtIn = await addAuthorizer('built-in-database', 1);
    const second = await addRule(2, 'allow', 'devices/${clientid}/#', { qos: [0, 1] });
    const first = await addRule(1, 'deny', 'devices/d1/secret', { clientId: 'd1' });
    const { authorization, fingerprint } = await loadAuthorization(dataSource, instanceId, logger);
    expect(authorization.authorizers).toEqual([{ id: builtIn, type: 'built-in-database' }, { id: info, type: 'client-info' }]);
    expect(authorization.rules).toEqual([
      { id: first, permission: 'deny', action: 'all', topic: 'devices/d1/secret', clientId: 'd1' },
      { id: second, permission: 'allow', action: 'all', topic: 'devices/${clientid}/#', qos: [0, 1] },
    ]);
    expect(fingerprint).toBe(await authorizationFingerprint(dataSource, instanceId));
    // The rules as stored compile and decide as the engine says.
    const source = compiledRulesSource(builtIn, compileRules(authorization.rules, { clientId: 'd1' }));
    const check = (topic: string) => foldChain([source], { action: 'publish', topic, qos: 0, retain: false }, { noMatch: 'deny', superuser: false }).decision;
    expect([check('devices/d1/secret'), check('devices/d1/state'), check('devices/d2/state')]).toEqual(['deny', 'allow', 'deny']);
  });

  it('every rule, authorizer or policy change moves the fingerprint (what the resync compares)', async () => {
    const prints = [await authorizationFingerprint(dataSource, instanceId)];
    await dataSource.query(`UPDATE acl_rules SET topic = 'devices/+/secret' WHERE instance_id = $1 AND position = 1`, [instanceId]);
    prints.push(await authorizationFingerprint(dataSource, instanceId));
    await dataSource.query(`UPDATE acl_rules SET qos = '{0}' WHERE instance_id = $1 AND position = 2`, [instanceId]);
    prints.push(await authorizationFingerprint(dataSource, instanceId));
    await dataSource.query(`UPDATE authorizers SET enabled = NOT enabled WHERE instance_id = $1 AND position = 3`, [instanceId]);
    prints.push(await authorizationFingerprint(dataSource, instanceId));
    await dataSource.query(`UPDATE instances SET authorization_no_match = 'allow' WHERE id = $1`, [instanceId]);
    prints.push(await authorizationFingerprint(dataSource, instanceId));
    await dataSource.query(`UPDATE instances SET authorization_deny_action = 'disconnect' WHERE id = $1`, [instanceId]);
    prints.push(await authorizationFingerprint(dataSource, instanceId));
    expect(new Set(prints).size).toBe(prints.length);
    expect((await loadAuthorization(dataSource, instanceId, logger)).authorization).toMatchObject({ noMatch: 'allow', denyAction: 'disconnect' });
  });

  it('an authorizer this broker cannot run is kept and fails closed; one outside the edition is skipped', async () => {
    await dataSource.query('DELETE FROM authorizers WHERE instance_id = $1', [instanceId]);
    const unknown = await addAuthorizer('mystery', 1);
    await dataSource.query(`UPDATE instances SET edition = 'basic' WHERE id = $1`, [instanceId]);
    await addAuthorizer('client-info', 2);
    const { authorization } = await loadAuthorization(dataSource, instanceId, logger);
    expect(authorization.authorizers.map((a) => a.id)).toEqual([unknown]);
    const backend = authorization.authorizers[0];
    if (backend.type !== 'backend') throw new Error('expected a failing backend authorizer');
    const source = backend.source({ clientId: 'c' });
    const verdict = source.sync ? foldChain([source], { action: 'subscribe', topic: 'a', qos: 0, retain: false }, { noMatch: 'allow', superuser: false }) : undefined;
    expect(verdict).toMatchObject({ decision: 'deny', by: { authorizerId: unknown } });
  });

  it('refuses an instance that is gone, naming it', async () => {
    await expect(loadAuthorization(dataSource, '00000000-0000-4000-8000-000000000000', logger)).rejects.toThrow('instance 00000000-0000-4000-8000-000000000000 is gone');
  });
});
