import { describe, expect, it } from 'vitest';
import { connectClient, createBroker } from './testing/broker-fixture';

/**
 * Packets whose remaining length ends before their packet identifier: mqtt-packet's parser
 * hands them on with packet id -1, and answering them wrote -1 into a 2-byte field, which threw
 * out of the socket's data handler and took the whole broker process down (found by `npm run fuzz`).
 */
describe('a packet too short to hold its packet identifier', () => {
  const cases = [
    { name: 'PUBREC with remaining length 0', bytes: [0x50, 0x00] },
    { name: 'PUBREC with remaining length 1', bytes: [0x50, 0x01, 0x07] },
    { name: 'PUBREL with remaining length 0', bytes: [0x62, 0x00] },
    { name: 'PUBLISH QoS 1 that ends after its topic', bytes: [0x32, 0x03, 0x00, 0x01, 0x74] },
    { name: 'PUBLISH QoS 2 that ends after its topic', bytes: [0x34, 0x03, 0x00, 0x01, 0x74] },
  ];

  for (const { name, bytes } of cases) {
    it(`3.1.1: ${name} is malformed: the connection is closed and the broker serves on`, async () => {
      const broker = createBroker();
      const fuzzed = await connectClient(broker, 4, { clientId: 'fuzzed' });
      const other = await connectClient(broker, 4, { clientId: 'other' });
      fuzzed.sendRaw(Buffer.from(bytes));
      expect(await fuzzed.drainUntilClosed()).toEqual([]);
      await other.subscribe('t');
      other.publish('t', 'still here');
      expect((await other.expect('publish')).payload.toString()).toBe('still here');
      await broker.close();
    });
  }

  it('5.0: PUBREC with remaining length 0 gets DISCONNECT 0x81 malformed packet', async () => {
    const broker = createBroker();
    const fuzzed = await connectClient(broker, 5, { clientId: 'fuzzed' });
    fuzzed.sendRaw(Buffer.from([0x50, 0x00]));
    expect((await fuzzed.expect('disconnect')).reasonCode).toBe(0x81);
    await fuzzed.closed;
    await broker.close();
  });
});
