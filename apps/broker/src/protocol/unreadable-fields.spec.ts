import { parser as createParser, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { unreadableField } from './unreadable-fields';

/** What mqtt-packet's parser makes of the bytes (it emits such packets without an error). */
function parse(bytes: number[], protocolVersion: 4 | 5 = 5): Packet {
  const parser = createParser({ protocolVersion });
  const packets: Packet[] = [];
  parser.on('packet', (packet: Packet) => packets.push(packet));
  parser.on('error', (error: Error) => {
    throw error;
  });
  parser.parse(Buffer.from(bytes));
  expect(packets).toHaveLength(1);
  return packets[0]!;
}

describe('unreadableField', () => {
  it('names a packet identifier the packet has no room for', () => {
    expect(unreadableField(parse([0x62, 0x00], 4))).toBe('packet identifier');
  });

  it('names a user property whose value runs past the end', () => {
    expect(unreadableField(parse([0x30, 0x0b, 0x00, 0x01, 0x74, 0x06, 0x26, 0x00, 0x01, 0x6b, 0x00, 0x05, 0x76]))).toBe('property userProperties');
  });

  it('names a string property cut short (content type)', () => {
    // PUBLISH "t", properties (3 bytes): content type of 9 bytes, none there.
    expect(unreadableField(parse([0x30, 0x07, 0x00, 0x01, 0x74, 0x03, 0x03, 0x00, 0x09]))).toBe('property contentType');
  });

  it('names a will property cut short', () => {
    // CONNECT 5.0, flags: will, clean; no properties; client id "c"; will properties (3 bytes): content type of 9 bytes.
    const connect = [0x10, 0x17, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x01, 0x63, 0x03, 0x03, 0x00, 0x09, 0x00, 0x01, 0x77, 0x00, 0x00];
    expect(unreadableField(parse(connect))).toBe('will property contentType');
  });

  it('passes well-formed packets, false flags and zero values included', () => {
    expect(unreadableField(parse([0x30, 0x08, 0x00, 0x01, 0x74, 0x02, 0x01, 0x00, 0x68, 0x69]))).toBeUndefined();
    expect(unreadableField({ cmd: 'publish', topic: 't', payload: Buffer.alloc(0), qos: 1, messageId: 0, dup: false, retain: false, properties: { messageExpiryInterval: 0, userProperties: { a: ['b', 'c'] } } })).toBeUndefined();
  });
});
