import { X509Certificate, createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { InstanceEntity, TenantEntity, createDataSource } from '@mqc/db';
import { SECRET_CONTEXT, SecretBox, type ChangeEvent } from '@mqc/domain';
import { createLogger } from '@mqc/observability';
import type { ChangeBus } from '@mqc/queue';
import { createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { ensureInstanceTls } from './instance-tls';
import { RenewServerCertificatesJob } from './renew-server-certificates.job';

describe('RenewServerCertificatesJob against PostgreSQL', () => {
  const config = testConfig();
  const secrets = new SecretBox(config.masterKey);
  const published: ChangeEvent[] = [];
  let db: TestDatabase;
  let dataSource: DataSource;
  let job: RenewServerCertificatesJob;
  let instanceId: string;

  const stored = () => dataSource.getRepository(InstanceEntity).findOneOrFail({ where: { id: instanceId }, select: { id: true, caCertPem: true, serverCertPem: true, serverKeySealed: true } });

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource({ url: db.url, poolSize: 2 });
    await dataSource.initialize();
    const tenantId = (await dataSource.getRepository(TenantEntity).save({ name: 't' })).id;
    instanceId = (await dataSource.getRepository(InstanceEntity).save({ tenantId, name: 'i', edition: 'basic', status: 'RUNNING', statusReason: null })).id;
    await ensureInstanceTls(dataSource.manager, instanceId, config.publicHost, secrets);
    const changes = { publish: (event: ChangeEvent) => Promise.resolve(void published.push(event)) } as unknown as ChangeBus;
    job = new RenewServerCertificatesJob({ config, dataSource, secrets, changes, logger: createLogger('worker', 'silent') });
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('leaves a certificate that is far from its end alone', async () => {
    const before = await stored();
    expect(await job.run({})).toBe(0);
    expect((await stored()).serverCertPem).toBe(before.serverCertPem);
    expect(published).toEqual([]);
  });

  it('re-issues a certificate due within the window from the same CA, with the same names and a sealed new key, and announces it', async () => {
    const before = await stored();
    expect(await job.run({ renewWithinDays: 400 })).toBe(1);
    const after = await stored();
    const [old, renewed, ca] = [before.serverCertPem!, after.serverCertPem!, after.caCertPem!].map((pem) => new X509Certificate(pem));
    expect(renewed.serialNumber).not.toBe(old!.serialNumber);
    expect(renewed.verify(ca!.publicKey)).toBe(true);
    expect(renewed.subjectAltName).toBe(old!.subjectAltName);
    expect(new Date(renewed.validTo).getTime()).toBeGreaterThan(new Date(old!.validTo).getTime() - 1000);
    expect(after.caCertPem).toBe(before.caCertPem);
    expect(after.serverKeySealed).not.toMatch(/PRIVATE KEY/);
    const key = secrets.openText(after.serverKeySealed!, SECRET_CONTEXT.instanceServerKey(instanceId));
    expect(renewed.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(published).toEqual([{ kind: 'instance', instanceId }]);
  });
});
