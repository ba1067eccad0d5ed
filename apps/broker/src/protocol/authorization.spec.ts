import type { ChainDecision, ClientAcl } from '@mqc/auth';
import { parseJwtAclClaim } from '@mqc/auth';
import type { IPublishPacket } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstanceAuthorization } from './authorization';
import { DEFAULT_INSTANCE_LIMITS, InstanceBroker } from './instance-broker';
import { connectClient } from './testing/broker-fixture';
import type { PacketClient } from './testing/packet-client';

const BUILT_IN = { id: 'az-1', type: 'built-in-database' } as const;
const CLIENT_INFO = { id: 'az-2', type: 'client-info' } as const;

/** Devices read and write their own subtree; `ops` may read everything under devices/. */
const RULES: InstanceAuthorization = {
  authorizers: [BUILT_IN],
  rules: [
    { id: 'r-own', permission: 'allow', action: 'all', topic: 'devices/${clientid}/#' },
    { id: 'r-ops', permission: 'allow', action: 'subscribe', topic: 'devices/#', clientId: 'ops' },
    { id: 'r-cmd', permission: 'allow', action: 'publish', topic: 'commands/+', qos: [0, 1] },
  ],
  noMatch: 'deny',
  denyAction: 'ignore',
};

const brokers: InstanceBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

function brokerWith(authorization: InstanceAuthorization | undefined, decide: (clientId: string) => ChainDecision = () => ({ kind: 'allow', superuser: false })): InstanceBroker {
  const broker = new InstanceBroker({
    instanceId: 'i-1',
    limits: DEFAULT_INSTANCE_LIMITS,
    authenticate: (credentials) => Promise.resolve(decide(credentials.clientId)),
    authorization,
  });
  brokers.push(broker);
  return broker;
}

function publish(client: PacketClient, topic: string, qos: 0 | 1 | 2, messageId: number, retain = false): void {
  const packet: IPublishPacket = { cmd: 'publish', topic, payload: Buffer.from(topic), qos, retain, dup: false, messageId: qos > 0 ? messageId : undefined };
  client.send(packet);
}

async function subscribe(client: PacketClient, topic: string, qos: 0 | 1 | 2 = 0, messageId = 1): Promise<number[]> {
  client.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] });
  return (await client.expect('suback')).granted as number[];
}

