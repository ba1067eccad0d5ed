import { connect as tlsConnect } from 'node:tls';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { connectClient, newTenant, nextMessage, runningInstance, type InstanceView } from '../support/instances';

interface Bundle {
  caCertificate: string;
  certificates: { clientId: string; serialNumber: string; certificate: string; privateKey?: string }[];
}

interface Endpoints {
  mqtt: string;
  mqtts: string;
  ws: string;
  wss: string;
}

/** The CONNACK code mqtt.js reports for a refused CONNECT (0 when accepted). */
async function refusal(url: string, options: Parameters<typeof connectClient>[1]): Promise<number | undefined> {
  try {
    const client = await connectClient(url, options);
    await client.endAsync();
    return 0;
  } catch (error) {
    return (error as { code?: number }).code;
  }
}

describe('issue 15: MQTT over secure WebSocket (wss) on the mqtts port, and client certificates on basic', () => {
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let endpoints: Endpoints;
  let ca: string;
  const password = { username: 'sensor-1', password: 's3cret-pw' };
  const clients: MqttClient[] = [];
  const client = async (url: string, options: Parameters<typeof connectClient>[1]) => {
    const connected = await connectClient(url, options);
    clients.push(connected);
    return connected;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(testConfig(), db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'secure-ws', 'basic');
    endpoints = instance.endpoints as unknown as Endpoints;
    expect((await tenant.post(`/v1/instances/${instance.id}/authenticators`, { type: 'x509', config: { identityFrom: 'cn', as: 'clientid' } })).status).toBe(201);
    expect((await tenant.post(`/v1/instances/${instance.id}/authenticators`, { type: 'built-in-database', config: {} })).status).toBe(201);
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: password.username, password: password.password })).status).toBe(201);
    ca = (await tenant.get<string>(`/v1/instances/${instance.id}/ca.pem`)).body;
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await stack?.close();
    await db?.drop();
  });

  it('shows a wss endpoint on the mqtts port', () => {
    const mqtts = new URL(endpoints.mqtts);
    const wss = new URL(endpoints.wss);
    expect(wss.protocol).toBe('wss:');
    expect(wss.port).toBe(mqtts.port);
    expect(wss.pathname).toBe('/mqtt');
  });

  it('carries MQTT 3.1.1 and 5.0 over wss with mqtt.js verifying the server against the instance CA, to and from mqtt and mqtts clients', async () => {
    for (const protocolVersion of [4, 5] as const) {
      const overWss = await eventually(() => client(endpoints.wss, { ...password, protocolVersion, ca, rejectUnauthorized: true }), 10_000, 200);
      await overWss.subscribeAsync('plant/#', { qos: 1 });
      const overTcp = await client(endpoints.mqtt, password);
      const received = nextMessage(overWss);
      await overTcp.publishAsync('plant/temp', `21.5 v${protocolVersion}`, { qos: 1 });
      expect(await received).toEqual({ topic: 'plant/temp', payload: `21.5 v${protocolVersion}` });

      const overMqtts = await client(endpoints.mqtts, { ...password, ca, rejectUnauthorized: true });
      await overMqtts.subscribeAsync('back/#', { qos: 1 });
      const back = nextMessage(overMqtts);
      await overWss.publishAsync('back/ack', 'ok', { qos: 1 });
      expect(await back).toEqual({ topic: 'back/ack', payload: 'ok' });
    }
    // mqtt.js refuses a server it cannot verify: the instance CA is what makes wss trusted.
    await expect(connectClient(endpoints.wss, { ...password, rejectUnauthorized: true })).rejects.toThrow();
  });

  it('answers an HTTP request on the TLS port that is not a WebSocket upgrade with 426', async () => {
    const { hostname, port } = new URL(endpoints.mqtts);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: hostname, port: Number(port), ca, servername: 'localhost' }, () => socket.write('GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 426/);
  });

  it('basic: issues client certificates from the instance CA (counted by the edition), and mTLS admits them over mqtts and wss', async () => {
    expect((await tenant.get<{ items: { quotas: { deviceCertificates: number } }[] }>('/v1/editions')).body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'basic', quotas: expect.objectContaining({ deviceCertificates: 100 }) })]),
    );
    const accepted = await tenant.post<{ jobId: string }>(`/v1/instances/${instance.id}/device-certificates/issue`, { clientIds: ['device-1'] });
    expect(accepted.status).toBe(202);
    await eventually(async () => expect((await tenant.get<{ status: string }>(`/v1/jobs/${accepted.body.jobId}`)).body.status).toBe('SUCCEEDED'), 60_000, 100);
    const bundle = (await tenant.get<Bundle>(`/v1/jobs/${accepted.body.jobId}/result`)).body;
    const device = bundle.certificates[0]!;
    const credentials = { ca, cert: device.certificate, key: device.privateKey!, rejectUnauthorized: true };

    expect((await tenant.request('PUT', `/v1/instances/${instance.id}/x509`, { mode: 'mTLS' })).status).toBe(200);
    // The mode reaches the listener within a second: a client without a certificate is then refused (5.0: 0x87), over wss too.
    await eventually(async () => expect(await refusal(endpoints.wss, { ...password, ca, protocolVersion: 5 })).toBe(0x87), 10_000, 200);
    expect(await refusal(endpoints.mqtts, { ...password, ca, protocolVersion: 5 })).toBe(0x87);

    for (const url of [endpoints.mqtts, endpoints.wss]) {
      const admitted = await client(url, { clientId: 'device-1', protocolVersion: 5, ...credentials });
      expect(admitted.connected).toBe(true);
      await admitted.endAsync();
    }
    // The certificate's CN is the client id: another id is refused.
    expect(await refusal(endpoints.wss, { clientId: 'device-2', protocolVersion: 5, ...credentials })).toBe(0x87);
  });
});
