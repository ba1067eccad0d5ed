import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { BROKER_CORE, pinToCore } from '../broker-process';
import { procCpuMicros } from '../proc-usage';
import type { SettledMemory } from './server-protocol';
import { sleep } from '../stats';

/** The third peer: mosquitto 2.0, the C broker (Debian's /usr/sbin/mosquitto). */
export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface MosquittoProcess {
  kind: 'mosquitto';
  port: number;
  tlsPort?: number;
  pid: number;
  cpuMicros(): Promise<number>;
  /** Nothing to collect: no JS heap (NaN), no young generation. */
  settle(): Promise<SettledMemory>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function listening(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(true));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`mosquitto did not listen on ${port}`);
}

/**
 * Starts mosquitto on free ports (never 1883) with its own configuration file: anonymous
 * clients, no persistence, no logging; with `tlsDir`, a second listener with that directory's
 * server certificate. Pinned to the brokers' core like the others.
 */
export async function startMosquitto(options: { tlsDir?: string } = {}): Promise<MosquittoProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mqc-bench-mosquitto-'));
  const port = await freePort();
  const tlsPort = options.tlsDir === undefined ? undefined : await freePort();
  // `user`: run as ourselves (as root, mosquitto would switch to its own user and fail to read the key in our temporary directory).
  const lines = ['per_listener_settings false', 'allow_anonymous true', 'persistence false', 'log_dest none', `user ${userInfo().username}`, `listener ${port} 127.0.0.1`];
  if (options.tlsDir !== undefined) lines.push(`listener ${tlsPort} 127.0.0.1`, `certfile ${join(options.tlsDir, 'server.pem')}`, `keyfile ${join(options.tlsDir, 'server.key')}`);
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = child.pid!;
  pinToCore(pid, BROKER_CORE);
  await listening(port);
  if (tlsPort !== undefined) await listening(tlsPort);
  return {
    kind: 'mosquitto',
    port,
    tlsPort,
    pid,
    cpuMicros: () => Promise.resolve(procCpuMicros(pid)),
    settle: () => Promise.resolve({ heapUsedBytes: Number.NaN, youngGenerationBytes: 0 }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGKILL');
      }),
  };
}
