import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { AuthMode } from './servers/auth-modes';
import type { ControlMessage, ServerMessage, SettledMemory } from './servers/server-protocol';

export type BrokerKind = 'mqc' | 'aedes';

export interface BrokerProcess {
  kind: BrokerKind;
  port: number;
  /** The MQTT-over-TLS port, when the server was started with BENCH_TLS_DIR. */
  tlsPort?: number;
  pid: number;
  /** A full garbage collection in the broker, before its memory is read; the JS heap and young generation after it. */
  settle(): Promise<SettledMemory>;
  /** CPU time (user + system) the broker process has used so far, in microseconds. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * With two cores or more, the broker under test runs on core 0 and the load generator on the
 * last core, so a connect rate is the broker's own capacity on one core, not whatever CPU the
 * generator happened to leave it. Threads a process starts later (the libuv pool) inherit it.
 */
const CORES = availableParallelism();
export const BROKER_CORE = 0;
export const GENERATOR_CORE = CORES - 1;
export const PINNING = CORES >= 2;

/**
 * Pins every thread of `pid` to `core`, or frees it to every core (Linux `taskset`); false
 * when the machine has one core. A forked child inherits its parent's pinning until told.
 */
export function pinToCore(pid: number, core: number | 'all'): boolean {
  if (!PINNING) return false;
  const cpuList = core === 'all' ? `0-${CORES - 1}` : String(core);
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', cpuList, String(pid)], { stdio: 'ignore' });
  return true;
}

/**
 * Starts one broker in its own process, so its CPU time is its own; pinned to BROKER_CORE
 * unless the scenario is about using every core (the bcrypt storm).
 */
export function startBrokerProcess(kind: BrokerKind, auth: AuthMode, options: { pinned?: boolean } = {}): Promise<BrokerProcess> {
  return forkBrokerServer(kind, `${kind}.server.js`, { BENCH_AUTH: auth }, options);
}

/** Forks `servers/<script>` and talks to it over IPC: its port, then CPU-usage requests. */
export function forkBrokerServer(kind: BrokerKind, script: string, env: Record<string, string>, options: { pinned?: boolean } = {}): Promise<BrokerProcess> {
  const child: ChildProcess = fork(join(__dirname, 'servers', script), [], {
    execArgv: ['--expose-gc', '-r', 'tsconfig-paths/register'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends ServerMessage['type']>(type: T) =>
    new Promise<Extract<ServerMessage, { type: T }>>((resolve) => {
      const listener = (message: ServerMessage) => {
        if (message.type !== type) return;
        child.off('message', listener);
        resolve(message as Extract<ServerMessage, { type: T }>);
      };
      child.on('message', listener);
    });
  pinToCore(child.pid!, (options.pinned ?? true) ? BROKER_CORE : 'all');
  return next('ready').then(({ port, tlsPort }) => ({
    kind,
    port,
    tlsPort,
    pid: child.pid!,
    async settle() {
      const reply = next('settled');
      child.send({ type: 'settle' } satisfies ControlMessage);
      const { heapUsedBytes, youngGenerationBytes } = await reply;
      return { heapUsedBytes, youngGenerationBytes };
    },
    async cpuMicros() {
      const reply = next('cpu');
      child.send({ type: 'cpu' } satisfies ControlMessage);
      const { userMicros, systemMicros } = await reply;
      return userMicros + systemMicros;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  }));
}
