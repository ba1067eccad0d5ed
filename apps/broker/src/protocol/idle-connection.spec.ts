import { generate } from 'mqtt-packet';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientConnection } from './client-connection';
import { PARSER_IDLE_MS } from './connection-lifecycle';
import type { InstanceBroker } from './instance-broker';
import type { InstanceContext } from './instance-context';
import { connectClient, createBroker } from './testing/broker-fixture';

/** The keep-alive and idle-parser wheels tick on setInterval: faked with the clock. */
function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
}

afterEach(() => {
  vi.useRealTimers();
});

function connectionOf(broker: InstanceBroker, clientId: string): ClientConnection {
  const connection = (broker as unknown as { ctx: InstanceContext }).ctx.clients.get(clientId);
  if (connection === undefined) throw new Error(`${clientId} is not connected`);
  return connection;
}

describe('an idle connection', () => {
  it('drops its parser after a quiet spell; the next packets are read with the negotiated 5.0 format', async () => {
    useFakeClock();
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'dev', keepalive: 0 });
    await client.subscribe('t');
    expect(connectionOf(broker, 'dev').parser).toBeDefined();
    vi.advanceTimersByTime(PARSER_IDLE_MS + 1_000);
    expect(connectionOf(broker, 'dev').parser).toBeUndefined();
    client.publish('t', 'after the quiet', { properties: { userProperties: { k: 'v' }, contentType: 'text/plain' } });
    const received = await client.expect('publish');
    expect(received.payload.toString()).toBe('after the quiet');
    expect(received.properties).toMatchObject({ userProperties: { k: 'v' }, contentType: 'text/plain' });
    // A PUBLISH is read in place (inbound-frames.ts): no parser for it.
    expect(connectionOf(broker, 'dev').parser).toBeUndefined();
    // Other packets make it again, reading the 5.0 format (an UNSUBSCRIBE with properties).
    client.send({ cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['t'], properties: { userProperties: { k: 'v' } } });
    expect((await client.expect('unsuback')).granted).toEqual([0]);
    expect(connectionOf(broker, 'dev').parser).toBeDefined();
    await broker.close();
  });

  it('keeps part of a packet through a quiet spell, and completes the packet when the rest comes', async () => {
    useFakeClock();
    const broker = createBroker();
    const client = await connectClient(broker, 4, { clientId: 'dev', keepalive: 0 });
    await client.subscribe('t');
    const publish = generate({ cmd: 'publish', topic: 't', payload: Buffer.from('split'), qos: 0, retain: false, dup: false }, { protocolVersion: 4 });
    client.sendRaw(publish.subarray(0, 4));
    expect(await client.nothingReceived()).toBe(true);
    vi.advanceTimersByTime(PARSER_IDLE_MS * 3);
    expect(connectionOf(broker, 'dev').heldBytes).toBe(4);
    client.sendRaw(publish.subarray(4));
    expect((await client.expect('publish')).payload.toString()).toBe('split');
    await broker.close();
  });

  it('is closed by the shared keep-alive wheel at 1.5 × keep alive, not before', async () => {
    useFakeClock();
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'dev', keepalive: 4 });
    vi.advanceTimersByTime(5_750);
    expect(await client.nothingReceived()).toBe(true);
    vi.advanceTimersByTime(250);
    expect((await client.expect('disconnect')).reasonCode).toBe(0x8d);
    await broker.close();
  });

  it('a ping moves the keep-alive deadline: closed 1.5 × keep alive after the last bytes', async () => {
    useFakeClock();
    const broker = createBroker();
    const client = await connectClient(broker, 4, { clientId: 'dev', keepalive: 4 });
    vi.advanceTimersByTime(5_000);
    client.send({ cmd: 'pingreq' });
    await client.expect('pingresp');
    vi.advanceTimersByTime(5_750);
    expect(client.isClosed).toBe(false);
    vi.advanceTimersByTime(500);
    await client.closed;
    expect(broker.connectedClients).toBe(0);
    await broker.close();
  });
});
