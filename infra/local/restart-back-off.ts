/** The first restart waits this long; each crash in a row doubles it, up to the maximum. */
export const FIRST_RESTART_MS = 1_000;
export const MAX_RESTART_MS = 30_000;
/** An app that ran this long before it crashed starts the count again. */
export const STABLE_RUN_MS = 60_000;

/**
 * How long to wait before starting a crashed app again: 1 s, 2 s, 4 s … 30 s for crashes in
 * a row, back to 1 s once it had run for a minute.
 */
export function restartDelayMs(crashesBefore: number, ranForMs: number): { delayMs: number; crashes: number } {
  const crashes = ranForMs >= STABLE_RUN_MS ? 1 : crashesBefore + 1;
  return { delayMs: Math.min(MAX_RESTART_MS, FIRST_RESTART_MS * 2 ** (crashes - 1)), crashes };
}
