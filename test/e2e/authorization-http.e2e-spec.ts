import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { setPolicy } from '../support/auth';
import { grant, setAuthorizationPolicy } from '../support/authorization';
import { httpAuthorizerConfig, startHttpAuthzService, type HttpAuthzService } from '../support/http-authz-service';
import { connectClient, newTenant, runningInstance } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

describe('authorization: the http authorizer with real clients and a real service', () => {
  const config = testConfig({ outboundAllow: ['127.0.0.1'] });
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let service: HttpAuthzService;
  const clients: MqttClient[] = [];

  const client = async (url: string, options: Parameters<typeof connectClient>[1]) => {
    const connected = await connectClient(url, options);
    clients.push(connected);
    return connected;
  };

  /** A professional instance whose only authorizer is http (added through the API, its key sealed). */
  async function instanceWithHttpAuthorizer(name: string, url: string, cacheTtlSeconds = 0, noMatch: 'allow' | 'deny' = 'deny'): Promise<string> {
    const instance = await runningInstance(tenant, name, 'professional');
    await setPolicy(tenant, instance.id, 'allow', 'deny');
    await setAuthorizationPolicy(db.url, instance.id, noMatch);
    const created = await tenant.post<{ id: string }>(`/v1/instances/${instance.id}/authorizers`, { type: 'http', config: httpAuthorizerConfig(url, service.apiKey, cacheTtlSeconds), enabled: true });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return instance.endpoints!.mqtt;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    service = await startHttpAuthzService();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await service?.close();
    await stack?.close();
    await db?.drop();
  });

  it('the contract: allowed topics are delivered, a denied PUBLISH gets PUBACK 0x87 (5.0), a denied SUBSCRIBE SUBACK 0x87 / 0x80, a denied receiver gets nothing', async () => {
    const url = await instanceWithHttpAuthorizer('http-contract', service.url, 60);
    const reader = await client(url, { clientId: 'reader', protocolVersion: 5 });
    // Until the broker loads the authorizer, noMatch deny refuses everything.
    await eventually(async () => expect(await grant(reader, 'allowed/#')).toBe(1), 10_000, 100);
    expect(await grant(reader, 'denied/#')).toBe(0x87);
    expect(await grant(reader, 'ignored/#')).toBe(0x87); // ignore falls through to noMatch deny
    expect(await grant(reader, 'secret/#')).toBe(0x87);
    const reader311 = await client(url, { clientId: 'reader-311', protocolVersion: 4 });
    expect(await grant(reader311, 'denied/#')).toBe(0x80);
    expect(await grant(reader, '#')).toBe(1);

    const received: string[] = [];
    reader.on('message', (topic) => received.push(topic));
    const writer = await client(url, { clientId: 'writer', protocolVersion: 5 });
    await expect(writer.publishAsync('denied/cmd', 'x', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
    // `secret/…` may be published but not received: the wide subscription `#` must not leak it.
    await writer.publishAsync('secret/plans', 'x', { qos: 1 });
    await writer.publishAsync('allowed/state', 'on', { qos: 1 });
    await eventually(() => expect(received).toContain('allowed/state'), 10_000, 20);
    expect(received).toEqual(['allowed/state']);
    // 3.1.1: a denied QoS 1 PUBLISH is acknowledged and dropped.
    const writer311 = await client(url, { clientId: 'writer-311', protocolVersion: 4 });
    await writer311.publishAsync('denied/cmd', 'x', { qos: 1 });
    await writer311.publishAsync('allowed/after', 'x', { qos: 1 });
    await eventually(() => expect(received).toContain('allowed/after'), 10_000, 20);
    expect(received).toEqual(['allowed/state', 'allowed/after']);

    // The will: asked at CONNECT and again when sent; a denied one never goes out.
    const deniedWill = await client(url, { clientId: 'willer-1', protocolVersion: 5, will: { topic: 'denied/will', payload: Buffer.from('x'), qos: 1, retain: false } });
    deniedWill.stream.destroy();
    const allowedWill = await client(url, { clientId: 'willer-2', protocolVersion: 5, will: { topic: 'allowed/will', payload: Buffer.from('bye'), qos: 1, retain: false } });
    allowedWill.stream.destroy();
    await eventually(() => expect(received).toContain('allowed/will'), 10_000, 20);
    expect(received).toEqual(['allowed/state', 'allowed/after', 'allowed/will']);

    // What the service was asked, placeholders rendered.
    expect(service.questions).toContainEqual({ clientid: 'writer', topic: 'secret/plans', action: 'publish', qos: '1', retain: 'false' });
    expect(service.questions).toContainEqual({ clientid: 'reader', topic: 'secret/plans', action: 'subscribe', qos: '1', retain: 'false' });
  });

  it("a client's messages keep their order through checks answered out of order", async () => {
    const url = await instanceWithHttpAuthorizer('http-order', service.url);
    const reader = await client(url, { clientId: 'order-reader', protocolVersion: 5 });
    await eventually(async () => expect(await grant(reader, 'fast/#')).toBe(1), 10_000, 100);
    expect(await grant(reader, 'slow/#')).toBe(1);
    const received: string[] = [];
    reader.on('message', (_topic, payload) => received.push(payload.toString()));
    const writer = await client(url, { clientId: 'order-writer', protocolVersion: 5 });
    // `slow/…` checks take 200 ms, `fast/…` ones none: sent back to back, QoS 0 and 1 mixed.
    const sent: string[] = [];
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      const topic = `${i % 3 === 0 ? 'slow' : 'fast'}/${i}`;
      sent.push(String(i));
      acks.push(writer.publishAsync(topic, String(i), { qos: i % 2 === 0 ? 0 : 1 }));
    }
    await Promise.all(acks);
    await eventually(() => expect(received).toHaveLength(sent.length), 10_000, 20);
    expect(received).toEqual(sent);
  });

  it('a service that goes down fails closed: SUBACK 0x87, PUBACK 0x87, whatever noMatch says', async () => {
    const failing = await startHttpAuthzService();
    const url = await instanceWithHttpAuthorizer('http-down', failing.url, 0, 'allow');
    const reader = await client(url, { clientId: 'down-reader', protocolVersion: 5 });
    const writer = await client(url, { clientId: 'down-writer', protocolVersion: 5 });
    // Once the broker runs the authorizer, the service is asked (`denied/…` refused: not noMatch allow).
    await eventually(async () => expect(await grant(reader, 'denied/#')).toBe(0x87), 10_000, 100);
    expect(await grant(reader, 'allowed/#')).toBe(1);
    await writer.publishAsync('allowed/x', 'x', { qos: 1 });
    await failing.close();
    expect(await grant(reader, 'allowed/other')).toBe(0x87);
    await expect(writer.publishAsync('allowed/y', 'x', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
    expect(reader.connected && writer.connected).toBe(true);
  });
});
