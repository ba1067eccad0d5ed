import { describe, expect, it } from 'vitest';
import { FIRST_RESTART_MS, MAX_RESTART_MS, STABLE_RUN_MS, restartDelayMs } from './restart-back-off';

describe('the restart back-off of npm start', () => {
  it('waits a second after the first crash, doubling for each crash in a row', () => {
    let crashes = 0;
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const next = restartDelayMs(crashes, 500);
      delays.push(next.delayMs);
      crashes = next.crashes;
    }
    expect(FIRST_RESTART_MS).toBe(1_000);
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(crashes).toBe(7);
  });

  it('starts the count again for an app that had run a minute', () => {
    expect(restartDelayMs(6, STABLE_RUN_MS)).toEqual({ delayMs: FIRST_RESTART_MS, crashes: 1 });
    expect(restartDelayMs(6, STABLE_RUN_MS - 1)).toEqual({ delayMs: MAX_RESTART_MS, crashes: 7 });
  });
});
