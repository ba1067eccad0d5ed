import { describe, expect, it } from 'vitest';
import { connectClient, createBroker } from './testing/broker-fixture';

/**
 * Found by `npm run fuzz`: packets whose fields run past their end. Each took the whole broker
 * process down before they were refused as malformed.
 *
 * Packets whose remaining length ends before their packet identifier: mqtt-packet's parser
 * hands them on with packet id -1, and answering them wrote -1 into a 2-byte field, which threw
 * out of the socket's data handler.
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

/**
 * A 5.0 PUBLISH whose user property value runs past the end of the packet: mqtt-packet's
 * parser gives the value as null, and encoding the message for a subscriber threw.
 */
describe('a property that runs past the end of the packet', () => {
  // PUBLISH QoS 0, topic "t", properties (6 bytes): user property "k" = a 5-byte value of which 1 byte is there.
  const publishWithCutUserProperty = Buffer.from([0x30, 0x0b, 0x00, 0x01, 0x74, 0x06, 0x26, 0x00, 0x01, 0x6b, 0x00, 0x05, 0x76]);

  it('5.0: the PUBLISH gets DISCONNECT 0x81, is not delivered, and the broker serves on', async () => {
    const broker = createBroker();
    const subscriber = await connectClient(broker, 5, { clientId: 'subscriber' });
    await subscriber.subscribe('t');
    const fuzzed = await connectClient(broker, 5, { clientId: 'fuzzed' });
    fuzzed.sendRaw(publishWithCutUserProperty);
    expect((await fuzzed.expect('disconnect')).reasonCode).toBe(0x81);
    await fuzzed.closed;
    expect(await subscriber.nothingReceived()).toBe(true);
    const publisher = await connectClient(broker, 5, { clientId: 'publisher' });
    publisher.publish('t', 'still here', { properties: { userProperties: { k: 'v' } } });
    const delivered = await subscriber.expect('publish');
    expect(delivered.payload.toString()).toBe('still here');
    expect(delivered.properties?.userProperties).toEqual({ k: 'v' });
    await broker.close();
  });
});
