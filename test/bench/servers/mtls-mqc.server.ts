import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runChain, x509ConfigSchema } from '@mqc/auth';
import { X509Authenticator, type X509Store } from '@mqc/auth-drivers';
import { openTlsListener } from '../../../apps/broker/src/listeners/tls-listener';
import { deprioritizeThreadPool } from '../../../apps/broker/src/node/thread-pool-priority';
import { DEFAULT_INSTANCE_LIMITS, InstanceBroker } from '../../../apps/broker/src/protocol/instance-broker';
import { answerCpuRequests, type ServerMessage } from './server-protocol';

/** The registry of an mTLS instance with no registered certificates: the chain to the CA suffices. */
const store: X509Store = {
  lookup: () => Promise.resolve({ mode: 'mTLS', provisioning: 'API', autoActivate: false }),
  registerJustInTime: () => Promise.resolve(undefined),
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Our TLS listener in mTLS mode and our engine, with the x509 authenticator (CN = client id). */
async function main(): Promise<void> {
  // As apps/broker/src/main.ts does first thing.
  await deprioritizeThreadPool();
  const dir = process.env['BENCH_TLS_DIR'] ?? '.';
  const x509 = new X509Authenticator('bench-x509', x509ConfigSchema.parse({}), store);
  const broker = new InstanceBroker({
    instanceId: 'bench',
    limits: { ...DEFAULT_INSTANCE_LIMITS, maxConnections: 100_000, messagesPerSecond: 100_000_000 },
    authenticate: (credentials) => runChain({ authenticators: [x509], policy: { anonymous: 'deny', onBackendFailure: 'deny' } }, credentials),
  });
  const port = await freePort();
  await openTlsListener(broker, { host: '127.0.0.1', port, onError: (error) => console.error(error) }, {
    certPem: readFileSync(join(dir, 'server.pem'), 'utf8'),
    keyPem: readFileSync(join(dir, 'server.key'), 'utf8'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    mode: 'mTLS',
    registeredCaPems: [],
  });
  process.send?.({ type: 'ready', port } satisfies ServerMessage);
  answerCpuRequests();
}

void main();
