import { describe, expect, it } from 'vitest';
import { SlowHashGate } from './slow-hash-gate';

describe('SlowHashGate', () => {
  it('runs at most `limit` jobs at once and every job in the end', async () => {
    const gate = new SlowHashGate(2);
    let running = 0;
    let most = 0;
    const job = (i: number) =>
      gate.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        return i;
      });
    expect(await Promise.all([1, 2, 3, 4, 5].map(job))).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    expect(gate.queued).toBe(0);
  });

  it('frees the slot when a job fails', async () => {
    const gate = new SlowHashGate(1);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(async () => 'next')).toBe('next');
  });

  it('refuses a limit below one', () => {
    expect(() => new SlowHashGate(0)).toThrow(/positive integer/);
  });

  it('drops a waiting job whose signal aborts, and never starts an aborted one', async () => {
    const gate = new SlowHashGate(1);
    let release: () => void = () => undefined;
    const first = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    const client = new AbortController();
    let ran = false;
    const waiting = gate.run(async () => {
      ran = true;
    }, client.signal);
    expect(gate.queued).toBe(1);
    client.abort(new Error('client gone'));
    await expect(waiting).rejects.toThrow('client gone');
    expect(gate.queued).toBe(0);
    await expect(gate.run(async () => 'late', client.signal)).rejects.toThrow('client gone');
    release();
    await first;
    expect(ran).toBe(false);
    expect(gate.inFlight).toBe(0);
    expect(gate.started).toBe(1);
  });

  it('lets waiting jobs in when the limit is raised', async () => {
    const gate = new SlowHashGate(1);
    let release: () => void = () => undefined;
    const first = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    const second = gate.run(async () => 'second');
    expect(gate.queued).toBe(1);
    gate.setLimit(2);
    expect(await second).toBe('second');
    release();
    await first;
  });
});
