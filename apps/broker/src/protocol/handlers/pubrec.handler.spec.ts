import { describe, expect, it } from 'vitest';
import { connectClient, createBroker } from '../testing/broker-fixture';

describe('outbound QoS 2: PUBLISH → PUBREC → PUBREL → PUBCOMP', () => {
  it('answers the subscriber PUBREC with PUBREL and frees the window on PUBCOMP', async () => {
    const broker = createBroker({ maxInflight: 1 });
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await sub.subscribe({ topic: 't', qos: 2 });
    pub.publish('t', 'one', { qos: 2 });
    pub.publish('t', 'two', { qos: 2 });
    const first = await sub.expect('publish');
    expect(first.qos).toBe(2);
    expect(await sub.nothingReceived()).toBe(true);
    sub.send({ cmd: 'pubrec', messageId: first.messageId });
    expect((await sub.expect('pubrel')).messageId).toBe(first.messageId);
    expect(await sub.nothingReceived()).toBe(true);
    sub.send({ cmd: 'pubcomp', messageId: first.messageId });
    expect((await sub.expect('publish')).payload.toString()).toBe('two');
    await broker.close();
  });

  it('5.0: a PUBREC with an error reason code ends the exchange without PUBREL', async () => {
    const broker = createBroker({ maxInflight: 1 });
    const sub = await connectClient(broker, 5, { clientId: 'sub' });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    await sub.subscribe({ topic: 't', qos: 2 });
    pub.publish('t', 'one', { qos: 2 });
    pub.publish('t', 'two', { qos: 2 });
    const first = await sub.expect('publish');
    sub.send({ cmd: 'pubrec', messageId: first.messageId, reasonCode: 0x80 });
    expect((await sub.expect('publish')).payload.toString()).toBe('two');
    await broker.close();
  });

  it('5.0: PUBREC for an unknown packet id gets PUBREL 0x92', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'c' });
    client.send({ cmd: 'pubrec', messageId: 7 });
    expect(await client.expect('pubrel')).toMatchObject({ messageId: 7, reasonCode: 0x92 });
    await broker.close();
  });
});
