import { X509Certificate } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { connectClient, newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { mosquittoPub, opensslCa, read, scratch, type OpensslCa, type Scratch, NOT_AUTHORISED,
} from '../support/x509';

interface Job {
  id: string;
  status: string;
  total: number;
  issued: number;
  progress: number;
  failedReason: string | null;
}

interface Bundle {
  jobId: string;
  caCertificate: string;
  certificates: { clientId: string; serialNumber: string; certificate: string; privateKey?: string }[];
}

interface Problem {
  status: number;
  code: string;
  errors?: { field: string; message: string }[];
}


describe('the certificate-issuing worker: CSRs and generated keys, idempotency, failures', () => {
  const config = testConfig();
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let tmp: Scratch;
  let osl: OpensslCa;
  let sql: Client;
  let caFile: string;

  const issue = (body: Record<string, unknown>, headers: Record<string, string> = {}, instanceId = instance.id) =>
    tenant.post<{ jobId: string; status: string; total: number } & Problem>(`/v1/instances/${instanceId}/device-certificates/issue`, body, headers);

  async function finished(jobId: string, api = tenant): Promise<Job> {
    return eventually(async () => {
      const job = await api.get<Job>(`/v1/jobs/${jobId}`);
      expect(['SUCCEEDED', 'FAILED']).toContain(job.body.status);
      return job.body;
    }, 60_000, 100);
  }

  const certificatesOfJob = async (jobId: string) => Number((await sql.query('SELECT count(*) FROM device_certificates WHERE job_id = $1', [jobId])).rows[0].count);

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'x509-issuing', 'professional');
    expect((await tenant.post(`/v1/instances/${instance.id}/authenticators`, { type: 'x509', config: {} })).status).toBe(201);
    expect((await tenant.request('PUT', `/v1/instances/${instance.id}/x509`, { mode: 'BYOC' })).status).toBe(200);
    tmp = scratch();
    osl = opensslCa(tmp);
    caFile = tmp.write('server-ca.pem', (await tenant.get<string>(`/v1/instances/${instance.id}/ca.pem`)).body);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await stack?.close();
    await db?.drop();
    tmp?.remove();
  });

  it('issues from CSRs made by openssl (the keys stay with the devices), registers each certificate ACTIVE, and the devices connect', async () => {
    const csrs = ['csr-1', 'csr-2', 'csr-3'].map((cn) => osl.keyAndCsr(cn, cn, cn === 'csr-3' ? 'rsa' : 'ec'));
    const accepted = await issue({ csrs: csrs.map((c) => read(c.csrFile)) });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'QUEUED', total: 3 });
    const job = await finished(accepted.body.jobId);
    expect(job).toMatchObject({ status: 'SUCCEEDED', issued: 3, total: 3, progress: 1, failedReason: null });

    const bundle = await tenant.get<Bundle>(`/v1/jobs/${accepted.body.jobId}/result`);
    expect(bundle.status).toBe(200);
    expect(bundle.body.certificates.map((c) => c.clientId)).toEqual(['csr-1', 'csr-2', 'csr-3']);
    expect(bundle.body.certificates.every((c) => c.privateKey === undefined)).toBe(true);
    expect(bundle.body.caCertificate).toBe(tmp.read('server-ca.pem'));
    for (const [i, c] of bundle.body.certificates.entries()) {
      expect(new X509Certificate(c.certificate).verify(new X509Certificate(bundle.body.caCertificate).publicKey)).toBe(true);
      const registered = await tenant.get<{ status: string; origin: string; jobId: string }>(`/v1/instances/${instance.id}/device-certificates/${c.serialNumber}`);
      expect(registered.body).toMatchObject({ status: 'ACTIVE', origin: 'ISSUED', jobId: accepted.body.jobId });
      const certFile = tmp.write(`${c.clientId}.pem`, c.certificate);
      const run = await mosquittoPub(portOf(instance.endpoints!.mqtts), { caFile, certFile, keyFile: csrs[i]!.keyFile }, ['-i', c.clientId]);
      expect(run.output).toMatch(/received CONNACK \(0\)/);
    }
  });

  it('issues with generated key pairs for client ids; the same Idempotency-Key issues once, and another request with it is refused', async () => {
    const body = { clientIds: ['gen-a', 'gen-b'] };
    const first = await issue(body, { 'idempotency-key': 'order-42' });
    const again = await issue(body, { 'idempotency-key': 'order-42' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.jobId).toBe(first.body.jobId);
    await finished(first.body.jobId);
    const replay = await issue(body, { 'idempotency-key': 'order-42' });
    expect(replay.body).toMatchObject({ jobId: first.body.jobId, status: 'SUCCEEDED' });
    expect(await certificatesOfJob(first.body.jobId)).toBe(2);
    expect((await issue({ clientIds: ['gen-c'] }, { 'idempotency-key': 'order-42' })).body).toMatchObject({ status: 409, code: 'idempotency-key-reused' });

    const bundle = (await tenant.get<Bundle>(`/v1/jobs/${first.body.jobId}/result`)).body;
    expect(bundle.certificates.map((c) => c.clientId)).toEqual(['gen-a', 'gen-b']);
    const [a] = bundle.certificates;
    expect(a!.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const client = await connectClient(instance.endpoints!.mqtts, { clientId: 'gen-a', ca: bundle.caCertificate, cert: a!.certificate, key: a!.privateKey!, protocolVersion: 5 });
    await client.endAsync();
    const mismatch = await mosquittoPub(portOf(instance.endpoints!.mqtts), { caFile, certFile: tmp.write('gen-a.pem', a!.certificate), keyFile: tmp.write('gen-a.key', a!.privateKey!) }, ['-i', 'gen-b']);
    expect(mismatch.output).toMatch(NOT_AUTHORISED);
  });

  it('refuses bad requests with the field named, on a basic instance, and shows no job to another tenant', async () => {
    const noCn = await issue({ csrs: ['-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'] });
    expect(noCn.body).toMatchObject({ status: 422, code: 'invalid-csr', errors: [{ field: 'csrs.0' }] });
    expect((await issue({ clientIds: ['x'], count: 3, clientIdPrefix: 'p' })).status).toBe(422);
    expect((await issue({ count: 3 })).body.errors?.[0]).toMatchObject({ field: 'clientIdPrefix' });
    expect((await issue({ clientIds: ['dup', 'dup'] })).status).toBe(422);
    const basic = await runningInstance(tenant, 'basic-issuing', 'basic');
    // Basic issues from the instance CA within its deviceCertificates quota (100).
    expect((await issue({ count: 101, clientIdPrefix: 'b-' }, {}, basic.id)).body).toMatchObject({ status: 409, code: 'quota-exceeded', quota: 'deviceCertificates', limit: 100 });

    const accepted = await issue({ clientIds: ['mine-1'] });
    await finished(accepted.body.jobId);
    const other = await newTenant(stack, 'other');
    expect((await other.get(`/v1/jobs/${accepted.body.jobId}`)).status).toBe(404);
    expect((await other.get(`/v1/jobs/${accepted.body.jobId}/result`)).status).toBe(404);
    expect((await other.post(`/v1/instances/${instance.id}/device-certificates/issue`, { clientIds: ['x'] })).status).toBe(404);
    expect((await tenant.get('/v1/jobs/cert-00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('a failure half-way marks the job FAILED with the reason and leaves none of its certificates registered', async () => {
    const doomed = await runningInstance(tenant, 'doomed', 'professional');
    const accepted = await issue({ count: 3000, clientIdPrefix: 'doomed-' }, {}, doomed.id);
    expect(accepted.status).toBe(202);
    await eventually(async () => expect(await certificatesOfJob(accepted.body.jobId)).toBeGreaterThanOrEqual(100), 30_000, 20);
    expect((await tenant.delete(`/v1/instances/${doomed.id}`)).status).toBe(202);
    const job = await finished(accepted.body.jobId);
    expect(job.status).toBe('FAILED');
    expect(job.failedReason).toMatch(/the instance is (deleting|deleted)/);
    expect(job.issued).toBe(0);
    expect(await certificatesOfJob(accepted.body.jobId)).toBe(0);
    expect((await tenant.get<Problem>(`/v1/jobs/${accepted.body.jobId}/result`)).body).toMatchObject({ status: 409, code: 'job-failed' });
  });
});
