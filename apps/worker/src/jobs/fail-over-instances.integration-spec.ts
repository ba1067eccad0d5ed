import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { Redis } from 'ioredis';
import { InstanceEntity, TenantEntity, createDataSource } from '@mqc/db';
import { SecretBox, type ChangeEvent, type InstanceStatus } from '@mqc/domain';
import { createLogger } from '@mqc/observability';
import { ChangeBus, connectRedis } from '@mqc/queue';
import { createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { FailOverInstancesJob } from './fail-over-instances.job';

describe('FailOverInstancesJob against PostgreSQL and Redis', () => {
  const config = testConfig();
  let db: TestDatabase;
  /** Two workers: each with its own pool and Redis connection, as two processes would have. */
  const workers: { dataSource: DataSource; redis: Redis; job: FailOverInstancesJob }[] = [];
  let listener: Redis;
  let stopListening: () => Promise<void>;
  const events: ChangeEvent[] = [];
  let tenantId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const dataSource = createDataSource({ url: db.url, poolSize: 4 });
      await dataSource.initialize();
      const redis = await connectRedis(config.redisUrl, `fail-over-${i}`);
      const changes = new ChangeBus(redis, config.redisPrefix);
      workers.push({ dataSource, redis, job: new FailOverInstancesJob({ config, dataSource, changes, secrets: new SecretBox(config.masterKey), logger: createLogger('worker', 'silent') }) });
    }
    listener = await connectRedis(config.redisUrl, 'fail-over-listener');
    stopListening = await new ChangeBus(listener, config.redisPrefix).subscribe((event) => events.push(event));
    tenantId = (await workers[0]!.dataSource.getRepository(TenantEntity).save({ name: 't' })).id;
  });

  afterAll(async () => {
    await stopListening();
    listener.disconnect();
    for (const worker of workers) {
      await worker.dataSource.destroy();
      worker.redis.disconnect();
    }
    await db.drop();
  });

  afterEach(async () => {
    await db0().query('DELETE FROM instances');
    await db0().query('DELETE FROM broker_nodes');
    events.length = 0;
  });

  const db0 = () => workers[0]!.dataSource;
  const node = (name: string, secondsAgo: number, draining = false) =>
    db0()
      .query(`INSERT INTO broker_nodes (name, started_at, last_seen_at, instances, draining) VALUES ($1, now(), now() - ($2 || ' seconds')::interval, '{}', $3) RETURNING id`, [
        name,
        String(secondsAgo),
        draining,
      ])
      .then((rows: { id: string }[]) => rows[0]!.id);
  const instancesOn = (nodeId: string, count: number, status: InstanceStatus = 'RUNNING', listenersFailed = false) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        db0()
          .getRepository(InstanceEntity)
          .save({ tenantId, name: `i${i}`, edition: 'basic', status, statusReason: null, listenersFailed, nodeId, servingAt: new Date() }),
      ),
    ).then((saved) => saved.map((instance) => instance.id));
  const placement = async (ids: string[]) => {
    const rows = await db0().getRepository(InstanceEntity).find({ select: { id: true, nodeId: true, servingAt: true } });
    return rows.filter((row) => ids.includes(row.id));
  };
  /** A sentinel event published after the jobs finished arrives after theirs (one Redis, publishes in order). */
  const eventsSoFar = async () => {
    const sentinel = `sentinel-${events.length}-${Date.now()}`;
    await new ChangeBus(workers[0]!.redis, config.redisPrefix).publish({ kind: 'instance', instanceId: sentinel });
    await eventually(() => expect(events.some((e) => e.instanceId === sentinel)).toBe(true));
    return events.filter((e) => !e.instanceId.startsWith('sentinel-'));
  };

  it('places each instance of a dead node once when two workers race, on live nodes only, with one change event each', async () => {
    const dead = await node('dead', 60);
    const liveA = await node('live-a', 0);
    const liveB = await node('live-b', 0);
    const draining = await node('draining', 0, true);
    const stale = await node('stale', 10);
    const moving = [...(await instancesOn(dead, 20)), ...(await instancesOn(dead, 2, 'FAILED', true))];
    const staying = [...(await instancesOn(dead, 2, 'DELETED')), ...(await instancesOn(dead, 1, 'FAILED', false)), ...(await instancesOn(liveA, 3))];

    const [first, second] = await Promise.all(workers.map((worker) => worker.job.run()));
    const moved = [...first!, ...second!];
    expect(moved.map((m) => m.instanceId).sort()).toEqual([...moving].sort());
    expect(new Set(moved.map((m) => m.instanceId)).size).toBe(moving.length);

    const placed = await placement(moving);
    expect(placed.every((row) => row.nodeId === liveA || row.nodeId === liveB)).toBe(true);
    expect(placed.every((row) => row.servingAt === null)).toBe(true);
    for (const row of placed) expect(moved.find((m) => m.instanceId === row.id)).toEqual({ instanceId: row.id, from: dead, to: row.nodeId });
    expect(placed.some((row) => row.nodeId === liveB)).toBe(true);
    expect((await placement(staying)).map((row) => row.nodeId).sort()).toEqual([...Array(3).fill(dead), ...Array(3).fill(liveA)].sort());
    expect(placed.some((row) => row.nodeId === draining || row.nodeId === stale)).toBe(false);

    const published = await eventsSoFar();
    expect(published.map((e) => e.instanceId).sort()).toEqual([...moving].sort());
    expect(published.every((e) => e.kind === 'instance')).toBe(true);

    // Run again: nothing is left to move.
    expect(await Promise.all(workers.map((worker) => worker.job.run()))).toEqual([[], []]);
  });

  it('fills the least loaded live node first', async () => {
    const dead = await node('dead-2', 60);
    const busy = await node('busy', 0);
    const idle = await node('idle', 0);
    await instancesOn(busy, 4);
    const moving = await instancesOn(dead, 6);
    await workers[0]!.job.run();
    const placed = await placement(moving);
    // busy 4 + idle 0, six to place: idle takes four to even them, then one each.
    expect(placed.filter((row) => row.nodeId === idle)).toHaveLength(5);
    expect(placed.filter((row) => row.nodeId === busy)).toHaveLength(1);
  });

  it('leaves the instances where they are while no node is live, and moves them once one is', async () => {
    const dead = await node('dead-3', 60);
    const waiting = await instancesOn(dead, 3);
    expect(await workers[0]!.job.run()).toEqual([]);
    expect((await placement(waiting)).every((row) => row.nodeId === dead)).toBe(true);
    const live = await node('late', 0);
    expect(await workers[1]!.job.run()).toHaveLength(3);
    expect((await placement(waiting)).every((row) => row.nodeId === live)).toBe(true);
  });
});
