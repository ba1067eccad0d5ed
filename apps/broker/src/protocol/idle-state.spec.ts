import { ClientAuthorization } from '@mqc/auth';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstanceAuthorization } from './authorization';
import type { ClientConnection } from './client-connection';
import { DEFAULT_INSTANCE_LIMITS, InstanceBroker } from './instance-broker';
import type { InstanceContext } from './instance-context';
import type { Session } from './session-store';
import { connectClient } from './testing/broker-fixture';

/** Devices write their own subtree only. */
const OWN_SUBTREE: InstanceAuthorization = {
  authorizers: [{ id: 'az-1', type: 'built-in-database' }],
  rules: [{ id: 'r-own', permission: 'allow', action: 'all', topic: 'devices/${clientid}/#' }],
  noMatch: 'deny',
  denyAction: 'ignore',
};

const brokers: InstanceBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

function brokerWith(authorization?: InstanceAuthorization): InstanceBroker {
  const broker = new InstanceBroker({ instanceId: 'i-1', limits: DEFAULT_INSTANCE_LIMITS, authenticate: () => Promise.resolve({ kind: 'allow', superuser: false }), authorization });
  brokers.push(broker);
  return broker;
}

function connectionOf(broker: InstanceBroker, clientId: string): ClientConnection {
  const connection = (broker as unknown as { ctx: InstanceContext }).ctx.clients.get(clientId);
  if (connection === undefined) throw new Error(`${clientId} is not connected`);
  return connection;
}

function sessionOf(broker: InstanceBroker, clientId: string): Session {
  const session = connectionOf(broker, clientId).session;
  if (session === undefined) throw new Error(`${clientId} has no session`);
  return session;
}

describe("an idle client's state, made on first use (issue 16)", () => {
  it('holds no compiled authorization until its first check, which then obeys the rules with its identity', async () => {
    const broker = brokerWith(OWN_SUBTREE);
    const device = await connectClient(broker, 5, { clientId: 'd1' });
    expect(connectionOf(broker, 'd1').authorization).not.toBeInstanceOf(ClientAuthorization);
    device.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'devices/d2/#', qos: 0 }, { topic: 'devices/d1/#', qos: 0 }] });
    expect((await device.expect('suback')).granted).toEqual([0x87, 0]);
    expect(connectionOf(broker, 'd1').authorization).toBeInstanceOf(ClientAuthorization);
  });

  it('sessions share empty views until they subscribe, hold a message in flight or await a release; each then has its own', async () => {
    const broker = brokerWith();
    const receiver = await connectClient(broker, 4, { clientId: 'rx' });
    const sender = await connectClient(broker, 4, { clientId: 'tx' });
    const [rx, tx] = [sessionOf(broker, 'rx'), sessionOf(broker, 'tx')];
    expect(rx.subscriptions).toBe(tx.subscriptions);
    expect(rx.inflight).toBe(tx.inflight);
    expect(rx.awaitingRelease).toBe(tx.awaitingRelease);

    expect((await receiver.subscribe({ topic: 't', qos: 1 })).granted).toEqual([1]);
    expect([rx.subscriptions.size, tx.subscriptions.size]).toEqual([1, 0]);
    // QoS 2 in: the sender's packet id awaits its PUBREL; the message goes out at QoS 1, in flight to the receiver.
    sender.publish('t', 'm', { qos: 2, messageId: 5 });
    await sender.expect('pubrec');
    const delivered = await receiver.expect('publish');
    expect([...tx.awaitingRelease]).toEqual([5]);
    expect(rx.awaitingRelease.size).toBe(0);
    expect([...rx.inflight.keys()]).toEqual([delivered.messageId]);
    expect(tx.inflight.size).toBe(0);
    sender.send({ cmd: 'pubrel', messageId: 5 });
    await sender.expect('pubcomp');
    receiver.send({ cmd: 'puback', messageId: delivered.messageId as number });
    expect(await receiver.nothingReceived()).toBe(true);
    expect([tx.awaitingRelease.size, rx.inflight.size]).toEqual([0, 0]);
  });

  it('sessions share the empty queue until one queues for its client past the in-flight window, in a queue of its own', async () => {
    const broker = new InstanceBroker({ instanceId: 'i-1', limits: { ...DEFAULT_INSTANCE_LIMITS, maxInflight: 1 }, authenticate: () => Promise.resolve({ kind: 'allow', superuser: false }) });
    brokers.push(broker);
    const receiver = await connectClient(broker, 4, { clientId: 'rx' });
    const sender = await connectClient(broker, 4, { clientId: 'tx' });
    await receiver.subscribe({ topic: 't', qos: 1 });
    expect(sessionOf(broker, 'rx').queue).toBe(sessionOf(broker, 'tx').queue);
    sender.publish('t', 'first', { qos: 1, messageId: 1 });
    sender.publish('t', 'second', { qos: 1, messageId: 2 });
    const first = await receiver.expect('publish');
    await sender.expect('puback');
    await sender.expect('puback');
    expect(sessionOf(broker, 'rx').queue.length).toBe(1);
    expect(sessionOf(broker, 'tx').queue.length).toBe(0);
    receiver.send({ cmd: 'puback', messageId: first.messageId as number });
    expect((await receiver.expect('publish')).payload.toString()).toBe('second');
    expect(sessionOf(broker, 'rx').queue.length).toBe(0);
  });
});
