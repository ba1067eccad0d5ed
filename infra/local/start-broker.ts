/**
 * `npm run start:broker`: one more broker node for the deployment that `npm start` runs (the
 * same environment: its data directory, so its embedded PostgreSQL, master key and Redis
 * prefix). It runs the built broker in this process, in the foreground: Ctrl-C or SIGTERM
 * drains it (its instances move to the other nodes) and it exits.
 *
 * - The database: DATABASE_URL, or else the embedded PostgreSQL `npm start` is running for
 *   MQC_DATA_DIR (a line says to start that first when none runs).
 * - Its admin port: `--admin-port=N`, or else the first free port after MQC_BROKER_ADMIN_PORT
 *   (npm start's broker's: 8083, 8084, … with the defaults; the API's and the worker's skipped).
 * - Its node name: `--name=NAME`, or else `<hostname>-<admin port>`, as every broker's default;
 *   so an extra node started again after it stopped comes back under its name.
 * MQC_BROKER_ADMIN_PORT and MQC_NODE_NAME in the environment are npm start's broker's (the
 * same environment), never taken for this node: they are set to its own.
 */
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { exitOnConfigError, loadConfig, runningEmbeddedDatabaseUrl, type MqcConfig } from '@mqc/config';
import { runApp } from '@mqc/observability';

const distRoot = resolve(__dirname, '..', '..');
const CONFIG_ERROR_EXIT = 78;
/** How many ports after the first broker's admin port are tried. */
const ADMIN_PORTS_TRIED = 100;

function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, host, () => server.close(() => done(true)));
  });
}

async function freeAdminPort(config: MqcConfig): Promise<number | undefined> {
  const taken = new Set([config.apiPort, config.workerAdminPort]);
  for (let port = config.brokerAdminPort + 1; port <= Math.min(65_535, config.brokerAdminPort + ADMIN_PORTS_TRIED); port++) {
    if (!taken.has(port) && (await isFree(config.adminBindHost, port))) return port;
  }
  return undefined;
}

/** `--key=value` from the command line, checked against `pattern` (a bad value stops the start with a line naming it). */
function option(key: string, pattern: RegExp): string | undefined {
  const value = process.argv.find((arg) => arg.startsWith(`--${key}=`))?.slice(key.length + 3);
  if (value === undefined || pattern.test(value)) return value;
  process.stderr.write(`MQC start:broker: --${key}=${value}: expected ${pattern.source}\n`);
  process.exit(CONFIG_ERROR_EXIT);
}

runApp('start:broker', async () => {
  const config = exitOnConfigError(() => loadConfig());
  const databaseUrl = config.databaseUrl ?? runningEmbeddedDatabaseUrl(config.dataDir);
  if (!databaseUrl) {
    process.stderr.write(`MQC start:broker: no DATABASE_URL, and no embedded PostgreSQL runs for ${config.dataDir}: start \`npm start\` first (same MQC_DATA_DIR), or set DATABASE_URL\n`);
    process.exit(CONFIG_ERROR_EXIT);
  }
  const chosenPort = option('admin-port', /^\d{1,5}$/);
  const adminPort = chosenPort ? Number(chosenPort) : await freeAdminPort(config);
  if (adminPort === undefined) {
    process.stderr.write(`MQC start:broker: no free admin port after ${config.brokerAdminPort}; pass --admin-port=N\n`);
    process.exit(CONFIG_ERROR_EXIT);
  }
  const nodeName = option('name', /^[a-zA-Z0-9._-]+$/) ?? `${hostname()}-${adminPort}`;
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    MQC_BROKER_ADMIN_PORT: String(adminPort),
    MQC_NODE_NAME: nodeName,
    MQC_MASTER_KEY: config.masterKey.toString('hex'),
    MQC_OPERATOR_TOKEN: config.operatorToken,
  });
  process.stderr.write(`MQC: broker node ${nodeName} joins the deployment (admin port ${adminPort})\n`);
  // The broker as its main.ts starts it (it reads the environment set above).
  await import(join(distRoot, 'apps', 'broker', 'src', 'main.js'));
});
