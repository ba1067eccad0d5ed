import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { AuthMode } from './servers/auth-modes';
import type { ControlMessage, ServerMessage } from './servers/server-protocol';

export type BrokerKind = 'mqc' | 'aedes';

export interface BrokerProcess {
  kind: BrokerKind;
  port: number;
  /** CPU time (user + system) the broker process has used so far, in microseconds. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts one broker in its own process, so its CPU time is its own. */
export function startBrokerProcess(kind: BrokerKind, auth: AuthMode): Promise<BrokerProcess> {
  return forkBrokerServer(kind, `${kind}.server.js`, { BENCH_AUTH: auth });
}

/** Forks `servers/<script>` and talks to it over IPC: its port, then CPU-usage requests. */
export function forkBrokerServer(kind: BrokerKind, script: string, env: Record<string, string>): Promise<BrokerProcess> {
  const child: ChildProcess = fork(join(__dirname, 'servers', script), [], {
    execArgv: ['-r', 'tsconfig-paths/register'],
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
  return next('ready').then(({ port }) => ({
    kind,
    port,
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
