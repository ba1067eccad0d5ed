import { describe, expect, it } from 'vitest';
import { connectClient, createBroker } from '../testing/broker-fixture';

describe('inbound QoS 2: PUBLISH → PUBREC, PUBREL → PUBCOMP', () => {
  it('routes once, answers PUBREC, then PUBCOMP on PUBREL [MQTT-4.3.3-9] [MQTT-4.3.3-11]', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await sub.subscribe({ topic: 't', qos: 2 });
    pub.publish('t', 'x', { qos: 2, messageId: 10 });
    expect((await pub.expect('pubrec')).messageId).toBe(10);
    // A re-sent PUBLISH before PUBREL is acknowledged again but not delivered twice.
    pub.publish('t', 'x', { qos: 2, messageId: 10, dup: true });
    expect((await pub.expect('pubrec')).messageId).toBe(10);
    pub.send({ cmd: 'pubrel', messageId: 10 });
    expect((await pub.expect('pubcomp')).messageId).toBe(10);
    const delivered = await sub.expect('publish');
    expect(delivered).toMatchObject({ topic: 't', qos: 2 });
    expect(await sub.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('5.0: PUBREL for an unknown packet id gets PUBCOMP 0x92', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'c' });
    client.send({ cmd: 'pubrel', messageId: 99 });
    expect(await client.expect('pubcomp')).toMatchObject({ messageId: 99, reasonCode: 0x92 });
    await broker.close();
  });

  it('5.0: more unreleased QoS 2 messages than our receive maximum gets DISCONNECT 0x93 [MQTT-3.3.4-9]', async () => {
    const broker = createBroker({ receiveMaximum: 2 });
    const client = await connectClient(broker, 5, { clientId: 'c' });
    for (let id = 1; id <= 3; id++) client.publish('t', 'x', { qos: 2, messageId: id });
    await client.expect('pubrec');
    await client.expect('pubrec');
    expect((await client.expect('disconnect')).reasonCode).toBe(0x93);
    await broker.close();
  });
});
