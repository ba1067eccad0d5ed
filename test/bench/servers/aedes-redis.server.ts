import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import { answerCpuRequests, type ServerMessage } from './server-protocol';

/**
 * Issue 14's durable peer: aedes with aedes-persistence-redis (sessions, subscriptions, offline
 * and in-flight QoS 1/2 packets and retained messages in Redis), no authentication. Its Redis
 * database is BENCH_REDIS_DB (default 7), so the bench's keys stay out of everyone's db 0.
 */
async function main(): Promise<void> {
  const url = new URL(process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const persistence = aedesPersistenceRedis({
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(process.env['BENCH_REDIS_DB'] ?? 7),
    // Its default delivers at most 1,000 offline messages on CONNECT; the replay queues 10,000.
    maxSessionDelivery: 100_000,
  });
  const aedes = await Aedes.createBroker({ persistence });
  const server = createServer(aedes.handle);
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') process.send?.({ type: 'ready', port: address.port } satisfies ServerMessage);
  });
  answerCpuRequests();
}

void main();
