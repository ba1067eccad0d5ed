import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { serializeConfigSecrets } from '@mqc/auth';
import { InstanceEntity, TenantEntity, createDataSource } from '@mqc/db';
import { SECRET_CONTEXT, SecretBox } from '@mqc/domain';
import { createLogger } from '@mqc/observability';
import { createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { loadAuthorization } from '../connect/load-authorization';
import { DEFAULT_INSTANCE_LIMITS, InstanceBroker } from '../protocol/instance-broker';
import { connectClient } from '../protocol/testing/broker-fixture';
import { AuthorizerMetrics, reportAuthorizerMetrics } from './authorizer-metrics';

const logger = createLogger('broker', 'silent');

describe('authorizer metrics: what the connections asked, added to authorizer_metrics per node', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let instanceId: string;
  let nodeId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource({ url: db.url, poolSize: 2 });
    await dataSource.initialize();
    const tenantId = (await dataSource.getRepository(TenantEntity).save({ name: 't' })).id;
    instanceId = (await dataSource.getRepository(InstanceEntity).save({ tenantId, name: 'i', edition: 'basic', status: 'RUNNING', statusReason: null })).id;
    nodeId = ((await dataSource.query(`INSERT INTO broker_nodes (name, started_at, last_seen_at) VALUES ('n', now(), now()) RETURNING id`)) as { id: string }[])[0].id;
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('counts allow, deny and no-match answers and decision-cache hits per authorizer, summed over reports', async () => {
    const [{ id: authorizerId }] = (await dataSource.query(`INSERT INTO authorizers (instance_id, type, config, position) VALUES ($1, 'built-in-database', '{}', 1) RETURNING id`, [instanceId])) as { id: string }[];
    await dataSource.query(`INSERT INTO acl_rules (instance_id, position, permission, action, topic) VALUES ($1, 1, 'allow', 'subscribe', 'open/#'), ($1, 2, 'deny', 'subscribe', 'closed/#')`, [instanceId]);
    const metrics = new AuthorizerMetrics();
    const { authorization } = await loadAuthorization(dataSource, instanceId, logger, metrics);
    const broker = new InstanceBroker({ instanceId, limits: DEFAULT_INSTANCE_LIMITS, authenticate: () => Promise.resolve({ kind: 'allow', superuser: false }), authorization });
    const client = await connectClient(broker, 5, { clientId: 'c' });
    const filters = ['open/a', 'open/a', 'closed/a', 'elsewhere'];
    for (const [index, topic] of filters.entries()) {
      client.send({ cmd: 'subscribe', messageId: index + 1, subscriptions: [{ topic, qos: 0 }] });
      await client.expect('suback');
    }
    await reportAuthorizerMetrics(dataSource, metrics, nodeId, logger);
    client.send({ cmd: 'subscribe', messageId: 9, subscriptions: [{ topic: 'closed/b', qos: 0 }] });
    await client.expect('suback');
    await reportAuthorizerMetrics(dataSource, metrics, nodeId, logger);
    await broker.close();
    const rows = (await dataSource.query('SELECT total, allow, deny, no_match, error, cache_hits FROM authorizer_metrics WHERE authorizer_id = $1 AND node_id = $2', [authorizerId, nodeId])) as Record<string, string>[];
    expect(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])))).toEqual([{ total: 4, allow: 1, deny: 2, no_match: 1, error: 0, cache_hits: 1 }]);
  });

  it('an http authorizer loaded from its row (sealed header opened) asks its service; answers counted, asks timed', async () => {
    await dataSource.query('DELETE FROM authorizers WHERE instance_id = $1', [instanceId]);
    await dataSource.query(`UPDATE instances SET edition = 'professional' WHERE id = $1`, [instanceId]);
    const service = createServer((request, response) => {
      // Answers after a pause, so the ask takes measurable time; without the sealed key, 401.
      setTimeout(() => (request.headers['x-api-key'] === 'sealed-key' ? response.writeHead(204).end() : response.writeHead(401).end()), 20);
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}/acl`;
    const secrets = new SecretBox(testConfig().masterKey);
    const [{ id: authorizerId }] = (await dataSource.query(`INSERT INTO authorizers (instance_id, type, config, position) VALUES ($1, 'http', $2, 1) RETURNING id`, [
      instanceId,
      { url, headers: {}, body: { topic: '${topic}' }, cacheTtlSeconds: 60 },
    ])) as { id: string }[];
    const sealed = secrets.seal(serializeConfigSecrets([{ path: ['headers', 'x-api-key'], kind: 'value', value: 'sealed-key' }]), SECRET_CONTEXT.authorizerSecrets(authorizerId));
    await dataSource.query('UPDATE authorizers SET secrets_sealed = $2 WHERE id = $1', [authorizerId, sealed]);
    const metrics = new AuthorizerMetrics();
    const { authorization } = await loadAuthorization(dataSource, instanceId, logger, metrics, { secrets, outboundAllow: ['127.0.0.1'] });
    const broker = new InstanceBroker({ instanceId, limits: DEFAULT_INSTANCE_LIMITS, authenticate: () => Promise.resolve({ kind: 'allow', superuser: false }), authorization });
    const client = await connectClient(broker, 5, { clientId: 'h' });
    for (const messageId of [1, 2]) {
      client.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic: 'open/a', qos: 0 }] });
      expect(await client.expect('suback')).toMatchObject({ granted: [0] });
    }
    await reportAuthorizerMetrics(dataSource, metrics, nodeId, logger);
    await broker.close();
    await Promise.all(authorization.authorizers.map((a) => (a.type === 'backend' ? a.close?.() : undefined)));
    service.closeAllConnections();
    await new Promise((resolve) => service.close(resolve));
    const [row] = (await dataSource.query('SELECT total, allow, cache_hits, latency_ms_sum, latency_ms_max FROM authorizer_metrics WHERE authorizer_id = $1', [authorizerId])) as Record<string, string>[];
    expect({ total: Number(row?.total), allow: Number(row?.allow), cacheHits: Number(row?.cache_hits) }).toEqual({ total: 2, allow: 2, cacheHits: 1 });
    expect(Number(row?.latency_ms_max)).toBeGreaterThan(0);
    expect(Number(row?.latency_ms_sum)).toBe(Number(row?.latency_ms_max));
  });
});
