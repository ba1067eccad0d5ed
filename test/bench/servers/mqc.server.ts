import { createServer } from 'node:net';
import { runChain } from '@mqc/auth';
import { deprioritizeThreadPool } from '../../../apps/broker/src/node/thread-pool-priority';
import { DEFAULT_INSTANCE_LIMITS, InstanceBroker } from '../../../apps/broker/src/protocol/instance-broker';
import { prepareAuthWork, type AuthMode } from './auth-modes';
import { answerCpuRequests, type ServerMessage } from './server-protocol';

/** Our protocol engine on a plain TCP server, with the scenario's authentication chain. */
async function main(): Promise<void> {
  // As apps/broker/src/main.ts does first thing.
  await deprioritizeThreadPool();
  const mode = (process.env['BENCH_AUTH'] ?? 'none') as AuthMode;
  const work = await prepareAuthWork(mode);
  const policy = { anonymous: mode === 'none' ? ('allow' as const) : ('deny' as const), onBackendFailure: 'deny' as const };
  const broker = new InstanceBroker({
    instanceId: 'bench',
    limits: { ...DEFAULT_INSTANCE_LIMITS, maxConnections: 100_000, messagesPerSecond: 100_000_000, maxInflight: 1_000, maxQueuedMessages: 100_000 },
    authenticate: (credentials) => runChain({ authenticators: work.authenticators, policy }, credentials),
  });
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    broker.handleConnection(socket, { remoteAddress: socket.remoteAddress ?? '', transport: 'tcp' });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') process.send?.({ type: 'ready', port: address.port } satisfies ServerMessage);
  });
  answerCpuRequests();
}

void main();
