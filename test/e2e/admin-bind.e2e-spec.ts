import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { startBroker, type BrokerApp } from '../../apps/broker/src/broker';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';

/** GET /healthz on host:port: the status, or the connection error's code. */
function healthz(host: string, port: number): Promise<number | string> {
  return new Promise((resolve) => {
    request({ host, port, path: '/healthz' }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
      .end();
  });
}

describe('the admin ports listen on MQC_ADMIN_BIND_HOST, not on the public bind host', () => {
  // The instance listeners and the API would listen everywhere; the admin ports stay on loopback.
  const config = testConfig({ bindHost: '0.0.0.0', adminBindHost: '127.0.0.1' });
  let db: TestDatabase;
  let broker: BrokerApp;
  let worker: WorkerApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    broker = await startBroker(config, db.url, 0);
    worker = await startWorker(config, db.url, 0);
  });

  afterAll(async () => {
    await worker?.close();
    await broker?.close();
    await db?.drop();
  });

  it('answers on 127.0.0.1 and refuses another local address (127.0.0.2 reaches a socket bound to 0.0.0.0)', async () => {
    for (const port of [broker.adminPort, worker.adminPort]) {
      expect(await healthz('127.0.0.1', port)).toBe(200);
      expect(await healthz('127.0.0.2', port)).toBe('ECONNREFUSED');
    }
  });
});
