import type { MqcConfig } from '@mqc/config';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';
import { allowWhatNoRuleDecides } from '../support/authorization';
import { BrokerWatch } from './broker-watch';

export interface FuzzedInstance {
  id: string;
  /** Its plain MQTT (TCP) port on 127.0.0.1. */
  port: number;
}

/**
 * The product as the fuzzer meets it: the control plane and the worker in this process, the
 * broker node in its own (the one watched), and one tenant with two instances on that node:
 * `target` takes the fuzzed packets, `witness` serves a well-behaved client meanwhile. Both
 * allow anonymous clients, so a valid CONNECT reaches the rest of the protocol.
 */
export interface FuzzStack {
  broker: BrokerWatch;
  target: FuzzedInstance;
  witness: FuzzedInstance;
  /** Deletes the fuzzed instance and waits until the broker node no longer serves it (its state is gone). */
  deleteTarget(): Promise<void>;
  close(): Promise<void>;
}

interface Api {
  (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

function apiClient(baseUrl: string, token: string): Api {
  return async (method, path, body) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
}

async function expectStatus(call: Promise<{ status: number; body: Record<string, unknown> }>, status: number, what: string): Promise<Record<string, unknown>> {
  const response = await call;
  if (response.status !== status) throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/**
 * Creates an anonymous-friendly instance and waits until it is RUNNING with its ports. With
 * `scram`, its chain holds a SCRAM authenticator: a CONNECT naming SCRAM-SHA-256 starts an
 * enhanced authentication, so fuzzed packets also meet a connection in the middle of one.
 */
async function runningInstance(api: Api, name: string, edition: string, options: { scram?: boolean } = {}): Promise<FuzzedInstance> {
  const created = await expectStatus(api('POST', '/v1/instances', { name, edition }), 202, `creating instance ${name}`);
  const id = String(created['id']);
  await expectStatus(api('PUT', `/v1/instances/${id}/access-policy`, { anonymous: 'allow', onBackendFailure: 'deny' }), 200, `access policy of ${name}`);
  if (options.scram) await expectStatus(api('POST', `/v1/instances/${id}/authenticators`, { type: 'scram', config: {} }), 201, `SCRAM authenticator of ${name}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const current = await expectStatus(api('GET', `/v1/instances/${id}`), 200, `reading instance ${name}`);
    const endpoints = current['endpoints'] as { mqtt: string } | null;
    if (current['status'] === 'RUNNING' && endpoints) return { id, port: Number(new URL(endpoints.mqtt).port) };
    if (Date.now() > deadline) throw new Error(`instance ${name} is ${String(current['status'])} after 60 s: ${String(current['statusReason'])}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `distRoot`: the build (`dist/`), where the broker's main.js is. */
export async function startFuzzStack(config: MqcConfig, databaseUrl: string, distRoot: string): Promise<FuzzStack> {
  const opened: { close(): Promise<void> }[] = [];
  const closeAll = async () => {
    for (const app of opened.reverse()) await app.close();
  };
  try {
    const controlPlane: ControlPlane = await startControlPlane(config, databaseUrl, 0);
    opened.push(controlPlane);
    await allowWhatNoRuleDecides(databaseUrl);
    const worker: WorkerApp = await startWorker(config, databaseUrl, 0);
    opened.push(worker);
    const broker = await BrokerWatch.start(distRoot, {
      DATABASE_URL: databaseUrl,
      REDIS_URL: config.redisUrl,
      MQC_REDIS_PREFIX: config.redisPrefix,
      MQC_OPERATOR_TOKEN: config.operatorToken,
      MQC_MASTER_KEY: config.masterKey.toString('hex'),
      MQC_DATA_DIR: config.dataDir,
      MQC_BIND_HOST: '127.0.0.1',
      MQC_PUBLIC_HOST: '127.0.0.1',
      MQC_BROKER_PORTS: `${config.brokerPorts.first}-${config.brokerPorts.last}`,
      MQC_NODE_NAME: `${config.nodeName}-fuzz`,
    });
    opened.push({ close: () => broker.stop() });
    const operator = apiClient(controlPlane.url, config.operatorToken);
    const tenant = await expectStatus(operator('POST', '/v1/ops/tenants', { name: 'fuzz' }), 201, 'creating the tenant');
    const api = apiClient(controlPlane.url, (tenant['apiKey'] as { secret: string }).secret);
    // The fuzzed instance gets the largest edition, so its quotas refuse less and more of the protocol runs.
    const target = await runningInstance(api, 'fuzz-target', 'platinum', { scram: true });
    const witness = await runningInstance(api, 'fuzz-witness', 'basic');
    const deleteTarget = async () => {
      await expectStatus(api('DELETE', `/v1/instances/${target.id}`), 202, 'deleting the fuzzed instance');
      const deadline = Date.now() + 60_000;
      while ((await broker.instanceUsage(target.id)) !== undefined) {
        if (Date.now() > deadline) throw new Error('the broker still serves the deleted fuzzed instance after 60 s');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    return { broker, target, witness, deleteTarget, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
