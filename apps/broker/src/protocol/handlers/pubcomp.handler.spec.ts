import { describe, expect, it } from 'vitest';
import { connectClient, createBroker } from '../testing/broker-fixture';

describe('PUBCOMP from a subscriber', () => {
  it('is ignored before the PUBREL phase: the message stays in flight', async () => {
    const broker = createBroker({ maxInflight: 1 });
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await sub.subscribe({ topic: 't', qos: 2 });
    pub.publish('t', 'one', { qos: 2 });
    pub.publish('t', 'two', { qos: 2 });
    const first = await sub.expect('publish');
    sub.send({ cmd: 'pubcomp', messageId: first.messageId });
    expect(await sub.nothingReceived()).toBe(true);
    await broker.close();
  });
});
