import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../common/domain-errors';
import { DryRunGate } from './dry-run-gate';

describe('DryRunGate', () => {
  it('lets a tenant start so many dry runs per window, then answers 429 with the seconds left, and counts tenants apart', async () => {
    let now = 1_000_000;
    const gate = new DryRunGate({ concurrent: 5, perWindow: 2, windowMs: 60_000, now: () => now });
    await gate.run('t1', async () => 'one');
    await gate.run('t1', async () => 'two');
    now += 15_000;
    const refused = await gate.run('t1', async () => 'three').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ code: 'dry-run-rate', retryAfterSeconds: 45 });
    expect(await gate.run('t2', async () => 'other tenant')).toBe('other tenant');
    now += 45_000;
    expect(await gate.run('t1', async () => 'next window')).toBe('next window');
  });

  it('refuses a dry run beyond the concurrency bound while the others run, and frees the slot when one ends (even failing)', async () => {
    const gate = new DryRunGate({ concurrent: 1, perWindow: 100, windowMs: 60_000 });
    let finish: () => void = () => undefined;
    const running = gate.run('t1', () => new Promise<void>((resolve) => (finish = resolve)));
    await expect(gate.run('t1', async () => undefined)).rejects.toMatchObject({ code: 'dry-run-busy' });
    finish();
    await running;
    await expect(gate.run('t1', () => Promise.reject(new Error('backend down')))).rejects.toThrow('backend down');
    expect(await gate.run('t1', async () => 'free again')).toBe('free again');
  });

  it('keeps counting a dry run that runs across the end of a window, and frees it when it ends', async () => {
    let now = 0;
    const gate = new DryRunGate({ concurrent: 1, perWindow: 100, windowMs: 1_000, now: () => now });
    let finish: () => void = () => undefined;
    const running = gate.run('t1', () => new Promise<void>((resolve) => (finish = resolve)));
    now = 5_000;
    await expect(gate.run('t1', async () => undefined)).rejects.toMatchObject({ code: 'dry-run-busy' });
    finish();
    await running;
    expect(await gate.run('t1', async () => 'free')).toBe('free');
  });
});
