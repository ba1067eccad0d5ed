/**
 * `npm start`: the whole product on one machine. Without DATABASE_URL it runs the embedded
 * PostgreSQL (PGlite, kept in MQC_DATA_DIR) and hands its URL to the three apps, which run as
 * separate processes exactly as they would in a deployment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { exitOnConfigError, loadConfig } from '@mqc/config';
import { openMigrated, startEmbeddedPostgres, type EmbeddedPostgres } from '@mqc/db';
import { runApp } from '@mqc/observability';
import { connectRedis } from '@mqc/queue';

const APPS = ['control-plane', 'broker', 'worker'] as const;
const distRoot = resolve(__dirname, '..', '..');

runApp('start', async () => {
  const config = exitOnConfigError(() => loadConfig());
  (await connectRedis(config.redisUrl, 'mqc-start')).disconnect();

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir);
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
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of children.values()) child.kill('SIGTERM');
    await Promise.all([...children.values()].map((child) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : undefined)));
    await embedded?.close();
    process.exit(code);
  };

  for (const app of APPS) {
    const child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', join(distRoot, 'apps', app, 'src', 'main.js')], { env, stdio: 'inherit' });
    children.set(app, child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`MQC: ${app} exited (${signal ?? code}); stopping the others\n`);
      void stopAll(1);
    });
  }
  process.on('SIGTERM', () => void stopAll(0));
  process.on('SIGINT', () => void stopAll(0));
  process.stderr.write(
    `MQC: console and operator API on http://${config.publicHost}:${config.apiPort} (operator token: MQC_OPERATOR_TOKEN or ${join(config.dataDir, 'operator-token')})\n`,
  );
});
