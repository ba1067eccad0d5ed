import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { connectClient, newTenant, nextMessage, portOf, runningInstance, type InstanceView } from '../support/instances';
import { mosquittoSubOnce } from '../support/raw-mqtt';

const run = promisify(execFile);

/** One TLS handshake with openssl s_client; stdin closed, so it ends right after. */
function sClient(port: number, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args]);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdin.end();
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('an instance\'s three transports, with independent clients', () => {
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let caFile: string;
  const clients: MqttClient[] = [];
  const credentials = { username: 'device-1', password: 'pa55word' };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(testConfig(), db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'transports');
    await tenant.post(`/v1/instances/${instance.id}/authenticators`, { type: 'built-in-database', config: {} });
    await tenant.post(`/v1/instances/${instance.id}/users`, { userId: credentials.username, password: credentials.password });
    const ca = await tenant.get<string>(`/v1/instances/${instance.id}/ca.pem`);
    expect(ca.status).toBe(200);
    expect(ca.body).toMatch(/^-----BEGIN CERTIFICATE-----/);
    caFile = join(mkdtempSync(join(tmpdir(), 'mqc-ca-')), 'ca.pem');
    writeFileSync(caFile, ca.body);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await stack?.close();
    await db?.drop();
  });

  it('delivers from mqtt.js over WebSocket to mosquitto_sub over TLS, verified with the instance CA', async () => {
    const sub = mosquittoSubOnce([
      '-h', '127.0.0.1', '-p', String(portOf(instance.endpoints!.mqtts)), '--cafile', caFile,
      '-u', credentials.username, '-P', credentials.password, '-t', 'line/+/state', '-q', '1', '-V', 'mqttv5',
    ], 10);
    await sub.ready;
    const publisher = await connectClient(instance.endpoints!.ws, { ...credentials, protocolVersion: 5 });
    clients.push(publisher);
    await publisher.publishAsync('line/4/state', 'running', { qos: 1 });
    expect(await sub.output).toContain('running');
  });

  it('delivers from mosquitto_pub over TLS to mqtt.js over TLS and over WebSocket (MQTT 3.1.1)', async () => {
    const tlsSubscriber = await connectClient(instance.endpoints!.mqtts, { ...credentials, ca: readFileSync(caFile), protocolVersion: 4 });
    const wsSubscriber = await connectClient(instance.endpoints!.ws, { ...credentials, protocolVersion: 4 });
    clients.push(tlsSubscriber, wsSubscriber);
    await tlsSubscriber.subscribeAsync('alarms/#', { qos: 1 });
    await wsSubscriber.subscribeAsync('alarms/#', { qos: 0 });
    const both = Promise.all([nextMessage(tlsSubscriber), nextMessage(wsSubscriber)]);
    await run('mosquitto_pub', [
      '-h', '127.0.0.1', '-p', String(portOf(instance.endpoints!.mqtts)), '--cafile', caFile,
      '-u', credentials.username, '-P', credentials.password, '-t', 'alarms/boiler', '-m', 'overheat', '-q', '1', '-V', 'mqttv311',
    ]);
    expect(await both).toEqual([
      { topic: 'alarms/boiler', payload: 'overheat' },
      { topic: 'alarms/boiler', payload: 'overheat' },
    ]);
  });

  it('refuses a TLS client that does not trust the instance CA', async () => {
    const refused = await run('mosquitto_pub', [
      '-h', '127.0.0.1', '-p', String(portOf(instance.endpoints!.mqtts)), '--cafile', '/etc/ssl/certs/ca-certificates.crt',
      '-u', credentials.username, '-P', credentials.password, '-t', 'x', '-m', 'y',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect((refused as { code: number }).code).not.toBe(0);
  });

  it('speaks TLS 1.2 and 1.3 with the intermediate ciphers only', async () => {
    const port = portOf(instance.endpoints!.mqtts);
    const tls13 = await sClient(port, ['-CAfile', caFile, '-tls1_3']);
    expect(tls13.output).toMatch(/New, TLSv1\.3, Cipher is TLS_/);
    expect(tls13.output).toMatch(/Verify return code: 0 \(ok\)/);
    const tls12 = await sClient(port, ['-CAfile', caFile, '-tls1_2']);
    expect(tls12.output).toMatch(/New, TLSv1\.2, Cipher is ECDHE-ECDSA-AES(128|256)-GCM-SHA(256|384)/);
    // The client is told to allow what the server must refuse.
    expect((await sClient(port, ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'])).output).not.toMatch(/New, TLSv1\.1/);
    expect((await sClient(port, ['-tls1_2', '-cipher', 'AES128-SHA'])).output).toMatch(/Cipher is \(NONE\)|handshake failure|no cipher/i);
  });

  it('reports the node\'s instances and clients on the broker\'s admin port and to the fleet view', async () => {
    const admin = `http://127.0.0.1:${stack.broker.adminPort}`;
    expect((await fetch(`${admin}/healthz`)).status).toBe(200);
    expect((await fetch(`${admin}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    expect(metrics).toMatch(/^mqc_broker_instances\{app="broker"\} 1$/m);
    expect(metrics).toMatch(/^mqc_broker_clients\{app="broker"\} [1-9]\d*$/m);
    await eventually(async () => {
      const nodes = await stack.operator.get<{ items: { id: string; status: string; instances: Record<string, { clients: number }> }[] }>('/v1/ops/nodes');
      const node = nodes.body.items.find((n) => n.id === stack.broker.nodeId)!;
      expect(node.status).toBe('ONLINE');
      expect(node.instances[instance.id]!.clients).toBeGreaterThan(0);
    });
  });

  it('closes the listeners when the instance is deleted', async () => {
    const deleted = await tenant.delete(`/v1/instances/${instance.id}`);
    expect(deleted.status).toBe(202);
    expect((deleted.body as { status: string }).status).toBe('DELETING');
    await eventually(async () => expect((await tenant.get(`/v1/instances/${instance.id}`)).status).toBe(404), 30_000);
    const refused = await new Promise<string>((resolve) => {
      const socket = connectTcp(portOf(instance.endpoints!.mqtt), '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
