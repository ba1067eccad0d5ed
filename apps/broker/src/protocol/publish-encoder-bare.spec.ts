import { generate, type QoS } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { encodeBarePublish } from './publish-encoder';

describe('encodeBarePublish', () => {
  const topics = ['t', 'a/b/c', 'ünïcödé/€', 'x'.repeat(300)];
  const payloads = [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(200, 7), Buffer.alloc(20_000, 1)];
  for (const version of [3, 4, 5] as const) {
    for (const qos of [0, 1, 2] as QoS[]) {
      it(`writes the bytes mqtt-packet's generate writes: version ${version}, QoS ${qos}, every topic, payload size, retain and dup`, () => {
        for (const topic of topics) {
          for (const payload of payloads) {
            for (const retain of [false, true]) {
              for (const dup of [false, true]) {
                const packetId = qos > 0 ? 65_000 : 0;
                const expected = generate({ cmd: 'publish', topic, payload, qos, retain, dup, messageId: qos > 0 ? packetId : undefined }, { protocolVersion: version });
                expect(encodeBarePublish(topic, payload, qos, retain, dup, packetId, version === 5)).toEqual(expected);
              }
            }
          }
        }
      });
    }
  }
});
