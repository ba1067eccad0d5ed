import { parser, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { Delivery, Message } from './message';
import { encodeDelivery, withEncodingCache } from './publish-encoder';

function retainedMessage(): Message {
  return { topic: 't', payload: Buffer.from('payload'), qos: 1, retain: true };
}

function decode(bytes: Buffer): Packet {
  const packets: Packet[] = [];
  const decoder = parser({ protocolVersion: 5 });
  decoder.on('packet', (packet: Packet) => packets.push(packet));
  decoder.parse(bytes);
  return packets[0];
}

const delivery = (message: Message, qos: 0 | 1): Delivery => ({ message, qos, retain: true });

describe('encodeDelivery', () => {
  it('outside a fan-out keeps no encoded copy on the message (a retained or queued one would hold it)', () => {
    const message = retainedMessage();
    const first = encodeDelivery(delivery(message, 0), 5, 0, false, 0);
    expect(encodeDelivery(delivery(message, 1), 4, 7, false, 0)).not.toBe(first);
    expect(message.encoded).toBeUndefined();
  });

  it('within a fan-out encodes once per protocol, QoS and retain flag, patches the packet id in, and lets the copies go after it', () => {
    const message = retainedMessage();
    const [a, b, c, d] = withEncodingCache(message, () => [
      encodeDelivery(delivery(message, 0), 5, 0, false, 0),
      encodeDelivery(delivery(message, 0), 5, 0, false, 0),
      encodeDelivery(delivery(message, 1), 5, 3, false, 0),
      encodeDelivery(delivery(message, 1), 5, 4, false, 0),
    ]);
    expect(b).toBe(a);
    expect([decode(c), decode(d)]).toMatchObject([
      { cmd: 'publish', messageId: 3, qos: 1, retain: true, topic: 't' },
      { cmd: 'publish', messageId: 4, qos: 1, retain: true, topic: 't' },
    ]);
    expect(message.encoded).toBeUndefined();
  });
});
