import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { MqcConfig } from '@mqc/config';
import { eventually } from '@mqc/testing';

const root = resolve(__dirname, '..', '..');
const brokerMain = join(root, 'dist', 'apps', 'broker', 'src', 'main.js');

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly adminPort: number;
  /** Everything it printed so far (pino JSON lines). */
  output(): string;
  readonly exited: Promise<number | null>;
  /** SIGTERM (it drains and exits), SIGKILL if it does not within 10 s. */
  stop(): Promise<void>;
}

/**
 * The built broker (`npm run build`) in its own process, as `npm start` runs it, configured
 * from `config`: its crash is its own, not the test runner's. Its admin port is by default the
 * last of the file's listener window, which instances reach only after 99 ports.
 */
export async function startBrokerProcess(
  config: MqcConfig,
  databaseUrl: string,
  { adminPort = config.brokerPorts.last, openFileLimit, env = {} }: { adminPort?: number; openFileLimit?: number; env?: Record<string, string> } = {},
): Promise<BrokerProcess> {
  expect(existsSync(brokerMain), 'npm test builds before it runs the tests').toBe(true);
  const node = [process.execPath, '-r', 'tsconfig-paths/register', brokerMain];
  // util-linux's prlimit sets RLIMIT_NOFILE (soft and hard) and execs node: the pid is node's.
  const [command, ...args] = openFileLimit === undefined ? node : ['prlimit', `--nofile=${openFileLimit}:${openFileLimit}`, '--', ...node];
  const child = spawn(command!, args, {
    cwd: root,
    env: {
      ...process.env,
      TS_NODE_BASEURL: join(root, 'dist'),
      DATABASE_URL: databaseUrl,
      REDIS_URL: config.redisUrl,
      MQC_REDIS_PREFIX: config.redisPrefix,
      MQC_DATA_DIR: config.dataDir,
      MQC_MASTER_KEY: config.masterKey.toString('hex'),
      MQC_OPERATOR_TOKEN: config.operatorToken,
      MQC_PUBLIC_HOST: config.publicHost,
      MQC_BIND_HOST: config.bindHost,
      MQC_BROKER_PORTS: `${config.brokerPorts.first}-${config.brokerPorts.last}`,
      MQC_BROKER_ADMIN_PORT: String(adminPort),
      MQC_NODE_NAME: config.nodeName,
      MQC_LOG_LEVEL: 'info',
      ...env,
    },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await eventually(async () => {
    expect(child.exitCode, output).toBeNull();
    expect((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status).toBe(200);
  }, 30_000, 100);
  return {
    child,
    adminPort,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
