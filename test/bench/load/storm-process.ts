/**
 * A connect storm from its own process. The storm's first burst (every client connecting at
 * once) would otherwise stall the event loop of the process that timestamps the latency
 * messages, and the benchmark would measure its own stall instead of the broker's.
 *
 * Forked by `stormFromOwnProcess`; argv: port, clients, user-name prefix, password.
 */
import { fork } from 'node:child_process';
import { connectRate } from '../scenarios/connect-rate.scenario';

export interface StormOptions {
  port: number;
  clients: number;
  /** Each client is `<usernamePrefix>-storm-<n>`: a different user each, so every CONNECT pays a full hash. */
  usernamePrefix: string;
  password: string;
}

/** Runs the storm in a child process; resolves when every client got its CONNACK (or was closed). */
export function stormFromOwnProcess(options: StormOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [String(options.port), String(options.clients), options.usernamePrefix, options.password], {
      execArgv: ['-r', 'tsconfig-paths/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`connect storm process exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const [port = '', clients = '', usernamePrefix = '', password = ''] = process.argv.slice(2);
  await connectRate(Number(port), {
    count: Number(clients),
    concurrency: Number(clients),
    prefix: 'storm',
    credentials: (clientId) => ({ username: `${usernamePrefix}-${clientId}`, password }),
  });
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`connect storm failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
