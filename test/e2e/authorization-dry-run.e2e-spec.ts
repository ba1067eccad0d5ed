import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { setAuthorizationPolicy } from '../support/authorization';
import { httpAuthorizerConfig, startHttpAuthzService, type HttpAuthzService } from '../support/http-authz-service';
import { newTenant, runningInstance } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

interface DryRun {
  decision: 'allow' | 'deny';
  by: { authorizerId: string; type: string; ruleId?: string } | null;
  reason: string;
  evaluatedBy: 'broker' | 'control-plane';
  notEvaluated: { authorizerId: string; type: string; reason: string }[];
}

describe('authorization: the dry run is evaluated by the broker node serving the instance', () => {
  const config = testConfig({ outboundAllow: ['127.0.0.1'] });
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let service: HttpAuthzService;

  /** A running professional instance (noMatch deny) whose only authorizer is http; its id and the authorizer's. */
  async function instanceWithHttpAuthorizer(name: string): Promise<{ instance: string; authorizer: string }> {
    const instance = await runningInstance(tenant, name, 'professional');
    await setAuthorizationPolicy(db.url, instance.id, 'deny');
    const created = await tenant.post<{ id: string }>(`/v1/instances/${instance.id}/authorizers`, { type: 'http', config: httpAuthorizerConfig(service.url, service.apiKey), enabled: true });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { instance: instance.id, authorizer: created.body.id };
  }

  const check = (instance: string, body: Record<string, unknown>) => tenant.post<DryRun>(`/v1/instances/${instance}/authorization/check`, body);

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url, { broker: { resyncIntervalMs: 250, fullSweepIntervalMs: 250 } });
    tenant = await newTenant(stack);
    service = await startHttpAuthzService();
  });

  afterAll(async () => {
    await service?.close();
    await stack?.close();
    await db?.drop();
  });

  it("returns the http authorizer's decision, asked by the broker with the dry run's client, topic and action", async () => {
    const { instance, authorizer } = await instanceWithHttpAuthorizer('dry-run-http');
    // Until the broker has loaded the authorizer, its empty chain answers with noMatch deny.
    const allowed = await eventually(async () => {
      const answer = await check(instance, { clientId: 'meter-1', action: 'publish', topic: 'allowed/meter-1' });
      expect(answer.status).toBe(200);
      expect(answer.body.by).not.toBeNull();
      return answer.body;
    }, 10_000, 100);
    expect(allowed).toMatchObject({ decision: 'allow', by: { authorizerId: authorizer, type: 'http' }, evaluatedBy: 'broker', notEvaluated: [] });
    expect(service.questions).toContainEqual(expect.objectContaining({ clientid: 'meter-1', topic: 'allowed/meter-1', action: 'publish' }));

    const denied = await check(instance, { clientId: 'meter-1', action: 'subscribe', topic: 'denied/#', qos: 1 });
    expect(denied.body).toMatchObject({ decision: 'deny', by: { authorizerId: authorizer, type: 'http' }, evaluatedBy: 'broker', notEvaluated: [] });
    expect(service.questions).toContainEqual(expect.objectContaining({ clientid: 'meter-1', topic: 'denied/#', action: 'subscribe', qos: '1' }));

    // `ignore` falls through to the instance's noMatch deny.
    const ignored = await check(instance, { clientId: 'meter-1', action: 'publish', topic: 'ignored/x' });
    expect(ignored.body).toMatchObject({ decision: 'deny', by: null, evaluatedBy: 'broker' });
  });

  it('falls back to the control plane, naming the http authorizer it did not call, when no node serves the instance', async () => {
    const { instance, authorizer } = await instanceWithHttpAuthorizer('dry-run-unserved');
    // The instance is placed on a node that does not run: the real node stops serving it at its next resync.
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const node = await pg.query<{ id: string }>(`INSERT INTO broker_nodes (name, started_at, last_seen_at) VALUES ('gone-node', now(), now()) RETURNING id`);
      await pg.query('UPDATE instances SET node_id = $2 WHERE id = $1', [instance, node.rows[0]!.id]);
    } finally {
      await pg.end();
    }
    await eventually(() => expect(stack.broker.supervisor.brokerOf(instance)).toBeUndefined(), 10_000, 50);
    const asked = service.questions.length;
    const answer = await check(instance, { clientId: 'meter-1', action: 'publish', topic: 'allowed/meter-1' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      decision: 'deny',
      by: null,
      evaluatedBy: 'control-plane',
      notEvaluated: [{ authorizerId: authorizer, type: 'http', reason: expect.stringContaining('no broker node answered') }],
    });
    expect(service.questions.length).toBe(asked);
  });
});
