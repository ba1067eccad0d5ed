import { describe, expect, it } from 'vitest';
import { connectClient, createBroker } from '../testing/broker-fixture';

describe('PUBACK from a subscriber', () => {
  it('releases the in-flight slot; an unknown or repeated PUBACK is ignored', async () => {
    const broker = createBroker({ maxInflight: 1 });
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await sub.subscribe({ topic: 't', qos: 1 });
    for (const payload of ['1', '2', '3']) pub.publish('t', payload, { qos: 1 });
    const first = await sub.expect('publish');
    sub.send({ cmd: 'puback', messageId: first.messageId });
    const second = await sub.expect('publish');
    sub.send({ cmd: 'puback', messageId: first.messageId });
    sub.send({ cmd: 'puback', messageId: 999 });
    expect(await sub.nothingReceived()).toBe(true);
    sub.send({ cmd: 'puback', messageId: second.messageId });
    expect((await sub.expect('publish')).payload.toString()).toBe('3');
    await broker.close();
  });

  it('5.0: never has more unacknowledged messages in flight than the client receive maximum [MQTT-3.3.4-9]', async () => {
    const broker = createBroker({ maxInflight: 10 });
    const sub = await connectClient(broker, 5, { clientId: 'sub', properties: { receiveMaximum: 2 } });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await sub.subscribe({ topic: 't', qos: 1 });
    for (const payload of ['1', '2', '3']) pub.publish('t', payload, { qos: 1 });
    const first = await sub.expect('publish');
    await sub.expect('publish');
    expect(await sub.nothingReceived()).toBe(true);
    sub.send({ cmd: 'puback', messageId: first.messageId });
    expect((await sub.expect('publish')).payload.toString()).toBe('3');
    await broker.close();
  });
});
