import { describe, expect, it } from 'vitest';
import { CacheGate, GATE_WINDOW, MAX_SKIPPED_WINDOWS } from './cache-gate';

/** Runs `checks` checks through the gate, hitting when `hit(i)`; returns how many asked the cache. */
function run(gate: CacheGate, checks: number, hit: (i: number) => boolean = () => false): number {
  let asked = 0;
  for (let i = 0; i < checks; i++) {
    if (!gate.use()) continue;
    asked++;
    gate.record(hit(i));
  }
  return asked;
}

describe('CacheGate', () => {
  it('keeps the cache on while at least half the checks hit', () => {
    const gate = new CacheGate();
    expect(run(gate, GATE_WINDOW * 10, (i) => i % 2 === 0)).toBe(GATE_WINDOW * 10);
  });

  it('leaves it off for one window after a window of misses, then 2, 4, … up to 64 while it keeps missing', () => {
    const gate = new CacheGate();
    expect(run(gate, GATE_WINDOW)).toBe(GATE_WINDOW);
    expect(run(gate, GATE_WINDOW)).toBe(0);
    expect(run(gate, GATE_WINDOW)).toBe(GATE_WINDOW); // tried again: misses again
    expect(run(gate, 2 * GATE_WINDOW)).toBe(0);
    expect(run(gate, GATE_WINDOW)).toBe(GATE_WINDOW);
    expect(run(gate, 4 * GATE_WINDOW)).toBe(0);
    for (let skipped = 8; skipped <= MAX_SKIPPED_WINDOWS * 2; skipped *= 2) {
      expect(run(gate, GATE_WINDOW)).toBe(GATE_WINDOW);
      expect(run(gate, Math.min(skipped, MAX_SKIPPED_WINDOWS) * GATE_WINDOW)).toBe(0);
    }
    expect(run(gate, GATE_WINDOW)).toBe(GATE_WINDOW);
  });

  it('turns it back on for good after a window where half hit', () => {
    const gate = new CacheGate();
    run(gate, GATE_WINDOW);
    run(gate, GATE_WINDOW); // skipped
    expect(run(gate, GATE_WINDOW, () => true)).toBe(GATE_WINDOW);
    expect(run(gate, GATE_WINDOW * 4, () => true)).toBe(GATE_WINDOW * 4);
    expect(run(gate, GATE_WINDOW)).toBe(GATE_WINDOW); // one bad window: off for one window again, not 4
    expect(run(gate, GATE_WINDOW)).toBe(0);
    expect(run(gate, GATE_WINDOW)).toBe(GATE_WINDOW);
  });
});
