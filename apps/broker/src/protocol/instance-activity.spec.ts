import { describe, expect, it } from 'vitest';
import type { ChainDecision } from '@mqc/auth';
import { EVENTS_PER_TYPE_PER_SECOND, InstanceActivity, MAX_BUFFERED_EVENTS } from './instance-activity';
import { connectClient, createBroker, openClient } from './testing/broker-fixture';

describe('InstanceActivity', () => {
  it('keeps at most MAX_BUFFERED_EVENTS between drains and counts the rest', () => {
    const activity = new InstanceActivity();
    for (let i = 0; i < MAX_BUFFERED_EVENTS + 5; i++) activity.record({ type: 'client.connected', at: i });
    expect(activity.drainEvents()).toHaveLength(MAX_BUFFERED_EVENTS);
    expect(activity.drainCounters().eventsDropped).toBe(5);
    expect(activity.drainEvents()).toEqual([]);
    expect(activity.drainCounters().eventsDropped).toBe(0);
  });

  it('samples a frequent type per second, each type on its own', () => {
    const activity = new InstanceActivity();
    const taken = (type: 'message.dropped' | 'authorization.denied', now: number, times: number) => Array.from({ length: times }, () => activity.sample(type, now)).filter(Boolean).length;
    expect(taken('message.dropped', 1_000, EVENTS_PER_TYPE_PER_SECOND + 7)).toBe(EVENTS_PER_TYPE_PER_SECOND);
    expect(taken('authorization.denied', 1_500, 3)).toBe(3);
    expect(taken('message.dropped', 2_000, 1)).toBe(1);
    expect(activity.drainCounters().eventsSampledOut).toBe(7);
  });
});

describe('the engine records what the tenant sees in its event log and metrics', () => {
  it('records a refused 3.1.1 CONNECT with the reason its CONNACK cannot carry, the code sent and the authenticator', async () => {
    const deny = (): Promise<ChainDecision> =>
      Promise.resolve({ kind: 'deny', reason: 'bad-credentials', connackCode: 4, message: 'the token expired at 1700000000', authenticatorId: 'auth-1' });
    const broker = createBroker({}, deny);
    const client = openClient(broker, 4);
    expect((await client.connect({ clientId: 'dev-1', username: 'u' })).returnCode).toBe(4);
    expect(broker.activity.drainEvents()).toEqual([
      expect.objectContaining({ type: 'client.connect-refused', clientId: 'dev-1', username: 'u', source: '10.0.0.1', reason: 'the token expired at 1700000000', connackCode: 4, authenticatorId: 'auth-1', protocolVersion: 4 }),
    ]);
    expect(broker.activity.drainCounters().authentication).toEqual({ allow: 0, deny: 1, error: 0 });
    await broker.close();
  });

  it('records a throttled CONNECT as client.throttled', async () => {
    const throttled = (): Promise<ChainDecision> => Promise.resolve({ kind: 'deny', reason: 'server-unavailable', connackCode: 3, message: 'too many failed CONNECTs from this address; retry in 60 s', throttled: true });
    const broker = createBroker({}, throttled);
    await openClient(broker, 4).connect({ clientId: 'dev-2' });
    expect(broker.activity.drainEvents()).toEqual([expect.objectContaining({ type: 'client.throttled', reason: 'too many failed CONNECTs from this address; retry in 60 s', connackCode: 3 })]);
    await broker.close();
  });

  it('counts messages received and sent, and records connects and disconnects with their reasons', async () => {
    const broker = createBroker();
    const subscriber = await connectClient(broker, 5, { clientId: 'sub' });
    await subscriber.subscribe({ topic: 'a/#', qos: 0 });
    const publisher = await connectClient(broker, 4, { clientId: 'pub' });
    publisher.publish('a/1', 'x');
    publisher.publish('a/2', 'y');
    await subscriber.expect('publish');
    await subscriber.expect('publish');
    publisher.send({ cmd: 'disconnect' });
    await publisher.closed;
    const counters = broker.activity.drainCounters();
    expect(counters).toMatchObject({ received: 2, sent: 2, authentication: { allow: 2, deny: 0, error: 0 } });
    const events = broker.activity.drainEvents();
    expect(events.map((e) => [e.type, e.clientId])).toEqual([
      ['client.connected', 'sub'],
      ['client.connected', 'pub'],
      ['client.disconnected', 'pub'],
    ]);
    expect(events[2]).toMatchObject({ reason: 'client sent DISCONNECT' });
    await broker.close();
  });

  it('samples rate-limit drops as message.dropped with the reason', async () => {
    const broker = createBroker({ messagesPerSecond: 1 });
    const publisher = await connectClient(broker, 4, { clientId: 'flood' });
    publisher.publish('t', '1');
    publisher.publish('t', '2');
    await publisher.closed;
    const events = broker.activity.drainEvents();
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'message.dropped', reason: 'rate-limit', clientId: 'flood', topic: 't' })]));
    expect(events.find((e) => e.type === 'client.disconnected')).toMatchObject({ clientId: 'flood', reason: 'message rate too high' });
    await broker.close();
  });
});
