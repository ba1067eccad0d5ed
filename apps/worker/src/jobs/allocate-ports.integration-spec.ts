import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { InstanceEntity, InstancePortEntity, TenantEntity, createDataSource, releaseInstancePorts } from '@mqc/db';
import { createTestDatabase, type TestDatabase } from '@mqc/testing';
import { allocatePorts } from './allocate-ports';
import { PermanentJobError } from './job-context';

describe('allocatePorts against PostgreSQL', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let tenantId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource({ url: db.url, poolSize: 10 });
    await dataSource.initialize();
    tenantId = (await dataSource.getRepository(TenantEntity).save({ name: 't' })).id;
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  const newInstance = () =>
    dataSource.getRepository(InstanceEntity).save({ tenantId, name: 'i', edition: 'basic', status: 'PROVISIONING', statusReason: null });

  it('gives concurrent instances disjoint ports and records them on the instance', async () => {
    const instances = await Promise.all(Array.from({ length: 8 }, newInstance));
    const allocated = await Promise.all(instances.map((i) => dataSource.transaction((m) => allocatePorts(m, i, { first: 30_000, last: 30_023 }))));
    const ports = allocated.flatMap((p) => [p.mqtt, p.mqtts, p.ws]);
    expect(new Set(ports).size).toBe(24);
    const stored = await dataSource.getRepository(InstanceEntity).findOneByOrFail({ id: instances[0]!.id });
    expect([stored.mqttPort, stored.mqttsPort, stored.wsPort]).toEqual([allocated[0]!.mqtt, allocated[0]!.mqtts, allocated[0]!.ws]);
  });

  it('refuses, without writing anything, when the range is exhausted', async () => {
    const instance = await newInstance();
    const attempt = dataSource.transaction((m) => allocatePorts(m, instance, { first: 30_000, last: 30_023 }));
    await expect(attempt).rejects.toBeInstanceOf(PermanentJobError);
    await expect(attempt).rejects.toThrow(/no free ports left in MQC_BROKER_PORTS 30000-30023/);
    expect(await dataSource.getRepository(InstancePortEntity).countBy({ instanceId: instance.id })).toBe(0);
  });

  it('takes the lowest three free ports, skipping taken ones, and gives released ones out again', async () => {
    const range = { first: 32_000, last: 32_099 };
    const [a, b, c] = await Promise.all([newInstance(), newInstance(), newInstance()]);
    const first = await dataSource.transaction((m) => allocatePorts(m, a!, range));
    expect(first).toEqual({ mqtt: 32_000, mqtts: 32_001, ws: 32_002 });
    await dataSource.query('INSERT INTO instance_ports (port, instance_id) VALUES (32004, $1)', [c!.id]);
    expect(await dataSource.transaction((m) => allocatePorts(m, b!, range))).toEqual({ mqtt: 32_003, mqtts: 32_005, ws: 32_006 });
    await dataSource.transaction((m) => releaseInstancePorts(m, a!.id));
    const reloaded = await dataSource.getRepository(InstanceEntity).findOneByOrFail({ id: a!.id });
    expect([reloaded.mqttPort, reloaded.mqttsPort, reloaded.wsPort]).toEqual([null, null, null]);
    const again = await dataSource.getRepository(InstanceEntity).findOneByOrFail({ id: c!.id });
    expect(await dataSource.transaction((m) => allocatePorts(m, again, range))).toEqual({ mqtt: 32_000, mqtts: 32_001, ws: 32_002 });
  });

  it('allocates once: a retried job keeps the ports it has', async () => {
    const instance = await newInstance();
    const first = await dataSource.transaction((m) => allocatePorts(m, instance, { first: 31_000, last: 31_099 }));
    const reloaded = await dataSource.getRepository(InstanceEntity).findOneByOrFail({ id: instance.id });
    const second = await dataSource.transaction((m) => allocatePorts(m, reloaded, { first: 31_000, last: 31_099 }));
    expect(second).toEqual(first);
  });
});
