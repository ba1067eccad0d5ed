import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { connackCode } from '../support/auth';
import { newTenant, runningInstance, type InstanceView } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

const RESYNC_MS = 200;

interface Recorded {
  text: string;
  values: unknown[];
}

/** Every query this process sends PostgreSQL through `pg` (the in-process broker's among them). */
function recordQueries(): { queries: Recorded[]; restore(): void } {
  const queries: Recorded[] = [];
  const original = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const [first, second] = args as [unknown, unknown];
    const text = typeof first === 'string' ? first : ((first as { text?: string })?.text ?? '');
    const values = Array.isArray(second) ? second : ((first as { values?: unknown[] })?.values ?? []);
    queries.push({ text, values });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
  return { queries, restore: () => (Client.prototype.query = original) };
}

const naming = (instanceId: string) => (q: Recorded) => q.values.includes(instanceId);

/** A stack with the broker's resync timings, two RUNNING instances of one tenant, and a SQL connection to change rows behind its back. */
interface TwoInstances {
  stack: Stack;
  instances: [InstanceView, InstanceView];
  sql: Client;
  close(): Promise<void>;
}

async function twoInstances(broker: { resyncIntervalMs: number; fullSweepIntervalMs: number }, names: [string, string]): Promise<TwoInstances> {
  const db: TestDatabase = await createTestDatabase();
  const stack = await startStack(testConfig(), db.url, { broker });
  const tenant = await newTenant(stack);
  const instances = (await Promise.all(names.map((name) => runningInstance(tenant, name)))) as [InstanceView, InstanceView];
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  return {
    stack,
    instances,
    sql,
    async close() {
      await sql.end();
      await stack.close();
      await db.drop();
    },
  };
}

describe("the node's resync: one query for what changed, the full comparison in the background", () => {
  let fixture: TwoInstances | undefined;
  let stack: Stack;
  let sql: Client;
  let changed: InstanceView;
  let idle: InstanceView;

  beforeAll(async () => {
    fixture = await twoInstances({ resyncIntervalMs: RESYNC_MS, fullSweepIntervalMs: 3_600_000 }, ['changed', 'idle']);
    ({ stack, sql } = fixture);
    [changed, idle] = fixture.instances;
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('applies a change made without a change event, and asks nothing about the instances that did not change', async () => {
    // The anonymous policy is deny: a client without credentials is refused.
    expect(await connackCode(changed.endpoints!.mqtt, { protocolVersion: 5 })).toBe(0x87);
    // Settle: the node's own writes at opening (serving_at) moved the revisions once.
    await new Promise((resolve) => setTimeout(resolve, RESYNC_MS * 5));

    const recorder = recordQueries();
    try {
      const before = stack.broker.supervisor.resyncQueries.changes;
      // As if the change event had been lost: nobody is told, the row's revision moves.
      await sql.query(`UPDATE instances SET anonymous_policy = 'allow' WHERE id = $1`, [changed.id]);
      await eventually(async () => expect(await connackCode(changed.endpoints!.mqtt, { protocolVersion: 5 })).toBe(0), 10_000, 100);
      await new Promise((resolve) => setTimeout(resolve, RESYNC_MS * 5));

      expect(stack.broker.supervisor.resyncQueries.changes - before).toBeGreaterThanOrEqual(5);
      expect(recorder.queries.filter(naming(changed.id)).length).toBeGreaterThan(0);
      expect(recorder.queries.filter(naming(idle.id))).toEqual([]);
    } finally {
      recorder.restore();
    }
  });
});

describe('the full sweep (issue 16): what every served instance was loaded from, in one query per kind', () => {
  const SWEEP_MS = 300;
  let fixture: TwoInstances | undefined;
  let stack: Stack;
  let sql: Client;
  let instances: InstanceView[];

  beforeAll(async () => {
    // Only the full sweep runs: the revision query is an hour away.
    fixture = await twoInstances({ resyncIntervalMs: 3_600_000, fullSweepIntervalMs: SWEEP_MS }, ['one', 'two']);
    ({ stack, sql, instances } = fixture);
  });

  afterAll(async () => {
    await fixture?.close();
  });

  it('asks nothing about one instance at a time while nothing changed', async () => {
    await new Promise((resolve) => setTimeout(resolve, SWEEP_MS * 3));
    const recorder = recordQueries();
    try {
      const before = stack.broker.supervisor.resyncQueries.fullSweeps;
      await new Promise((resolve) => setTimeout(resolve, SWEEP_MS * 5));
      expect(stack.broker.supervisor.resyncQueries.fullSweeps - before).toBeGreaterThanOrEqual(3);
      for (const instance of instances) expect(recorder.queries.filter(naming(instance.id))).toEqual([]);
      // The batched comparison names them all at once.
      expect(recorder.queries.some((q) => Array.isArray(q.values[0]) && instances.every((i) => (q.values[0] as unknown[]).includes(i.id)))).toBe(true);
    } finally {
      recorder.restore();
    }
  });

  it('still applies a change made without a change event', async () => {
    const [one] = instances as [InstanceView];
    expect(await connackCode(one.endpoints!.mqtt, { protocolVersion: 5 })).toBe(0x87);
    await sql.query(`UPDATE instances SET anonymous_policy = 'allow' WHERE id = $1`, [one.id]);
    await eventually(async () => expect(await connackCode(one.endpoints!.mqtt, { protocolVersion: 5 })).toBe(0), 10_000, 100);
  });
});
