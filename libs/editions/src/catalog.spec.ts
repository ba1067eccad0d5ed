import { describe, expect, it } from 'vitest';
import { EDITIONS, EDITION_NAMES } from './catalog';

describe('the edition limits', () => {
  it('grow with the edition: basic the smallest, platinum the largest', () => {
    const [basic, professional, platinum] = EDITION_NAMES.map((name) => EDITIONS[name].limits);
    for (const key of Object.keys(basic!) as (keyof typeof basic)[]) {
      expect(basic![key], key).toBeLessThan(professional![key]);
      expect(professional![key], key).toBeLessThan(platinum![key]);
    }
  });

  it('let one message of the largest size be retained and queued', () => {
    for (const name of EDITION_NAMES) {
      const { limits } = EDITIONS[name];
      expect(limits.retainedBytes, name).toBeGreaterThanOrEqual(limits.maxPacketSize);
      expect(limits.queuedBytesPerSession, name).toBeGreaterThanOrEqual(limits.maxPacketSize);
      expect(limits.queuedBytesPerInstance, name).toBeGreaterThanOrEqual(limits.queuedBytesPerSession);
    }
  });

  it('give every connection the quota admits a session of its own', () => {
    for (const name of EDITION_NAMES) {
      const { limits, quotas } = EDITIONS[name];
      expect(limits.sessionsPerInstance, name).toBeGreaterThanOrEqual(quotas.maxConnections);
    }
  });
});
