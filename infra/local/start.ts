/**
 * `npm start`: the whole product on one machine. Without DATABASE_URL it runs the embedded
 * PostgreSQL (a real server, kept in MQC_DATA_DIR) and hands its URL to the three apps, which
 * run as separate processes exactly as they would in a deployment. An app that crashes is
 * started again after a back-off; SIGTERM or SIGINT stops all of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { exitOnConfigError, loadConfig } from '@mqc/config';
import { openMigrated, startEmbeddedPostgres, type EmbeddedPostgres } from '@mqc/db';
import { runApp } from '@mqc/observability';
import { connectRedis } from '@mqc/queue';
import { checkNats } from './nats-check';
import { restartDelayMs } from './restart-back-off';

const APPS = ['control-plane', 'broker', 'worker'] as const;
type App = (typeof APPS)[number];
const distRoot = resolve(__dirname, '..', '..');
/** The exit code of a configuration error: starting again cannot help. */
const CONFIG_ERROR_EXIT = 78;

runApp('start', async () => {
  const config = exitOnConfigError(() => loadConfig());
  (await connectRedis(config.redisUrl, 'mqc-start')).disconnect();
  await checkNats(config.natsUrl).catch((error: Error) => {
    process.stderr.write(`MQC start: ${error.message}\n`);
    process.exit(1);
  });

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir).catch((error: Error) => {
      process.stderr.write(`MQC start: ${error.message}\n`);
      process.exit(1);
    });
    databaseUrl = embedded.url;
    process.stderr.write(`MQC: embedded PostgreSQL in ${join(config.dataDir, 'pg')}\n`);
  }
  // Migrate once before the apps start, so none of them sees an old schema.
  await (await openMigrated({ url: databaseUrl, poolSize: 1 })).destroy();

  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    MQC_OPERATOR_TOKEN: config.operatorToken,
    MQC_MASTER_KEY: config.masterKey.toString('hex'),
    MQC_DATA_DIR: config.dataDir,
    TS_NODE_BASEURL: distRoot,
    TS_NODE_PROJECT: join(distRoot, '..', 'tsconfig.json'),
  };
  const children = new Map<App, ChildProcess>();
  const restarts = new Map<App, NodeJS.Timeout>();
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const timer of restarts.values()) clearTimeout(timer);
    const running = [...children.values()].filter((child) => child.exitCode === null && child.signalCode === null);
    for (const child of running) child.kill('SIGTERM');
    await Promise.all(running.map((child) => new Promise((r) => child.once('exit', r))));
    await embedded?.close();
    process.exit(code);
  };

  const startApp = (app: App, crashes: number) => {
    const child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', join(distRoot, 'apps', app, 'src', 'main.js')], { env, stdio: 'inherit' });
    const startedAt = Date.now();
    children.set(app, child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      if (code === CONFIG_ERROR_EXIT) {
        process.stderr.write(`MQC: ${app} exited (configuration error); stopping the others\n`);
        void stopAll(CONFIG_ERROR_EXIT);
        return;
      }
      const { delayMs, crashes: counted } = restartDelayMs(crashes, Date.now() - startedAt);
      process.stderr.write(`MQC: ${app} exited (${signal ?? code}); restarting it in ${delayMs / 1000} s (crash ${counted} in a row)\n`);
      restarts.set(app, setTimeout(() => startApp(app, counted), delayMs));
    });
  };

  for (const app of APPS) startApp(app, 0);
  process.on('SIGTERM', () => void stopAll(0));
  process.on('SIGINT', () => void stopAll(0));
  process.stderr.write(
    `MQC: console and operator API on http://${config.publicHost}:${config.apiPort} (operator token: MQC_OPERATOR_TOKEN or ${join(config.dataDir, 'operator-token')})\n`,
  );
});
