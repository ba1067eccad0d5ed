import { describe, expect, it } from 'vitest';
import { endpointsFor, pickInstancePorts } from './index';

describe('pickInstancePorts', () => {
  it('takes the lowest three free ports', () => {
    expect(pickInstancePorts({ first: 100, last: 110 }, new Set([100, 102]))).toEqual({ mqtt: 101, mqtts: 103, ws: 104 });
  });

  it('answers undefined when the range is exhausted', () => {
    expect(pickInstancePorts({ first: 100, last: 103 }, new Set([100, 101]))).toBeUndefined();
  });
});

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
