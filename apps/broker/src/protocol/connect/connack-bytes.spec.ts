import { generate } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { ACCEPTED_CONNACK_311 } from './connack-bytes';

describe('ACCEPTED_CONNACK_311', () => {
  it.each([
    [true, ACCEPTED_CONNACK_311.sessionPresent],
    [false, ACCEPTED_CONNACK_311.cleanSession],
  ])('with session present %s is what mqtt-packet encodes for 3.1.1 and 3.1', (sessionPresent, bytes) => {
    for (const protocolVersion of [3, 4]) {
      expect(bytes.equals(generate({ cmd: 'connack', sessionPresent, returnCode: 0 }, { protocolVersion }))).toBe(true);
    }
  });
});
