import { generate, parser as createParser, type IConnectPacket, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { ClientConnection } from '../client-connection';
import { DEFAULT_INSTANCE_LIMITS } from '../instance-broker';
import type { InstanceContext } from '../instance-context';
import { createAttempt } from './connect-attempt';
import { checkWill } from './validate.steps';

/** A CONNECT as mqtt-packet parses it from one read chunk that carries 60 KB of other packets after it. */
function parsedFromLargeChunk(connect: IConnectPacket): IConnectPacket {
  const other = generate({ cmd: 'publish', topic: 'other', payload: Buffer.alloc(60_000), qos: 0, retain: false, dup: false }, { protocolVersion: 5 });
  const packets: Packet[] = [];
  const parser = createParser({ protocolVersion: 5 });
  parser.on('packet', (packet: Packet) => packets.push(packet));
  parser.parse(Buffer.concat([generate(connect, { protocolVersion: 5 }), other]));
  return packets[0] as IConnectPacket;
}

describe('checkWill (the will a session may keep for long)', () => {
  it('owns its payload and correlation data: they do not keep the CONNECT\'s read chunk alive', () => {
    const packet = parsedFromLargeChunk({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: 'c',
      clean: false,
      keepalive: 0,
      will: { topic: 'gone', payload: Buffer.from('bye'), qos: 1, retain: false, properties: { willDelayInterval: 60, correlationData: Buffer.from('corr') } },
    });
    expect((packet.will?.payload as Buffer).buffer.byteLength).toBeGreaterThan(60_000);
    const attempt = createAttempt(packet);
    checkWill({ limits: DEFAULT_INSTANCE_LIMITS } as InstanceContext, {} as ClientConnection, attempt);
    const message = attempt.will!.message;
    expect(message.payload).toEqual(Buffer.from('bye'));
    expect(message.payload.buffer.byteLength).toBe(3);
    expect(message.properties?.correlationData).toEqual(Buffer.from('corr'));
    expect(message.properties?.correlationData?.buffer.byteLength).toBe(4);
  });
});
