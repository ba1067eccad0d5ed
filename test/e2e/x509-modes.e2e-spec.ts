import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobProducer, connectRedis } from '@mqc/queue';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { connectClient, newTenant, nextMessage, portOf, runningInstance, type InstanceView } from '../support/instances';
import {
  instanceCaFromDatabase,
  issueWithOpenssl,
  mosquittoPub,
  openssl,
  opensslCa,
  sClient,
  scratch,
  type IssuedFiles,
  type OpensslCa,
  type Scratch,
  DAY,
  NOT_AUTHORISED,
  withClientCert,
} from '../support/x509';


describe('X.509 modes of an instance TLS listener, with mosquitto and mqtt.js', () => {
  const config = testConfig();
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let tmp: Scratch;
  let osl: OpensslCa;
  let port: number;
  let caFile: string;
  let device: IssuedFiles;
  const password = { username: 'sensor-1', password: 's3cret-pw' };
  const clients: MqttClient[] = [];

  const setMode = async (body: Record<string, unknown>) => {
    const put = await tenant.request('PUT', `/v1/instances/${instance.id}/x509`, body);
    expect(put.status).toBe(200);
    return put;
  };
  const withCert = (files: { certFile: string; keyFile: string }) => withClientCert(caFile, files);

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'x509-modes', 'basic');
    port = portOf(instance.endpoints!.mqtts);
    // The certificate links first: a client with a certificate is judged by it, one without goes on to its password.
    expect((await tenant.post(`/v1/instances/${instance.id}/authenticators`, { type: 'x509', config: { identityFrom: 'cn', as: 'clientid' } })).status).toBe(201);
    expect((await tenant.post(`/v1/instances/${instance.id}/authenticators`, { type: 'built-in-database', config: {} })).status).toBe(201);
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: password.username, password: password.password })).status).toBe(201);

    tmp = scratch();
    osl = opensslCa(tmp);
    caFile = tmp.write('server-ca.pem', (await tenant.get<string>(`/v1/instances/${instance.id}/ca.pem`)).body);
    // Device certificates chained to the instance's own CA, signed by openssl with the CA key the platform holds.
    const instanceCa = await instanceCaFromDatabase(db.url, config.masterKey, instance.id);
    writeFileSync(tmp.path('instance-ca.pem'), instanceCa.certPem);
    writeFileSync(tmp.path('instance-ca.key'), instanceCa.keyPem);
    device = issueWithOpenssl(tmp, osl, 'device-1', { cn: 'device-1', issuer: 'instance-ca' });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await stack?.close();
    await db?.drop();
    tmp?.remove();
  });

  it('keeps the CA private key encrypted at rest and serves a server certificate naming every endpoint host', async () => {
    const raw = new Client({ connectionString: db.url });
    await raw.connect();
    const row = (await raw.query<{ ca_key_sealed: string; server_key_sealed: string }>('SELECT ca_key_sealed, server_key_sealed FROM instances WHERE id = $1', [instance.id])).rows[0]!;
    await raw.end();
    expect(row.ca_key_sealed).not.toMatch(/PRIVATE KEY/);
    expect(row.server_key_sealed).not.toMatch(/PRIVATE KEY/);

    const served = await sClient(port, ['-CAfile', caFile, '-verify_ip', '127.0.0.1', '-showcerts']);
    expect(served).toMatch(/Verify return code: 0 \(ok\)/);
    const serverPem = served.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0];
    const text = openssl(['x509', '-noout', '-ext', 'subjectAltName', '-in', tmp.write('served.pem', `${serverPem}\n`)]);
    expect(text).toContain('DNS:localhost');
    expect(text).toContain('IP Address:127.0.0.1');
    expect(text).toContain('IP Address:0:0:0:0:0:0:0:1');
    expect(await sClient(port, ['-CAfile', caFile, '-verify_hostname', 'localhost'])).toMatch(/Verify return code: 0 \(ok\)/);
  });

  it('TLS (the default): password clients connect without a certificate; a certificate, if sent, is not used', async () => {
    expect((await tenant.get(`/v1/instances/${instance.id}/x509`)).body).toEqual({ mode: 'TLS', provisioning: 'API', autoActivate: false });
    const ok = await mosquittoPub(port, { caFile }, ['-u', password.username, '-P', password.password]);
    expect(ok.output).toMatch(/received CONNACK \(0\)/);
    expect(ok.code).toBe(0);
    const certOnly = await mosquittoPub(port, withCert(device), ['-i', 'device-1']);
    expect(certOnly.output).toMatch(NOT_AUTHORISED);
    // Kept open across the switch to mTLS below.
    clients.push(await connectClient(instance.endpoints!.mqtts, { ...password, clientId: 'early-bird', ca: tmp.read('server-ca.pem') }));
  });

  it('refuses BYOC and JITP on a basic instance, naming the edition', async () => {
    for (const body of [{ mode: 'BYOC' }, { mode: 'mTLS', provisioning: 'JITP' }]) {
      const refused = await tenant.request<{ code: string; requiredEdition: string }>('PUT', `/v1/instances/${instance.id}/x509`, body);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'method-not-in-edition', requiredEdition: 'professional' });
    }
    const bad = await tenant.request<{ errors: { field: string }[] }>('PUT', `/v1/instances/${instance.id}/x509`, { mode: 'mtls' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0]!.field).toBe('mode');
  });

  it('mTLS: a certificate from the instance CA lets mosquitto_pub and mqtt.js in with its CN as client id, live, without dropping open connections', async () => {
    await setMode({ mode: 'mTLS' });
    await eventually(async () => {
      const run = await mosquittoPub(port, withCert(device), ['-i', 'device-1', '-q', '1']);
      expect(run.output).toMatch(/received CONNACK \(0\)/);
      expect(run.code).toBe(0);
    }, 5_000);

    const mqttjs = await connectClient(instance.endpoints!.mqtts, { clientId: 'device-1', ca: tmp.read('server-ca.pem'), cert: device.certPem, key: device.keyPem, protocolVersion: 5 });
    clients.push(mqttjs);
    // The connection opened in TLS mode is still there and still delivers.
    const early = clients[0]!;
    expect(early.connected).toBe(true);
    await early.subscribeAsync('x509/#', { qos: 1 });
    const received = nextMessage(early);
    await mqttjs.publishAsync('x509/state', 'from-device-1', { qos: 1 });
    expect(await received).toEqual({ topic: 'x509/state', payload: 'from-device-1' });
  });

  it('mTLS refuses with "not authorised": no certificate (whatever the password), a foreign CA, an expired certificate, a client id other than the CN', async () => {
    const noCert = await mosquittoPub(port, { caFile }, ['-u', password.username, '-P', password.password]);
    expect(noCert.output).toMatch(NOT_AUTHORISED);
    expect(noCert.code).not.toBe(0);

    issueWithOpenssl(tmp, osl, 'foreign-ca', { cn: 'Foreign Root', profile: 'ca', to: new Date(Date.now() + 365 * DAY) });
    const foreign = issueWithOpenssl(tmp, osl, 'foreign-device', { cn: 'device-1', issuer: 'foreign-ca' });
    expect((await mosquittoPub(port, withCert(foreign), ['-i', 'device-1'])).output).toMatch(NOT_AUTHORISED);

    const expired = issueWithOpenssl(tmp, osl, 'expired-device', { cn: 'device-1', issuer: 'instance-ca', from: new Date(Date.now() - 10 * DAY), to: new Date(Date.now() - DAY) });
    expect((await mosquittoPub(port, withCert(expired), ['-i', 'device-1'])).output).toMatch(NOT_AUTHORISED);

    expect((await mosquittoPub(port, withCert(device), ['-i', 'device-2'])).output).toMatch(NOT_AUTHORISED);

    // MQTT 5 clients are told why.
    const refusal = await connectClient(instance.endpoints!.mqtts, { clientId: 'device-1', ca: tmp.read('server-ca.pem'), cert: foreign.certPem, key: foreign.keyPem, protocolVersion: 5 }).catch(
      (e: { code?: number; message: string }) => e,
    );
    expect(refusal).toMatchObject({ code: 0x87 });
  });

  it('back to TLS: password clients without a certificate connect again', async () => {
    await setMode({ mode: 'TLS' });
    await eventually(async () => {
      const run = await mosquittoPub(port, { caFile }, ['-u', password.username, '-P', password.password]);
      expect(run.code).toBe(0);
    }, 5_000);
  });

  it('renews the server certificate before it expires: new handshakes get the new one, connected clients stay', async () => {
    const servedSerial = async () => {
      const served = await sClient(port, ['-CAfile', caFile, '-verify_ip', '127.0.0.1', '-showcerts']);
      expect(served).toMatch(/Verify return code: 0 \(ok\)/);
      return new X509Certificate(served.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0]).serialNumber;
    };
    const before = await servedSerial();
    const connected = await connectClient(instance.endpoints!.mqtts, { ...password, clientId: 'through-renewal', ca: tmp.read('server-ca.pem') });
    clients.push(connected);

    // The scheduler runs the job hourly with a 30-day window; this run counts every certificate as due.
    const redis = await connectRedis(config.redisUrl, 'x509-modes-spec');
    const producer = new JobProducer(redis, config.redisPrefix);
    await producer.enqueue('renew-server-certificates', { renewWithinDays: 400 });
    const after = await eventually(async () => {
      const serial = await servedSerial();
      expect(serial).not.toBe(before);
      return serial;
    }, 15_000, 200);
    await producer.close();
    await redis.quit();
    expect(after).not.toBe(before);

    expect(connected.connected).toBe(true);
    await connected.subscribeAsync('renewal/#', { qos: 1 });
    const received = nextMessage(connected);
    const run = await mosquittoPub(port, { caFile }, ['-u', password.username, '-P', password.password, '-t', 'renewal/done', '-m', 'new-cert', '-q', '1']);
    expect(run.code).toBe(0);
    expect(await received).toEqual({ topic: 'renewal/done', payload: 'new-cert' });
  });
});
