import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkNats } from './nats-check';

describe('checkNats (npm start)', () => {
  it('passes a NATS server with JetStream on', async () => {
    await expect(checkNats(process.env['MQC_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222')).resolves.toBeUndefined();
  });

  it('says in one line when nothing listens', async () => {
    await expect(checkNats('nats://127.0.0.1:1')).rejects.toThrow(/^cannot reach NATS at 127\.0\.0\.1:1 .*set NATS_URL$/);
  });

  it('says when JetStream is off', async () => {
    const server = createServer((socket) => socket.end('INFO {"server_id":"x","version":"2.9.10","jetstream":false}\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await expect(checkNats(`nats://127.0.0.1:${port}`)).rejects.toThrow(/JetStream off/);
    server.close();
  });
});
