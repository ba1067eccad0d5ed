import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import pino from 'pino';
import { join } from 'node:path';
import { openTcpListener } from '../../../apps/broker/src/listeners/tcp-listener';
import { openTlsListener } from '../../../apps/broker/src/listeners/tls-listener';
import { runChain } from '@mqc/auth';
import { deprioritizeThreadPool } from '../../../apps/broker/src/node/thread-pool-priority';
import { AuthorizerMetrics } from '../../../apps/broker/src/node/authorizer-metrics';
import type { InstanceAuthorization } from '../../../apps/broker/src/protocol/authorization';
import { DEFAULT_INSTANCE_LIMITS, InstanceBroker } from '../../../apps/broker/src/protocol/instance-broker';
import { DurableStore } from '../../../apps/broker/src/persistence/durable-store';
import { BENCH_ACL_RULES } from './acl-rules';
import { prepareAuthWork, type AuthMode } from './auth-modes';
import { answerCpuRequests, type ServerMessage } from './server-protocol';

/**
 * `BENCH_AUTHZ=rules`: the scenario's 20 rules as one built-in-database authorizer, noMatch
 * deny, with the node's per-authorizer metrics observer: what connect/load-authorization.ts
 * gives the engine for such an instance. Otherwise no authorization (an open instance).
 */
function benchAuthorization(): InstanceAuthorization | undefined {
  if (process.env['BENCH_AUTHZ'] !== 'rules') return undefined;
  return { authorizers: [{ id: 'bench-rules', type: 'built-in-database' }], rules: BENCH_ACL_RULES, noMatch: 'deny', denyAction: 'ignore', observer: new AuthorizerMetrics() };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Our protocol engine on a plain TCP server, with the scenario's authentication chain and authorization. */
async function main(): Promise<void> {
  // As apps/broker/src/main.ts does first thing.
  await deprioritizeThreadPool();
  const mode = (process.env['BENCH_AUTH'] ?? 'none') as AuthMode;
  const work = await prepareAuthWork(mode);
  const policy = { anonymous: mode === 'none' ? ('allow' as const) : ('deny' as const), onBackendFailure: 'deny' as const };
  // BENCH_NATS_PREFIX (issue 14): the instance's persistent sessions and retained messages on
  // NATS JetStream under that prefix, loaded first, as a broker node does before it serves.
  const prefix = process.env['BENCH_NATS_PREFIX'];
  const loaded = prefix === undefined ? undefined : await (await DurableStore.open({ natsUrl: process.env['MQC_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222', prefix, replicas: 1, name: 'bench' }, pino({ enabled: false }))).loadInstanceState('bench');
  const broker = new InstanceBroker({
    instanceId: 'bench',
    limits: { ...DEFAULT_INSTANCE_LIMITS, maxConnections: 100_000, maxSessions: 100_000, messagesPerSecond: 100_000_000, maxInflight: 1_000, maxQueuedMessages: 100_000 },
    authenticate: (credentials) => runChain({ authenticators: work.authenticators, policy }, credentials),
    authorization: benchAuthorization(),
    durability: loaded?.store,
  });
  if (loaded !== undefined) broker.restore(loaded.state);
  // Our TCP listener, as an instance's port 1883 runs it (what it keeps per socket is measured too).
  const port = await freePort();
  await openTcpListener(broker, { host: '127.0.0.1', port, onError: (error) => console.error(error) });
  // BENCH_TLS_DIR: also our TLS listener (mode TLS, as an instance's port 8883) with that directory's certificate.
  const dir = process.env['BENCH_TLS_DIR'];
  let tlsPort: number | undefined;
  if (dir !== undefined) {
    tlsPort = await freePort();
    const material = { certPem: readFileSync(join(dir, 'server.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'server.key'), 'utf8'), caPem: readFileSync(join(dir, 'ca.pem'), 'utf8') };
    await openTlsListener(broker, { host: '127.0.0.1', port: tlsPort, onError: (error) => console.error(error) }, { ...material, mode: 'TLS', registeredCaPems: [] });
  }
  process.send?.({ type: 'ready', port, tlsPort } satisfies ServerMessage);
  answerCpuRequests();
}

void main();
