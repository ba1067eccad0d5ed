import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve, sep } from 'node:path';

/** The account the server runs as when we are root. */
export interface Owner {
  uid: number;
  gid: number;
}

const SERVER_ACCOUNT = 'postgres';

/** Unset unless we are root: then the `postgres` account, which must exist. */
export function clusterOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, SERVER_ACCOUNT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      `the embedded PostgreSQL cannot run as root and there is no '${SERVER_ACCOUNT}' account to run it as: create one (useradd --system ${SERVER_ACCOUNT}), run as another user, or set DATABASE_URL`,
    );
  }
}

export function giveTo(path: string, owner: Owner): void {
  chownSync(path, owner.uid, owner.gid);
}

/** Others may pass through the directory (not list it): its files keep their own modes. */
export function letTraverse(directory: string): void {
  const mode = statSync(directory).mode & 0o7777;
  if ((mode & 0o001) === 0) chmodSync(directory, mode | 0o001);
}

/**
 * The first directory on the way to `path` that `owner` may not pass through, if any: the
 * server could not reach its cluster there (a data directory under /root, say).
 */
export function blockedOnTheWay(path: string, owner: Owner): string | undefined {
  const parts = resolve(path).split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const directory = sep + parts.slice(0, i).join(sep);
    let stat;
    try {
      stat = statSync(directory);
    } catch {
      return undefined; // Not made yet: we make it, and let it be traversed.
    }
    const bit = stat.uid === owner.uid ? 0o100 : stat.gid === owner.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return directory;
  }
  return undefined;
}

/** The superuser's password: 32 random bytes on first start, kept with mode 0600. */
export function readOrCreatePassword(directory: string): string {
  const path = join(directory, 'password');
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const password = randomBytes(32).toString('hex');
  writeFileSync(path, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return password;
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A launcher killed outright (SIGKILL) leaves its server running, adopted by another process.
 * Such an orphan is stopped (fast shutdown) so this start can use the cluster; a server still
 * the child of the launcher that started it is another `npm start` on the same data
 * directory, and that is refused.
 */
export async function stopOrphanedServer(directory: string, cluster: string): Promise<void> {
  const pid = postmasterPid(cluster);
  if (pid === undefined || !alive(pid) || !readProc(pid, 'cmdline').includes(cluster)) return;
  const parent = Number(readProc(pid, 'stat').replace(/^.*\) /s, '').split(' ')[1]);
  if (parent === launcherPid(directory)) {
    throw new Error(`the embedded PostgreSQL in ${cluster} is in use by process ${parent}: stop that npm start, or give this one another MQC_DATA_DIR`);
  }
  process.kill(pid, 'SIGINT');
  for (let waited = 0; alive(pid); waited += 100) {
    if (waited > 60_000) throw new Error(`the orphaned embedded PostgreSQL (process ${pid}) in ${cluster} did not stop`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Records which process started the server, for the next start's check above. */
export function recordLauncher(directory: string): void {
  writeFileSync(join(directory, 'launcher.pid'), `${process.pid}\n`, { mode: 0o600 });
}

function launcherPid(directory: string): number | undefined {
  try {
    return Number(readFileSync(join(directory, 'launcher.pid'), 'utf8').trim());
  } catch {
    return undefined;
  }
}

function postmasterPid(cluster: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(cluster, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}
