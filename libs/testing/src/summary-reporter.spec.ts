import { describe, expect, it } from 'vitest';
import { summarize, summaryLine, type ModuleOutcome } from './summary-reporter';

/** A test file as vitest reports it: its own state and its tests' states. */
function file(state: string, tests: string[]): ModuleOutcome {
  return { state: () => state, children: { allTests: () => tests.map((s) => ({ result: () => ({ state: s }) })) } };
}

describe('the summary line', () => {
  it('counts tests by outcome', () => {
    const summary = summarize([file('passed', ['passed', 'passed', 'skipped']), file('failed', ['passed', 'failed', 'failed'])], 0);
    expect(summaryLine(summary)).toBe('3 passed, 2 failed, 1 skipped');
  });

  it('counts a file that failed to load as failed', () => {
    const summary = summarize([file('passed', ['passed']), file('failed', [])], 0);
    expect(summaryLine(summary)).toBe('1 passed, 1 failed');
  });

  it('counts a file whose hook failed, with no test run, as failed', () => {
    const summary = summarize([file('failed', ['skipped', 'skipped'])], 0);
    expect(summaryLine(summary)).toBe('0 passed, 1 failed, 2 skipped');
  });

  it('counts a file once by its failed tests, not again for failing', () => {
    expect(summarize([file('failed', ['failed'])], 0).failed).toBe(1);
  });

  it('counts errors outside any test as failed', () => {
    expect(summaryLine(summarize([file('passed', ['passed'])], 2))).toBe('1 passed, 2 failed');
  });

  it('says nothing of skipped tests when there are none', () => {
    expect(summaryLine(summarize([file('passed', ['passed'])], 0))).toBe('1 passed, 0 failed');
  });
});
