import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { Client } from 'pg';
import { eventually, type ApiClient } from '@mqc/testing';
import type { MqcConfig } from '@mqc/config';
import { startBrokerProcess, type BrokerProcess } from './broker-process';
import { connectClient, nextMessage, type InstanceView } from './instances';
import { mosquittoSubOnce } from './raw-mqtt';

const run = promisify(execFile);

/**
 * Several broker nodes, each the built broker in its own process (as `npm start` and
 * `npm run start:broker` run them), sharing one database and Redis. Node `k` is named
 * `<config.nodeName>-<k>` and has the admin port `config.brokerPorts.last - k`.
 */
export class BrokerCluster {
  readonly nodes = new Map<string, BrokerProcess>();

  constructor(
    private readonly config: MqcConfig,
    private readonly databaseUrl: string,
    /** Nodes 0 … size - 1. */
    private readonly size: number,
  ) {}

  nameOf(k: number): string {
    return `${this.config.nodeName}-${k}`;
  }

  indexOf(name: string): number {
    return [...Array(this.size).keys()].find((k) => this.nameOf(k) === name)!;
  }

  /** A node not running now (killed or stopped), if any. */
  missing(): number | undefined {
    return [...Array(this.size).keys()].find((k) => !this.nodes.has(this.nameOf(k)));
  }

  /** Starts node `k`, or starts it again under the same name and admin port. */
  async start(k: number): Promise<BrokerProcess> {
    const name = this.nameOf(k);
    const node = await startBrokerProcess({ ...this.config, nodeName: name }, this.databaseUrl, { adminPort: this.config.brokerPorts.last - k });
    this.nodes.set(name, node);
    return node;
  }

  get(name: string): BrokerProcess {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  /** SIGKILL: the node dies without a word (its heartbeats stop). */
  async kill(name: string): Promise<void> {
    const node = this.get(name);
    this.nodes.delete(name);
    node.child.kill('SIGKILL');
    await node.exited;
  }

  /** SIGTERM: the node drains and exits; resolves with its exit code and what it printed. */
  async stop(name: string): Promise<{ code: number | null; output: string }> {
    const node = this.get(name);
    this.nodes.delete(name);
    await node.stop();
    return { code: await node.exited, output: node.output() };
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((node) => node.stop()));
  }
}

export interface Placement {
  nodeId: string | null;
  node: string | null;
  serving: boolean;
  status: string;
}

/** Where an instance is placed (the node's name) and whether that node reported it serves it. */
export async function placementOf(databaseUrl: string, instanceId: string): Promise<Placement> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ node_id: string | null; name: string | null; serving: boolean; status: string }>(
      `SELECT i.node_id, n.name, i.serving_at IS NOT NULL AS serving, i.status FROM instances i LEFT JOIN broker_nodes n ON n.id = i.node_id WHERE i.id = $1`,
      [instanceId],
    );
    const row = rows[0]!;
    return { nodeId: row.node_id, node: row.name, serving: row.serving, status: row.status };
  } finally {
    await client.end();
  }
}

/** Generous: detection takes 6 s, placement a second more (the README's numbers; `npm run bench -- --only=failover` measures them). */
export const FAIL_OVER_WAIT_MS = 30_000;

/** Waits until the instance is placed on, and served by, a node other than `notOn` (RUNNING for its tenant too); returns that node's name. */
export function servedElsewhere(databaseUrl: string, tenant: ApiClient, instance: InstanceView, notOn: string): Promise<string> {
  return eventually(
    async () => {
      const placement = await placementOf(databaseUrl, instance.id);
      expect(placement.node).not.toBe(notOn);
      expect(placement).toMatchObject({ serving: true, status: 'RUNNING' });
      expect((await tenant.get<InstanceView>(`/v1/instances/${instance.id}`)).body.status).toBe('RUNNING');
      return placement.node!;
    },
    FAIL_OVER_WAIT_MS,
    100,
  );
}

/**
 * Messages both ways between mqtt.js and the mosquitto clients on an instance's MQTT port:
 * mosquitto_pub → an mqtt.js subscriber, and an mqtt.js publisher → mosquitto_sub.
 */
export async function exchangeMessages(port: number, topic: string): Promise<void> {
  const url = `mqtt://127.0.0.1:${port}`;
  const subscriber = await connectClient(url, { clientId: `${topic}-sub` });
  try {
    await subscriber.subscribeAsync(`${topic}/#`, { qos: 1 });
    const received = nextMessage(subscriber);
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', `${topic}/from-mosquitto`, '-m', 'hello mqtt.js', '-q', '1']);
    expect(await received).toEqual({ topic: `${topic}/from-mosquitto`, payload: 'hello mqtt.js' });
  } finally {
    await subscriber.endAsync();
  }
  const mosquittoSub = mosquittoSubOnce(['-h', '127.0.0.1', '-p', String(port), '-t', `${topic}/#`, '-v'], 20);
  await mosquittoSub.ready;
  const publisher = await connectClient(url, { clientId: `${topic}-pub` });
  try {
    await publisher.publishAsync(`${topic}/from-mqtt-js`, 'hello mosquitto', { qos: 1 });
  } finally {
    await publisher.endAsync();
  }
  expect(await mosquittoSub.output).toContain(`${topic}/from-mqtt-js hello mosquitto`);
}

/** A node's row in broker_nodes, by name. */
export async function nodeRow(databaseUrl: string, name: string): Promise<{ id: string; draining: boolean; startedAt: Date }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; draining: boolean; started_at: Date }>('SELECT id, draining, started_at FROM broker_nodes WHERE name = $1', [name]);
    return { id: rows[0]!.id, draining: rows[0]!.draining, startedAt: rows[0]!.started_at };
  } finally {
    await client.end();
  }
}
