import type { QoS } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { DeliveryQueue } from './delivery-queue';
import type { Delivery } from './message';

function delivery(name: string, qos: QoS): Delivery {
  return { message: { topic: name, payload: Buffer.alloc(0), qos, retain: false }, qos, retain: false };
}

describe('DeliveryQueue', () => {
  it('is FIFO', () => {
    const queue = new DeliveryQueue();
    ['a', 'b', 'c'].forEach((n) => queue.push(delivery(n, 1)));
    expect([queue.shift(), queue.shift()].map((d) => d?.message.topic)).toEqual(['a', 'b']);
    expect(queue.length).toBe(1);
  });

  it('drops the oldest QoS 0 first, then the oldest of any QoS', () => {
    const queue = new DeliveryQueue();
    queue.push(delivery('q1-old', 1));
    queue.push(delivery('q0', 0));
    queue.push(delivery('q1-new', 1));
    expect(queue.dropOldest()?.message.topic).toBe('q0');
    expect(queue.dropOldest()?.message.topic).toBe('q1-old');
    expect(queue.peek()?.message.topic).toBe('q1-new');
  });

  it('counts the bytes of what it holds, through push, shift, dropOldest and clear', () => {
    const queue = new DeliveryQueue();
    ['a', 'bb', 'ccc'].forEach((n) => queue.push(delivery(n, 1)));
    queue.push(delivery('dddd', 0));
    expect(queue.bytes).toBe(10);
    queue.shift();
    expect(queue.bytes).toBe(9);
    queue.dropOldest();
    expect(queue.bytes).toBe(5);
    queue.clear();
    expect(queue.bytes).toBe(0);
  });
});
