import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@mqc/observability';
import { activityKeys, carryForward, connectRedis, decodePoint, type ActivityPoint } from '@mqc/queue';
import type { InstanceBroker } from '../protocol/instance-broker';
import { InstanceActivity } from '../protocol/instance-activity';
import { connectClient, createBroker } from '../protocol/testing/broker-fixture';
import { ActivityFlusher, type ActivitySource } from './activity-flusher';

const REDIS_URL = process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** The parts of an instance the flusher reads: real activity counters, fixed gauges. */
function idleInstance(): { broker: InstanceBroker; activity: InstanceActivity } {
  const activity = new InstanceActivity();
  const broker = {
    activity,
    refusals: {},
    usage: { sessions: 1, subscriptions: 2, retainedMessages: 0, retainedBytes: 0 },
    connectedClients: 1,
  } as unknown as InstanceBroker;
  return { broker, activity };
}

describe('ActivityFlusher over a real Redis (issue 16: idle instances)', () => {
  let redis: Redis;
  let monitorClient: Redis;
  const prefix = `mqc-test-${randomUUID()}`;
  const instanceId = randomUUID();
  const keys = activityKeys(prefix, instanceId);
  const sleeperId = randomUUID();
  const seen: string[][] = [];

  beforeAll(async () => {
    redis = await connectRedis(REDIS_URL, 'test');
    monitorClient = await connectRedis(REDIS_URL, 'test-monitor');
    const monitor = await monitorClient.monitor();
    monitor.on('monitor', (_time: string, args: string[]) => seen.push(args));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    await redis.del(...Object.values(keys), ...Object.values(activityKeys(prefix, sleeperId)));
    await redis.quit();
    monitorClient.disconnect();
  });

  /** The commands Redis received that name this instance's keys, up to now (a marker command proves the monitor caught up). */
  async function commandsForInstance(): Promise<string[][]> {
    const marker = `marker-${randomUUID()}`;
    await redis.echo(marker);
    await vi.waitFor(() => expect(seen.some((args) => args.includes(marker))).toBe(true), { timeout: 5_000 });
    const mine = seen.filter((args) => args.some((arg) => arg.includes(instanceId)));
    seen.length = 0;
    return mine;
  }

  it('writes an idle instance once, then not every second, then as a keep-alive; the reader sees every second', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    vi.setSystemTime(start);
    const { broker, activity } = idleInstance();
    const sources: [string, ActivitySource][] = [[instanceId, { broker, eventLogEntries: 100 }]];
    const flusher = new ActivityFlusher(redis, prefix, () => sources, createLogger('test', 'silent'));

    await flusher.flush();
    expect((await commandsForInstance()).length).toBeGreaterThan(0);

    for (let second = 1; second <= 10; second++) {
      vi.setSystemTime(start + second * 1_000);
      await flusher.flush();
    }
    expect(await commandsForInstance()).toEqual([]);

    const stored = (await redis.zrangebyscore(keys.seconds, '-inf', '+inf')).map(decodePoint) as ActivityPoint[];
    expect(stored.map((p) => p.t)).toEqual([start / 1000]);
    const history = carryForward(stored, start / 1000, start / 1000 + 11, 1);
    expect(history.map((p) => p.t)).toEqual(Array.from({ length: 11 }, (_, i) => start / 1000 + i));
    expect(history.every((p) => p.connections === 1 && p.subscriptions === 2 && p.received === 0)).toBe(true);

    // A message is a change: written in its second.
    activity.received += 3;
    vi.setSystemTime(start + 11_000);
    await flusher.flush();
    expect((await commandsForInstance()).length).toBeGreaterThan(0);
    // The next quiet second changes the rate back to 0: written once more, then quiet again.
    vi.setSystemTime(start + 12_000);
    await flusher.flush();
    expect((await commandsForInstance()).length).toBeGreaterThan(0);
    vi.setSystemTime(start + 13_000);
    await flusher.flush();
    expect(await commandsForInstance()).toEqual([]);

    // The keep-alive: a minute after the last write, an unchanged instance is written again.
    vi.setSystemTime(start + 72_000);
    await flusher.flush();
    expect((await commandsForInstance()).length).toBeGreaterThan(0);
    const seconds = (await redis.zrangebyscore(keys.seconds, '-inf', '+inf')).map((m) => decodePoint(m)!.t - start / 1000);
    expect(seconds).toEqual([0, 11, 12, 72]);
  });

  it('puts an instance with no connection and no session to sleep: passed without being read until a connection wakes it or its keep-alive is due', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    vi.setSystemTime(start);
    const broker = createBroker({}, undefined, sleeperId);
    const flusher = new ActivityFlusher(redis, prefix, () => [[sleeperId, { broker, eventLogEntries: 100 }]], createLogger('test', 'silent'));
    const sleeperKeys = activityKeys(prefix, sleeperId);
    await flusher.flush();
    vi.setSystemTime(start + 1_000);
    await flusher.flush();
    expect(broker.activity.asleepUntil).toBe(start + 60_000);

    // Asleep: the flusher reads nothing of it (no usage, no counters) and writes nothing.
    const usage = vi.spyOn(broker, 'usage', 'get');
    for (let second = 2; second < 60; second += 7) {
      vi.setSystemTime(start + second * 1_000);
      await flusher.flush();
    }
    expect(usage).not.toHaveBeenCalled();
    expect((await redis.zrangebyscore(sleeperKeys.seconds, '-inf', '+inf')).map((m) => decodePoint(m)!.t - start / 1000)).toEqual([0]);

    // The keep-alive is due: written, then asleep again for another minute.
    vi.setSystemTime(start + 60_000);
    await flusher.flush();
    expect(usage).toHaveBeenCalled();
    vi.setSystemTime(start + 61_000);
    await flusher.flush();
    expect(broker.activity.asleepUntil).toBe(start + 120_000);

    // A connection wakes it: its next second is written with the client.
    const client = await connectClient(broker, 5, { clientId: 'waker' });
    expect(broker.activity.asleepUntil).toBe(0);
    vi.setSystemTime(start + 62_000);
    await flusher.flush();
    expect(JSON.parse((await redis.get(sleeperKeys.now))!)).toMatchObject({ at: start + 62_000, connections: 1 });
    expect((await redis.zrangebyscore(sleeperKeys.seconds, '-inf', '+inf')).map((m) => decodePoint(m)!.t - start / 1000)).toEqual([0, 60, 62]);
    // While it holds a connection it is never put to sleep.
    vi.setSystemTime(start + 63_000);
    await flusher.flush();
    expect(broker.activity.asleepUntil).toBe(0);
    client.end();
    await client.closed;
    await broker.close();
  });
});
