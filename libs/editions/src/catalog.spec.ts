import { describe, expect, it } from 'vitest';
import { EDITIONS, EDITION_NAMES, hasDedicatedPorts } from './catalog';

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

describe('dedicated ports (issue 16)', () => {
  it('basic is served on the shared endpoint only where the deployment has one; the others always get their own ports', () => {
    expect(hasDedicatedPorts('basic', true)).toBe(false);
    expect(hasDedicatedPorts('basic', false)).toBe(true);
    for (const name of ['professional', 'platinum'] as const) {
      expect(hasDedicatedPorts(name, true)).toBe(true);
      expect(hasDedicatedPorts(name, false)).toBe(true);
    }
  });
});
