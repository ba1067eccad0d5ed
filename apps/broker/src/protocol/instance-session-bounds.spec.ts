import { CONNACK_311, CONNACK_5 } from '@mqc/auth';
import { generate } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_PACKETS } from './connection-lifecycle';
import { connectClient, createBroker, openClient } from './testing/broker-fixture';
import type { PacketClient } from './testing/packet-client';

const VERSIONS = [4, 5] as const;

/** A session that outlives its connection: 3.1.1 clean session 0, 5.0 clean start 0 with an expiry. */
function persistent(version: 4 | 5) {
  return version === 5 ? { clean: false, properties: { sessionExpiryInterval: 300 } } : { clean: false };
}

async function disconnect(client: PacketClient): Promise<void> {
  client.send({ cmd: 'disconnect' });
  await client.closed;
}

function returnCode(version: 4 | 5, connack: { reasonCode?: number; returnCode?: number }): number | undefined {
  return version === 5 ? connack.reasonCode : connack.returnCode;
}

describe('the session quota of an instance (online and offline sessions)', () => {
  it.each(VERSIONS)('%s: a CONNECT that needs a new session beyond it is refused (5.0 0x97 with a reason, 3.1.1 3) and counted', async (version) => {
    const broker = createBroker({ maxSessions: 2 });
    for (const clientId of ['a', 'b']) await disconnect(await connectClient(broker, version, { clientId, ...persistent(version) }));
    expect(broker.usage.sessions).toBe(2);
    const refused = openClient(broker, version);
    const connack = await refused.connect({ clientId: 'c', ...persistent(version) });
    if (version === 5) expect(connack).toMatchObject({ reasonCode: CONNACK_5.quotaExceeded, sessionPresent: false, properties: { reasonString: 'session quota exceeded' } });
    else expect(connack).toMatchObject({ returnCode: CONNACK_311.serverUnavailable, sessionPresent: false });
    await refused.closed;
    // Clean session / clean start needs a session while connected, too.
    const clean = openClient(broker, version);
    expect(returnCode(version, await clean.connect({ clientId: 'd', clean: true }))).toBe(version === 5 ? CONNACK_5.quotaExceeded : CONNACK_311.serverUnavailable);
    expect(broker.refusals['session-quota']).toBe(2);
    expect(broker.usage.sessions).toBe(2);
    await broker.close();
  });

  it.each(VERSIONS)('%s: resuming a session, starting clean over one and taking a connection over always work at the quota', async (version) => {
    const broker = createBroker({ maxSessions: 2 });
    for (const clientId of ['a', 'b']) await disconnect(await connectClient(broker, version, { clientId, ...persistent(version) }));
    const resumed = openClient(broker, version);
    expect(await resumed.connect({ clientId: 'a', ...persistent(version) })).toMatchObject({ sessionPresent: true });
    const takeOver = openClient(broker, version);
    expect(await takeOver.connect({ clientId: 'a', ...persistent(version) })).toMatchObject({ sessionPresent: true });
    await resumed.closed;
    const cleanStart = openClient(broker, version);
    expect(returnCode(version, await cleanStart.connect({ clientId: 'b', clean: true }))).toBe(0);
    expect(broker.refusals['session-quota']).toBe(0);
    expect(broker.usage.sessions).toBe(2);
    await broker.close();
  });

  it('5.0: a clean start session with expiry 0 counts while connected and frees its place when it disconnects', async () => {
    const broker = createBroker({ maxSessions: 1 });
    const first = await connectClient(broker, 5, { clientId: 'x', clean: true });
    expect((await openClient(broker, 5).connect({ clientId: 'y', clean: true })).reasonCode).toBe(CONNACK_5.quotaExceeded);
    await disconnect(first);
    expect((await openClient(broker, 5).connect({ clientId: 'y', clean: true })).reasonCode).toBe(0);
    expect(broker.refusals['session-quota']).toBe(1);
    await broker.close();
  });
});

