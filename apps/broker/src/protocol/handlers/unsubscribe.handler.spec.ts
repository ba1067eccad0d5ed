import { describe, expect, it } from 'vitest';
import { connectClient, createBroker } from '../testing/broker-fixture';

describe('UNSUBSCRIBE / UNSUBACK', () => {
  it('stops delivery and answers UNSUBACK with the packet id (3.1.1)', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/+', qos: 0 }] });
    await sub.expect('suback');
    sub.send({ cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['a/+'] });
    expect((await sub.expect('unsuback')).messageId).toBe(9);
    pub.send({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
    expect(await sub.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('5.0: one reason code per filter — success, no subscription existed 0x11, invalid filter 0x8F', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'sub' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/#', qos: 1 }] });
    await client.expect('suback');
    client.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['x/#', 'y', 'a/#/b'] });
    const unsuback = await client.expect('unsuback');
    expect(unsuback.granted).toEqual([0x00, 0x11, 0x8f]);
    await broker.close();
  });
});
