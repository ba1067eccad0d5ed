import { writeFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { connectClient, newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import {
  instanceCaFromDatabase,
  issueWithOpenssl,
  mosquittoPub,
  mosquittoSub,
  openssl,
  opensslCa,
  scratch,
  serialOf,
  type IssuedFiles,
  type OpensslCa,
  type Scratch,
  DAY,
  NOT_AUTHORISED,
  withClientCert,
} from '../support/x509';


interface DeviceCertificate {
  serialNumber: string;
  clientId: string;
  status: string;
  origin: string;
  caCertificateId: string | null;
  revokedAt: string | null;
}

interface Problem {
  status: number;
  code: string;
  detail: string;
}

describe('the device certificate registry: by API, just in time, revocation and the CRL', () => {
  const config = testConfig();
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let tmp: Scratch;
  let osl: OpensslCa;
  let port: number;
  let caFile: string;
  let fleetCaId: string;
  const clients: MqttClient[] = [];

  const certs = (suffix = '') => `/v1/instances/${instance.id}/device-certificates${suffix}`;
  const withCert = (files: { certFile: string; keyFile: string }) => withClientCert(caFile, files);
  const pub = (files: IssuedFiles, clientId: string) => mosquittoPub(port, withCert(files), ['-i', clientId, '-q', '1']);
  const registerCert = (files: IssuedFiles, status?: string) => tenant.post<DeviceCertificate & Problem>(certs(), { certificate: files.certPem, ...(status ? { status } : {}) });
  const setStatus = (files: IssuedFiles, status: string) => tenant.request<DeviceCertificate & Problem>('PATCH', certs(`/${serialOf(files.certPem)}`), { status });
  const x509 = async (body: Record<string, unknown>) => expect((await tenant.request('PUT', `/v1/instances/${instance.id}/x509`, body)).status).toBe(200);

  /** Registers an openssl-made root CA with the API's proof of possession; answers its id. */
  async function registerCa(name: string, autoRegistration: boolean): Promise<string> {
    issueWithOpenssl(tmp, osl, name, { cn: `${name} Root`, profile: 'ca', to: new Date(Date.now() + 365 * DAY) });
    const code = (await tenant.post<{ registrationCode: string }>(`/v1/instances/${instance.id}/ca-certificates/registration-code`)).body.registrationCode;
    const verification = issueWithOpenssl(tmp, osl, `${name}-verification`, { cn: code, issuer: name });
    const created = await tenant.post<{ id: string }>(`/v1/instances/${instance.id}/ca-certificates`, {
      certificate: tmp.read(`${name}.pem`),
      verificationCertificate: verification.certPem,
      autoRegistration,
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'x509-registry', 'professional');
    port = portOf(instance.endpoints!.mqtts);
    expect((await tenant.post(`/v1/instances/${instance.id}/authenticators`, { type: 'x509', config: {} })).status).toBe(201);
    tmp = scratch();
    osl = opensslCa(tmp);
    caFile = tmp.write('server-ca.pem', (await tenant.get<string>(`/v1/instances/${instance.id}/ca.pem`)).body);
    const instanceCa = await instanceCaFromDatabase(db.url, config.masterKey, instance.id);
    writeFileSync(tmp.path('instance-ca.pem'), instanceCa.certPem);
    writeFileSync(tmp.path('instance-ca.key'), instanceCa.keyPem);
    await x509({ mode: 'BYOC' });
    fleetCaId = await registerCa('fleet-ca', false);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await stack?.close();
    await db?.drop();
    tmp?.remove();
  });

  it('BYOC: a certificate registered by API lets its device in with its CN as client id; unregistered, inactive, pending and revoked certificates and another client id are refused', async () => {
    const meter1 = issueWithOpenssl(tmp, osl, 'meter-1', { cn: 'meter-1', issuer: 'fleet-ca' });
    await eventually(async () => expect((await pub(meter1, 'meter-1')).output).toMatch(NOT_AUTHORISED), 5_000);

    const registered = await registerCert(meter1);
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ serialNumber: serialOf(meter1.certPem), clientId: 'meter-1', status: 'ACTIVE', origin: 'API', caCertificateId: fleetCaId });
    const ok = await pub(meter1, 'meter-1');
    expect(ok.output).toMatch(/received CONNACK \(0\)/);
    expect(ok.code).toBe(0);
    expect((await pub(meter1, 'meter-2')).output).toMatch(NOT_AUTHORISED);
    const mqttjs = await connectClient(instance.endpoints!.mqtts, { clientId: 'meter-1', ca: tmp.read('server-ca.pem'), cert: meter1.certPem, key: meter1.keyPem, protocolVersion: 5 });
    await mqttjs.endAsync();

    const meter3 = issueWithOpenssl(tmp, osl, 'meter-3', { cn: 'meter-3', issuer: 'fleet-ca' });
    expect((await registerCert(meter3, 'INACTIVE')).body.status).toBe('INACTIVE');
    expect((await pub(meter3, 'meter-3')).output).toMatch(NOT_AUTHORISED);
    expect((await setStatus(meter3, 'ACTIVE')).body.status).toBe('ACTIVE');
    expect((await pub(meter3, 'meter-3')).code).toBe(0);

    const meter4 = issueWithOpenssl(tmp, osl, 'meter-4', { cn: 'meter-4', issuer: 'fleet-ca' });
    expect((await registerCert(meter4, 'PENDING_ACTIVATION')).body.status).toBe('PENDING_ACTIVATION');
    expect((await pub(meter4, 'meter-4')).output).toMatch(NOT_AUTHORISED);

    const revoked = await setStatus(meter3, 'REVOKED');
    expect(revoked.body).toMatchObject({ status: 'REVOKED' });
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await pub(meter3, 'meter-3')).output).toMatch(NOT_AUTHORISED);
    expect((await setStatus(meter3, 'ACTIVE')).body).toMatchObject({ status: 409, code: 'certificate-revoked' });
    expect((await tenant.delete<Problem>(certs(`/${serialOf(meter3.certPem)}`))).body).toMatchObject({ status: 409, code: 'certificate-revoked' });
  });

  it('refuses to register what the instance does not trust, twice the same certificate, or on a basic instance; another tenant sees 404', async () => {
    issueWithOpenssl(tmp, osl, 'stranger-ca', { cn: 'Stranger Root', profile: 'ca', to: new Date(Date.now() + 365 * DAY) });
    const stranger = issueWithOpenssl(tmp, osl, 'stranger-1', { cn: 'stranger-1', issuer: 'stranger-ca' });
    expect((await registerCert(stranger)).body).toMatchObject({ status: 422, code: 'certificate-not-from-registered-ca' });
    const expired = issueWithOpenssl(tmp, osl, 'old-1', { cn: 'old-1', issuer: 'fleet-ca', from: new Date(Date.now() - 9 * DAY), to: new Date(Date.now() - DAY) });
    expect((await registerCert(expired)).body).toMatchObject({ status: 422, code: 'certificate-expired' });
    const meter1 = { certPem: tmp.read('meter-1.pem') } as IssuedFiles;
    expect((await registerCert(meter1)).body).toMatchObject({ status: 409, code: 'device-certificate-exists' });

    const basic = await tenant.post<{ id: string }>('/v1/instances', { name: 'basic-registry', edition: 'basic' });
    const refused = await tenant.post<Problem>(`/v1/instances/${basic.body.id}/device-certificates`, { certificate: meter1.certPem });
    expect(refused.body).toMatchObject({ status: 403, code: 'method-not-in-edition' });
    const other = await newTenant(stack, 'other');
    expect((await other.get(certs(`/${serialOf(meter1.certPem)}`))).status).toBe(404);
    expect((await other.get(`/v1/instances/${instance.id}/crl.pem`)).status).toBe(404);
  });

  it('revoking or deactivating a certificate disconnects the live client using it at once; other clients stay', async () => {
    const [sub1, live5, live6] = ['sub-1', 'live-5', 'live-6'].map((cn) => issueWithOpenssl(tmp, osl, cn, { cn, issuer: 'fleet-ca' }));
    for (const files of [sub1!, live5!, live6!]) expect((await registerCert(files)).status).toBe(201);
    const subscriber = mosquittoSub(port, withCert(sub1!), ['-i', 'sub-1', '-t', 'fleet/#', '-V', 'mqttv311']);
    await subscriber.subscribed;
    const bystander = await connectClient(instance.endpoints!.mqtts, { clientId: 'live-5', ca: tmp.read('server-ca.pem'), cert: live5!.certPem, key: live5!.keyPem });
    const v5 = await connectClient(instance.endpoints!.mqtts, { clientId: 'live-6', ca: tmp.read('server-ca.pem'), cert: live6!.certPem, key: live6!.keyPem, protocolVersion: 5 });
    clients.push(bystander, v5);

    expect((await setStatus(sub1!, 'REVOKED')).status).toBe(200);
    expect(await subscriber.exited).not.toBe(null);

    const kicked = new Promise<number | undefined>((resolve) => v5.once('disconnect', (packet) => resolve(packet.reasonCode)));
    expect((await setStatus(live6!, 'INACTIVE')).status).toBe(200);
    expect(await kicked).toBe(0x87);

    expect(bystander.connected).toBe(true);
    await bystander.publishAsync('fleet/live-5', 'still here', { qos: 1 });
  });

  it('just in time: a first connect from a CA with auto-registration registers the certificate ACTIVE (auto-activation) or PENDING_ACTIVATION (refused until activated); other CAs register nothing', async () => {
    await x509({ mode: 'BYOC', provisioning: 'JITP', autoActivate: true });
    const jitCaId = await registerCa('jit-ca', true);
    const jit1 = issueWithOpenssl(tmp, osl, 'jit-1', { cn: 'jit-1', issuer: 'jit-ca' });
    await eventually(async () => expect((await pub(jit1, 'jit-1')).code).toBe(0), 5_000);
    expect((await tenant.get<DeviceCertificate>(certs(`/${serialOf(jit1.certPem)}`))).body).toMatchObject({
      clientId: 'jit-1',
      status: 'ACTIVE',
      origin: 'JITP',
      caCertificateId: jitCaId,
    });

    // Registered on first sight, but bound to its CN: another client id is still refused.
    const jit2 = issueWithOpenssl(tmp, osl, 'jit-2', { cn: 'jit-2', issuer: 'jit-ca' });
    expect((await pub(jit2, 'someone-else')).output).toMatch(NOT_AUTHORISED);
    expect((await tenant.get<DeviceCertificate>(certs(`/${serialOf(jit2.certPem)}`))).body.status).toBe('ACTIVE');

    const noAuto = issueWithOpenssl(tmp, osl, 'no-auto-1', { cn: 'no-auto-1', issuer: 'fleet-ca' });
    expect((await pub(noAuto, 'no-auto-1')).output).toMatch(NOT_AUTHORISED);
    expect((await tenant.get(certs(`/${serialOf(noAuto.certPem)}`))).status).toBe(404);

    await x509({ mode: 'BYOC', provisioning: 'JITP', autoActivate: false });
    const jit3 = issueWithOpenssl(tmp, osl, 'jit-3', { cn: 'jit-3', issuer: 'jit-ca' });
    expect((await pub(jit3, 'jit-3')).output).toMatch(NOT_AUTHORISED);
    expect((await tenant.get<DeviceCertificate>(certs(`/${serialOf(jit3.certPem)}`))).body).toMatchObject({ status: 'PENDING_ACTIVATION', origin: 'JITP' });
    expect((await pub(jit3, 'jit-3')).output).toMatch(NOT_AUTHORISED);
    expect((await setStatus(jit3, 'ACTIVE')).status).toBe(200);
    expect((await pub(jit3, 'jit-3')).code).toBe(0);

    const pending = await tenant.get<{ items: DeviceCertificate[] }>(certs('?status=ACTIVE&clientId=jit-3'));
    expect(pending.body.items.map((c) => c.clientId)).toEqual(['jit-3']);
  });

  it('does not throttle a source whose verified certificates are refused: certificate refusals are not password guesses', async () => {
    await x509({ mode: 'BYOC', provisioning: 'JITP', autoActivate: false });
    const waiting = issueWithOpenssl(tmp, osl, 'jit-wait', { cn: 'jit-wait', issuer: 'jit-ca' });
    // More refusals from 127.0.0.1 than the failed-CONNECT throttle allows a password guesser (10).
    for (let i = 0; i < 12; i++) expect((await pub(waiting, 'jit-wait')).output).toMatch(NOT_AUTHORISED);
    expect((await setStatus(waiting, 'ACTIVE')).status).toBe(200);
    expect((await pub(waiting, 'jit-wait')).code).toBe(0);
  });

  it('publishes the revocations of instance-CA certificates in a CRL signed by the instance CA, which openssl applies', async () => {
    const own = issueWithOpenssl(tmp, osl, 'own-1', { cn: 'own-1', issuer: 'instance-ca' });
    const registered = await registerCert(own);
    expect(registered.body).toMatchObject({ status: 'ACTIVE', caCertificateId: null });
    expect((await pub(own, 'own-1')).code).toBe(0);

    const before = await tenant.get<string>(`/v1/instances/${instance.id}/crl.pem`);
    expect(before.status).toBe(200);
    expect(before.body).toMatch(/^-----BEGIN X509 CRL-----/);
    const beforeFile = tmp.write('before.crl', before.body);
    expect(openssl(['crl', '-in', beforeFile, '-noout', '-CAfile', tmp.path('instance-ca.pem')])).toBe('');
    expect(openssl(['verify', '-crl_check', '-CAfile', tmp.path('instance-ca.pem'), '-CRLfile', beforeFile, own.certFile])).toContain(': OK');

    expect((await setStatus(own, 'REVOKED')).status).toBe(200);
    expect((await pub(own, 'own-1')).output).toMatch(NOT_AUTHORISED);
    const after = await tenant.get<string>(`/v1/instances/${instance.id}/crl.pem`);
    const afterFile = tmp.write('after.crl', after.body);
    const text = openssl(['crl', '-in', afterFile, '-noout', '-text', '-CAfile', tmp.path('instance-ca.pem')]);
    expect(text).toContain(`Serial Number: ${serialOf(own.certPem)}`);
    // Revocations of registered-CA certificates are not the instance CA's to sign.
    expect(text).not.toContain(`Serial Number: ${serialOf(tmp.read('sub-1.pem'))}`);
    const number = (crl: string) => Number(/X509v3 CRL Number:\s+(\d+)/.exec(openssl(['crl', '-in', tmp.write('n.crl', crl), '-noout', '-text']))![1]);
    expect(number(after.body)).toBeGreaterThan(number(before.body));
    const verify = await new Promise<string>((resolve) => {
      try {
        openssl(['verify', '-crl_check', '-CAfile', tmp.path('instance-ca.pem'), '-CRLfile', afterFile, own.certFile]);
        resolve('verified');
      } catch (error) {
        resolve((error as Error).message);
      }
    });
    expect(verify).toMatch(/certificate revoked/);
  });
});
