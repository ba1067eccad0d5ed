import { describe, expect, it } from 'vitest';
import { endpointsFor } from './index';

describe('endpointsFor', () => {
  it('writes the three URLs of SPEC section 7, and wss on the mqtts port (issue 15)', () => {
    expect(endpointsFor('mqc.example', { mqtt: 1, mqtts: 2, ws: 3 })).toEqual({
      mqtt: 'mqtt://mqc.example:1',
      mqtts: 'mqtts://mqc.example:2',
      ws: 'ws://mqc.example:3/mqtt',
      wss: 'wss://mqc.example:2/mqtt',
    });
  });

  it('brackets IPv6 hosts', () => {
    expect(endpointsFor('::1', { mqtt: 1, mqtts: 2, ws: 3 }).mqtt).toBe('mqtt://[::1]:1');
  });
});