describe.each([4, 5] as const)('authorization in the protocol engine (MQTT %s)', (version) => {
  const v5 = version === 5;
  const subackDenied = v5 ? 0x87 : 0x80;

  it('SUBSCRIBE: a filter no rule allows gets SUBACK 0x87 (5.0) / 0x80 (3.1.1), an allowed one its QoS', async () => {
    const broker = brokerWith(RULES);
    const device = await connectClient(broker, version, { clientId: 'd1' });
    device.send({ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'devices/d2/#', qos: 1 }, { topic: 'devices/d1/#', qos: 1 }, { topic: '$share/g/devices/d2/x', qos: 0 }, { topic: '#', qos: 0 }] });
    expect((await device.expect('suback')).granted).toEqual([subackDenied, 1, subackDenied, subackDenied]);
  });

  it('PUBLISH: a denied QoS 1/2 gets 0x87 (5.0) or is acknowledged and dropped (3.1.1); QoS 0 is dropped; nothing is routed', async () => {
    const broker = brokerWith(RULES);
    const ops = await connectClient(broker, version, { clientId: 'ops' });
    expect(await subscribe(ops, 'devices/#', 2)).toEqual([2]);
    const device = await connectClient(broker, version, { clientId: 'd1' });
    publish(device, 'devices/d2/state', 1, 1);
    const puback = await device.expect('puback');
    expect(puback.messageId).toBe(1);
    if (v5) expect(puback.reasonCode).toBe(0x87);
    publish(device, 'devices/d2/state', 2, 2);
    const pubrec = await device.expect('pubrec');
    expect(pubrec.messageId).toBe(2);
    if (v5) expect(pubrec.reasonCode).toBe(0x87);
    else {
      device.send({ cmd: 'pubrel', messageId: 2 });
      expect((await device.expect('pubcomp')).messageId).toBe(2);
    }
    publish(device, 'devices/d2/state', 0, 0);
    publish(device, 'commands/reboot', 2, 3); // QoS 2 is outside r-cmd's [0, 1]
    await device.expect('pubrec');
    expect(await ops.nothingReceived()).toBe(true);
    publish(device, 'devices/d1/state', 0, 0);
    expect((await ops.expect('publish')).topic).toBe('devices/d1/state');
  });

  it('a retained PUBLISH that is denied is neither stored nor delivered', async () => {
    const broker = brokerWith(RULES);
    const device = await connectClient(broker, version, { clientId: 'd1' });
    publish(device, 'devices/d2/state', 1, 1, true);
    await device.expect('puback');
    const ops = await connectClient(broker, version, { clientId: 'ops' });
    await subscribe(ops, 'devices/#');
    expect(await ops.nothingReceived()).toBe(true);
    expect(broker.usage.retainedMessages).toBe(0);
  });

  it('delivery: a wide subscription receives only the topics the subscriber may read, retained ones included', async () => {
    const authorization: InstanceAuthorization = {
      ...RULES,
      rules: [{ id: 'r-secret', permission: 'deny', action: 'subscribe', topic: 'devices/+/secret', clientId: 'ops' }, ...RULES.rules],
    };
    const broker = brokerWith(authorization);
    const d1 = await connectClient(broker, version, { clientId: 'd1' });
    publish(d1, 'devices/d1/secret', 1, 1, true);
    await d1.expect('puback');
    const ops = await connectClient(broker, version, { clientId: 'ops' });
    expect(await subscribe(ops, 'devices/#')).toEqual([0]);
    publish(d1, 'devices/d1/secret', 0, 0);
    publish(d1, 'devices/d1/state', 0, 0);
    expect((await ops.expect('publish')).topic).toBe('devices/d1/state');
    expect(await ops.nothingReceived()).toBe(true);
  });

  it('a shared group hands each message to a member that may receive it', async () => {
    const authorization: InstanceAuthorization = {
      ...RULES,
      rules: [{ id: 'r-blind', permission: 'deny', action: 'subscribe', topic: 'devices/+/state', clientId: 'ops-2' }, ...RULES.rules, { id: 'r-ops-2', permission: 'allow', action: 'subscribe', topic: 'devices/#', clientId: 'ops-2' }],
    };
    const broker = brokerWith(authorization);
    const allowed = await connectClient(broker, version, { clientId: 'ops' });
    const blind = await connectClient(broker, version, { clientId: 'ops-2' });
    expect(await subscribe(allowed, '$share/g/devices/#')).toEqual([0]);
    expect(await subscribe(blind, '$share/g/devices/#')).toEqual([0]);
    const d1 = await connectClient(broker, version, { clientId: 'd1' });
    for (let i = 0; i < 4; i++) publish(d1, 'devices/d1/state', 0, 0);
    for (let i = 0; i < 4; i++) expect((await allowed.expect('publish')).topic).toBe('devices/d1/state');
    expect(await blind.nothingReceived()).toBe(true);
  });

  it('a change of the chain stops deliveries to a live subscription without a reconnect', async () => {
    const broker = brokerWith(RULES);
    const ops = await connectClient(broker, version, { clientId: 'ops' });
    await subscribe(ops, 'devices/#');
    const d1 = await connectClient(broker, version, { clientId: 'd1' });
    publish(d1, 'devices/d1/a', 0, 0);
    expect((await ops.expect('publish')).topic).toBe('devices/d1/a');
    broker.updateAuthorization({ ...RULES, rules: RULES.rules.filter((r) => r.id !== 'r-ops') });
    publish(d1, 'devices/d1/b', 0, 0);
    expect(await ops.nothingReceived()).toBe(true);
    broker.updateAuthorization(RULES);
    publish(d1, 'devices/d1/c', 0, 0);
    expect((await ops.expect('publish')).topic).toBe('devices/d1/c');
  });

  it('queued messages are checked again when replayed to a resumed session', async () => {
    const broker = brokerWith(RULES);
    const session = { clientId: 'ops', clean: false, ...(v5 ? { properties: { sessionExpiryInterval: 60 } } : {}) };
    const ops = await connectClient(broker, version, session);
    await subscribe(ops, 'devices/#', 1);
    ops.end();
    const d1 = await connectClient(broker, version, { clientId: 'd1' });
    await d1.nothingReceived();
    publish(d1, 'devices/d1/queued', 1, 1);
    await d1.expect('puback');
    broker.updateAuthorization({ ...RULES, rules: RULES.rules.filter((r) => r.id !== 'r-ops') });
    const back = await connectClient(broker, version, session);
    expect(await back.nothingReceived()).toBe(true);
    expect(broker.usage.queuedMessages).toBe(0);
  });

  it('denyAction disconnect: a denied PUBLISH or SUBSCRIBE ends the connection (5.0 DISCONNECT 0x87)', async () => {
    const broker = brokerWith({ ...RULES, denyAction: 'disconnect' });
    for (const act of [(c: PacketClient) => publish(c, 'devices/d2/x', 0, 0), (c: PacketClient) => c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'devices/d2/#', qos: 0 }] })]) {
      const device = await connectClient(broker, version, { clientId: 'd1' });
      act(device);
      const packets = await device.drainUntilClosed();
      if (v5) expect(packets.at(-1)).toMatchObject({ cmd: 'disconnect', reasonCode: 0x87 });
      else expect(packets.filter((p) => p.cmd === 'suback')).toEqual([]);
    }
  });

  it('the will: dropped at CONNECT when not allowed, and not sent when a change revoked it since', async () => {
    const broker = brokerWith(RULES);
    const ops = await connectClient(broker, version, { clientId: 'ops' });
    await subscribe(ops, 'devices/#');
    const will = (topic: string) => ({ topic, payload: Buffer.from('gone'), qos: 0 as const, retain: false });
    const thief = await connectClient(broker, version, { clientId: 'd1', will: will('devices/d2/status') });
    const honest = await connectClient(broker, version, { clientId: 'd3', will: will('devices/d3/status') });
    const revoked = await connectClient(broker, version, { clientId: 'd4', will: will('devices/d4/status') });
    thief.stream.destroy();
    honest.stream.destroy();
    expect((await ops.expect('publish')).topic).toBe('devices/d3/status');
    broker.updateAuthorization({ ...RULES, rules: [{ id: 'no-d4', permission: 'deny', action: 'all', topic: 'devices/d4/#' }, ...RULES.rules] });
    revoked.stream.destroy();
    expect(await ops.nothingReceived()).toBe(true);
  });

  it('$SYS: never delivered to or published by a non-superuser through noMatch allow; a superuser bypasses the chain', async () => {
    const broker = brokerWith(undefined, (clientId) => ({ kind: 'allow', superuser: clientId === 'root' }));
    const user = await connectClient(broker, version, { clientId: 'user' });
    expect(await subscribe(user, '$SYS/#')).toEqual([subackDenied]);
    expect(await subscribe(user, 'any/#', 0, 2)).toEqual([0]);
    const root = await connectClient(broker, version, { clientId: 'root' });
    expect(await subscribe(root, '$SYS/#')).toEqual([0]);
    publish(user, '$SYS/fake', 0, 0);
    publish(root, '$SYS/broker/uptime', 0, 0);
    expect((await root.expect('publish')).topic).toBe('$SYS/broker/uptime');
    expect(await root.nothingReceived()).toBe(true);
  });

  it('client-info: the JWT acl claim (v2 array, v1 object) reaches the chain; a malformed one gives no rules', async () => {
    const acls: Record<string, ClientAcl | ReturnType<typeof parseJwtAclClaim>> = {
      v2: parseJwtAclClaim([{ permission: 'allow', action: 'subscribe', topic: 'v2/${clientid}' }]),
      v1: parseJwtAclClaim({ sub: ['v1/#'] }),
      bad: parseJwtAclClaim([{ permission: 'maybe', action: 'subscribe', topic: '#' }]),
    };
    const broker = brokerWith({ ...RULES, authorizers: [CLIENT_INFO], rules: [] }, (clientId) => ({ kind: 'allow', superuser: false, acl: acls[clientId] }));
    const v2 = await connectClient(broker, version, { clientId: 'v2' });
    expect(await subscribe(v2, 'v2/v2')).toEqual([0]);
    expect(await subscribe(v2, 'v2/other', 0, 2)).toEqual([subackDenied]);
    const v1 = await connectClient(broker, version, { clientId: 'v1' });
    expect(await subscribe(v1, 'v1/a/b')).toEqual([0]);
    expect(await subscribe(v1, 'v2/v1', 0, 2)).toEqual([subackDenied]);
    const bad = await connectClient(broker, version, { clientId: 'bad' });
    expect(await subscribe(bad, 'x')).toEqual([subackDenied]);
  });
});
