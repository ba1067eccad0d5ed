import { writeFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { connectClient, newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { instanceCaFromDatabase, issueWithOpenssl, mosquittoPub, opensslCa, scratch, type IssuedFiles, type OpensslCa, type Scratch, DAY,
  NOT_AUTHORISED,
  withClientCert,
} from '../support/x509';


interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

interface Ca {
  id: string;
  status: string;
  subject: string;
  fingerprint256: string;
  autoRegistration: boolean;
}

describe('one device one certificate: registered CAs made with openssl, trusted live by the TLS listener', () => {
  const config = testConfig();
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let tmp: Scratch;
  let osl: OpensslCa;
  let port: number;
  let caFile: string;
  let sql: Client;
  const clients: MqttClient[] = [];

  const path = (suffix = '') => `/v1/instances/${instance.id}/ca-certificates${suffix}`;
  const withCert = (files: { certFile: string; keyFile: string }) => withClientCert(caFile, files);

  async function registrationCode(api = tenant, instanceId = instance.id): Promise<string> {
    const code = await api.post<{ registrationCode: string; expiresAt: string }>(`/v1/instances/${instanceId}/ca-certificates/registration-code`);
    expect(code.status).toBe(201);
    return code.body.registrationCode;
  }

  /** A root CA made with openssl, and its verification certificate for a fresh registration code. */
  async function tenantCa(name: string, o: { from?: Date; to?: Date } = {}): Promise<{ ca: IssuedFiles; verification: IssuedFiles }> {
    const ca = issueWithOpenssl(tmp, osl, name, { cn: `${name} Root`, profile: 'ca', from: o.from, to: o.to ?? new Date(Date.now() + 365 * DAY) });
    const verification = issueWithOpenssl(tmp, osl, `${name}-verification`, { cn: await registrationCode(), issuer: name });
    return { ca, verification };
  }

  const register = (ca: IssuedFiles, verification: IssuedFiles, body: Record<string, unknown> = {}) =>
    tenant.post<Ca & Problem>(path(), { certificate: ca.certPem, verificationCertificate: verification.certPem, ...body });

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'x509-byoc', 'professional');
    port = portOf(instance.endpoints!.mqtts);
    expect((await tenant.post(`/v1/instances/${instance.id}/authenticators`, { type: 'x509', config: {} })).status).toBe(201);
    expect((await tenant.post(`/v1/instances/${instance.id}/authenticators`, { type: 'built-in-database', config: {} })).status).toBe(201);
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'operator', password: 'op-pass-1' })).status).toBe(201);
    tmp = scratch();
    osl = opensslCa(tmp);
    caFile = tmp.write('server-ca.pem', (await tenant.get<string>(`/v1/instances/${instance.id}/ca.pem`)).body);
    const instanceCa = await instanceCaFromDatabase(db.url, config.masterKey, instance.id);
    writeFileSync(tmp.path('instance-ca.pem'), instanceCa.certPem);
    writeFileSync(tmp.path('instance-ca.key'), instanceCa.keyPem);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await sql?.end();
    await stack?.close();
    await db?.drop();
    tmp?.remove();
  });

  describe('registration with proof of possession', () => {
    it('registers a CA made by openssl whose verification certificate carries the registration code as CN; the code is single use', async () => {
      const { ca, verification } = await tenantCa('acme-ca');
      const created = await register(ca, verification, { autoRegistration: true });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ status: 'ACTIVE', autoRegistration: true, subject: 'CN=acme-ca Root' });
      expect((await tenant.get<Ca>(path(`/${created.body.id}`))).body.fingerprint256).toBe(created.body.fingerprint256);
      expect((await tenant.get<{ items: Ca[] }>(path())).body.items.map((c) => c.id)).toEqual([created.body.id]);

      const again = await register(ca, verification);
      expect(again.status).toBe(422);
      expect(again.body.code).toBe('verification-cn-mismatch');
      expect(again.body.errors![0]).toMatchObject({ field: 'verificationCertificate' });
      expect(again.body.errors![0]!.message).toMatch(/is not a registration code of this instance/);

      const duplicate = await register(ca, issueWithOpenssl(tmp, osl, 'acme-ca-verification-2', { cn: await registrationCode(), issuer: 'acme-ca' }));
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.code).toBe('ca-certificate-exists');
      const audit = await tenant.get<{ items: { action: string }[] }>('/v1/audit-events');
      expect(audit.body.items.map((e) => e.action)).toContain('ca-certificate.register');
    });

    it('refuses each broken proof with a precise reason', async () => {
      // The CN is not the code.
      const wrongCn = issueWithOpenssl(tmp, osl, 'wrong-cn-ca', { cn: 'Wrong CN Root', profile: 'ca', to: new Date(Date.now() + 365 * DAY) });
      await registrationCode();
      const notTheCode = issueWithOpenssl(tmp, osl, 'wrong-cn-verification', { cn: 'not-the-code', issuer: 'wrong-cn-ca' });
      const refusedCn = await register(wrongCn, notTheCode);
      expect(refusedCn.status).toBe(422);
      expect(refusedCn.body.code).toBe('verification-cn-mismatch');
      expect(refusedCn.body.detail).toMatch(/CN "not-the-code" is not a registration code of this instance/);

      // An expired CA.
      const expired = await tenantCa('expired-ca', { from: new Date(Date.now() - 400 * DAY), to: new Date(Date.now() - DAY) });
      const refusedExpired = await register(expired.ca, expired.verification);
      expect(refusedExpired.body).toMatchObject({ status: 422, code: 'ca-expired', errors: [{ field: 'certificate' }] });

      // The verification certificate is signed by another (foreign) CA's key.
      const claimed = issueWithOpenssl(tmp, osl, 'claimed-ca', { cn: 'Claimed Root', profile: 'ca', to: new Date(Date.now() + 365 * DAY) });
      issueWithOpenssl(tmp, osl, 'foreign-ca', { cn: 'Claimed Root', profile: 'ca', to: new Date(Date.now() + 365 * DAY) });
      const foreignVerification = issueWithOpenssl(tmp, osl, 'foreign-verification', { cn: await registrationCode(), issuer: 'foreign-ca' });
      const refusedForeign = await register(claimed, foreignVerification);
      expect(refusedForeign.body).toMatchObject({ status: 422, code: 'verification-not-signed-by-ca', errors: [{ field: 'verificationCertificate' }] });

      // A leaf certificate is not a CA.
      const leafOwner = await tenantCa('leaf-owner-ca');
      const leaf = issueWithOpenssl(tmp, osl, 'a-leaf', { cn: 'just-a-device', issuer: 'leaf-owner-ca' });
      expect((await register(leaf, leafOwner.verification)).body).toMatchObject({ status: 422, code: 'ca-not-a-ca' });

      // An expired registration code.
      const late = await tenantCa('late-ca');
      await sql.query(`UPDATE ca_registration_codes SET expires_at = now() - interval '1 second' WHERE instance_id = $1`, [instance.id]);
      const refusedLate = await register(late.ca, late.verification);
      expect(refusedLate.body).toMatchObject({ status: 422, code: 'verification-cn-mismatch' });
      expect(refusedLate.body.detail).toMatch(/expired at/);

      // Garbage.
      expect((await register({ ...late.ca, certPem: 'not a pem' }, late.verification)).body).toMatchObject({ status: 422, code: 'malformed-certificate' });
      expect((await tenant.get<{ items: Ca[] }>(path())).body.items).toHaveLength(1);
    });

    it('is professional: a basic instance gets no registration code; another tenant sees 404', async () => {
      const basic = await tenant.post<{ id: string }>('/v1/instances', { name: 'basic-one', edition: 'basic' });
      const refused = await tenant.post<Problem & { requiredEdition: string }>(`/v1/instances/${basic.body.id}/ca-certificates/registration-code`);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'method-not-in-edition', requiredEdition: 'professional' });
      const other = await newTenant(stack, 'other');
      expect((await other.post(path('/registration-code'))).status).toBe(404);
      const ca = (await tenant.get<{ items: Ca[] }>(path())).body.items[0]!;
      expect((await other.get(path(`/${ca.id}`))).status).toBe(404);
      expect((await other.request('PATCH', path(`/${ca.id}`), { status: 'INACTIVE' })).status).toBe(404);
    });
  });

  describe('the live trust store', () => {
    let ca: Ca;
    let device: IssuedFiles;
    let instanceDevice: IssuedFiles;

    beforeAll(async () => {
      await tenant.request('PUT', `/v1/instances/${instance.id}/x509`, { mode: 'mTLS' });
      ca = (await tenant.get<{ items: Ca[] }>(path())).body.items[0]!;
      device = issueWithOpenssl(tmp, osl, 'meter-1', { cn: 'meter-1', issuer: 'acme-ca' });
      instanceDevice = issueWithOpenssl(tmp, osl, 'own-1', { cn: 'own-1', issuer: 'instance-ca' });
    });

    it('trusts a registered CA at once; deactivating it disconnects its devices and refuses new ones, other clients undisturbed; reactivating trusts it again', async () => {
      await eventually(async () => expect((await mosquittoPub(port, withCert(device), ['-i', 'meter-1'])).code).toBe(0), 5_000);
      const tenantDevice = await connectClient(instance.endpoints!.mqtts, { clientId: 'meter-1', ca: tmp.read('server-ca.pem'), cert: device.certPem, key: device.keyPem, protocolVersion: 5 });
      const ownDevice = await connectClient(instance.endpoints!.mqtts, { clientId: 'own-1', ca: tmp.read('server-ca.pem'), cert: instanceDevice.certPem, key: instanceDevice.keyPem });
      clients.push(tenantDevice, ownDevice);
      const kicked = new Promise<number | undefined>((resolve) => tenantDevice.once('disconnect', (packet) => resolve(packet.reasonCode)));

      expect((await tenant.request('PATCH', path(`/${ca.id}`), { status: 'INACTIVE' })).status).toBe(200);
      expect(await kicked).toBe(0x87);
      await eventually(async () => expect((await mosquittoPub(port, withCert(device), ['-i', 'meter-1'])).output).toMatch(NOT_AUTHORISED), 5_000);
      expect(ownDevice.connected).toBe(true);
      await ownDevice.publishAsync('still/here', 'yes', { qos: 1 });

      expect((await tenant.request('PATCH', path(`/${ca.id}`), { status: 'ACTIVE' })).status).toBe(200);
      await eventually(async () => expect((await mosquittoPub(port, withCert(device), ['-i', 'meter-1'])).code).toBe(0), 5_000);
    });

    it('repairs a lost change event: the periodic resync drops a CA removed without one', async () => {
      expect((await mosquittoPub(port, withCert(device), ['-i', 'meter-1'])).code).toBe(0);
      // No event: until the node's resync, only its trust store still knows the CA (mTLS needs no registry entry).
      await sql.query('DELETE FROM ca_certificates WHERE id = $1', [ca.id]);
      await eventually(async () => expect((await mosquittoPub(port, withCert(device), ['-i', 'meter-1'])).output).toMatch(NOT_AUTHORISED), 25_000, 500);
    });

    it('stops trusting a deleted CA', async () => {
      const { ca: other, verification } = await tenantCa('short-lived-ca');
      const created = await register(other, verification);
      const shortDevice = issueWithOpenssl(tmp, osl, 'short-1', { cn: 'short-1', issuer: 'short-lived-ca' });
      await eventually(async () => expect((await mosquittoPub(port, withCert(shortDevice), ['-i', 'short-1'])).code).toBe(0), 5_000);
      expect((await tenant.delete(path(`/${created.body.id}`))).status).toBe(204);
      await eventually(async () => expect((await mosquittoPub(port, withCert(shortDevice), ['-i', 'short-1'])).output).toMatch(NOT_AUTHORISED), 5_000);
      expect((await tenant.get(path(`/${created.body.id}`))).status).toBe(404);
    });

    it('allows 32 registered CAs (the quota) and refuses the 33rd', async () => {
      const have = (await tenant.get<{ items: Ca[] }>(path())).body.items.length;
      for (let i = have; i < 32; i++) {
        const { ca: next, verification } = await tenantCa(`bulk-ca-${i}`);
        expect((await register(next, verification, { status: 'INACTIVE' })).status).toBe(201);
      }
      const { ca: extra, verification } = await tenantCa('one-too-many');
      const refused = await register(extra, verification);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'quota-exceeded' });
    });
  });
});