describe('the queued bytes of an instance (all sessions together)', () => {
  it.each(VERSIONS)('%s: beyond the bound a session drops its own oldest QoS 0 first; one with nothing queued loses the new message; each drop counted', async (version) => {
    // Each message: topic "a"/"b" (1 byte) + 99 bytes of payload = 100 bytes; the instance holds three.
    const broker = createBroker({ maxQueuedBytesPerInstance: 350 });
    const first = await connectClient(broker, version, { clientId: 's1', ...persistent(version) });
    await first.subscribe({ topic: 'a', qos: 1 });
    await disconnect(first);
    const second = await connectClient(broker, version, { clientId: 's2', ...persistent(version) });
    await second.subscribe({ topic: 'b', qos: 1 });
    await disconnect(second);
    const pub = await connectClient(broker, version, { clientId: 'pub' });
    const publish = async (topic: string, label: string, qos: 0 | 1): Promise<void> => {
      pub.publish(topic, label.padEnd(99, '.'), { qos });
      if (qos === 1) await pub.expect('puback');
    };
    await publish('a', '1', 1);
    await publish('a', '2', 0);
    await publish('a', '3', 1);
    expect(broker.usage.queuedBytes).toBe(300);
    await publish('a', '4', 1); // s1 drops its QoS 0 message "2"
    await publish('b', '5', 1); // s2 has nothing to drop: "5" is lost
    expect(broker.refusals['instance-queue-full']).toBe(2);
    expect(broker.refusals['queue-full']).toBe(0);
    expect(broker.usage.queuedBytes).toBe(300);

    const back = await connectClient(broker, version, { clientId: 's1', ...persistent(version) });
    const received: string[] = [];
    for (let i = 0; i < 3; i++) {
      const delivered = await back.expect('publish');
      received.push(delivered.payload.toString()[0]!);
      back.send({ cmd: 'puback', messageId: delivered.messageId });
    }
    expect(received).toEqual(['1', '3', '4']);
    expect(await back.nothingReceived()).toBe(true);
    expect(broker.usage.queuedBytes).toBe(0);
    // With room again, s2 queues what comes next.
    await publish('b', '6', 1);
    const secondBack = await connectClient(broker, version, { clientId: 's2', ...persistent(version) });
    expect((await secondBack.expect('publish')).payload.toString()[0]).toBe('6');
    expect(await secondBack.nothingReceived()).toBe(true);
    await broker.close();
  });
});

describe('packets sent before the CONNACK', () => {
  function gatedBroker(maxPacketSize = 1024 * 1024) {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const broker = createBroker({ maxPacketSize }, async () => {
      await gate;
      return { kind: 'allow', superuser: false };
    });
    return { broker, release };
  }

  function connectBytes(version: 4 | 5): Buffer {
    return generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId: 'early', clean: true, keepalive: 0 }, { protocolVersion: version });
  }

  function pings(count: number, version: 4 | 5): Buffer[] {
    return Array.from({ length: count }, () => generate({ cmd: 'pingreq' }, { protocolVersion: version }));
  }

  it.each(VERSIONS)(`%s: up to ${MAX_PENDING_PACKETS} wait for the CONNACK and are handled after it`, async (version) => {
    const { broker, release } = gatedBroker();
    const client = openClient(broker, version);
    client.sendRaw(Buffer.concat([connectBytes(version), ...pings(MAX_PENDING_PACKETS, version)]));
    expect(await client.nothingReceived()).toBe(true);
    release();
    expect((await client.next()).cmd).toBe('connack');
    for (let i = 0; i < MAX_PENDING_PACKETS; i++) expect((await client.next()).cmd).toBe('pingresp');
    expect(broker.refusals['pending-before-connack']).toBe(0);
    await broker.close();
  });

  it.each(VERSIONS)('%s: one packet more, in the same read as the CONNECT, closes the connection without a CONNACK, counted', async (version) => {
    const { broker, release } = gatedBroker();
    const client = openClient(broker, version);
    client.sendRaw(Buffer.concat([connectBytes(version), ...pings(MAX_PENDING_PACKETS + 1, version)]));
    expect(await client.drainUntilClosed()).toEqual([]);
    expect(broker.refusals['pending-before-connack']).toBe(1);
    release();
    expect(broker.connectedClients).toBe(0);
    await broker.close();
  });

  it.each(VERSIONS)('%s: more bytes than the maximum packet size close the connection, counted', async (version) => {
    const { broker, release } = gatedBroker(1000);
    const client = openClient(broker, version);
    const publishes = [1, 2, 3].map((messageId) => generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(400), qos: 1, messageId, retain: false, dup: false }, { protocolVersion: version }));
    client.sendRaw(Buffer.concat([connectBytes(version), ...publishes]));
    expect(await client.drainUntilClosed()).toEqual([]);
    expect(broker.refusals['pending-before-connack']).toBe(1);
    release();
    await broker.close();
  });
});
