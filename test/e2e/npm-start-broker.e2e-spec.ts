import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningEmbeddedDatabaseUrl } from '@mqc/config';
import { ApiClient, eventually, testConfig } from '@mqc/testing';
import { setPolicy } from '../support/auth';
import { setAuthorizationPolicy } from '../support/authorization';
import { exchangeMessages, nodeRow, placementOf } from '../support/cluster';
import { portOf, runningInstance, type InstanceView } from '../support/instances';

const root = resolve(__dirname, '..', '..');
const dist = (...path: string[]) => join(root, 'dist', 'infra', 'local', ...path);

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs a built script of infra/local as its npm script does, with DATABASE_URL unset. */
function run(script: string, env: Record<string, string>): Run {
  const environment: NodeJS.ProcessEnv = { ...process.env, TS_NODE_BASEURL: join(root, 'dist'), MQC_LOG_LEVEL: 'info', ...env };
  delete environment['DATABASE_URL'];
  const child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', dist(script)], { cwd: root, env: environment });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

async function stop(process: Run): Promise<number | null> {
  if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGTERM');
  return process.exited;
}

const ready = (port: number) =>
  eventually(async () => expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200), 60_000, 250);

describe('npm run start:broker: one more broker node beside npm start', () => {
  // The file's window of test ports: the apps' ports first, the instances' listeners after them.
  const { first, last } = testConfig().brokerPorts;
  const ports = { api: first, broker: first + 1, worker: first + 2, extraBroker: first + 3 };
  const dataDir = mkdtempSync(join(tmpdir(), 'mqc-start-broker-'));
  const environment = {
    MQC_DATA_DIR: dataDir,
    MQC_API_PORT: String(ports.api),
    MQC_BROKER_ADMIN_PORT: String(ports.broker),
    MQC_WORKER_ADMIN_PORT: String(ports.worker),
    MQC_BROKER_PORTS: `${first + 10}-${last}`,
    MQC_BIND_HOST: '127.0.0.1',
    MQC_REDIS_PREFIX: `mqc-start-broker-${first}`,
  };
  // The same environment as npm start's: the extra node picks its own admin port and name.
  const extraEnvironment = environment;
  const extraName = `${hostname()}-${ports.extraBroker}`;
  const launcherBrokerName = `${hostname()}-${ports.broker}`;
  let launcher: Run;
  let extra: Run | undefined;
  let databaseUrl: string;
  let api: ApiClient;

  beforeAll(async () => {
    expect(existsSync(dist('start-broker.js')), 'npm test builds before it runs the tests').toBe(true);
  });

  afterAll(async () => {
    if (extra) await stop(extra);
    if (launcher) await stop(launcher);
  });

  it('says to start npm start first when no embedded PostgreSQL runs for the data directory', async () => {
    const alone = run('start-broker.js', extraEnvironment);
    expect(await alone.exited).toBe(78);
    expect(alone.output()).toContain(`no embedded PostgreSQL runs for ${dataDir}: start \`npm start\` first`);
  });

  it('joins the deployment of npm start with the next free admin port and a name of its own', { timeout: 180_000 }, async () => {
    launcher = run('start.js', environment);
    for (const port of [ports.api, ports.broker, ports.worker]) await ready(port);
    extra = run('start-broker.js', extraEnvironment);
    await ready(ports.extraBroker);
    expect(extra.output()).toContain(`broker node ${extraName} joins the deployment (admin port ${ports.extraBroker})`);
    expect(extra.output()).not.toContain('thread pool priority unchanged');
    databaseUrl = runningEmbeddedDatabaseUrl(dataDir)!;
    expect(await nodeRow(databaseUrl, extraName)).toMatchObject({ draining: false });
    expect(await nodeRow(databaseUrl, launcherBrokerName)).toMatchObject({ draining: false });
  });

  it('takes instances, and hands them to the other node when it stops', async () => {
    const token = readFileSync(join(dataDir, 'operator-token'), 'utf8').trim();
    const operator = new ApiClient(`http://127.0.0.1:${ports.api}`, token);
    const tenant = await operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name: 'two-nodes' });
    api = operator.withToken(tenant.body.apiKey.secret);
    const instances: InstanceView[] = [];
    for (const name of ['plant-1', 'plant-2']) {
      const instance = await runningInstance(api, name);
      await setPolicy(api, instance.id, 'allow', 'deny');
      await setAuthorizationPolicy(databaseUrl, instance.id, 'allow');
      instances.push(instance);
    }
    const nodes = await Promise.all(instances.map(async (i) => (await placementOf(databaseUrl, i.id)).node));
    expect(new Set(nodes)).toEqual(new Set([extraName, launcherBrokerName]));
    const moving = instances[nodes.indexOf(extraName)]!;

    expect(await stop(extra!)).toBe(0);
    extra = undefined;
    expect(await placementOf(databaseUrl, moving.id)).toMatchObject({ node: launcherBrokerName });
    await eventually(() => exchangeMessages(portOf(moving.endpoints!.mqtt), 'moved'), 30_000, 250);
  });

  it('comes back under its name when started again', async () => {
    const before = await nodeRow(databaseUrl, extraName);
    extra = run('start-broker.js', extraEnvironment);
    await ready(ports.extraBroker);
    expect(await nodeRow(databaseUrl, extraName)).toMatchObject({ id: before.id, draining: false });
  });
});
