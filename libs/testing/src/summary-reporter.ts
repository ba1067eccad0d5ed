import type { Reporter, TestModule } from 'vitest/node';

/** What the summary needs of a test module (vitest's TestModule has it). */
export interface ModuleOutcome {
  state(): string;
  children: { allTests(): Iterable<{ result(): { state: string } }> };
}

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Counts tests by outcome. A file that failed without a failing test of its own (it did not
 * load, or a hook failed and its tests never ran) counts as one failure, and so does an error
 * outside any test: the line never says 0 failed when the run failed.
 */
export function summarize(modules: ReadonlyArray<ModuleOutcome>, unhandledErrors: number): Summary {
  const summary: Summary = { passed: 0, failed: unhandledErrors, skipped: 0 };
  for (const module of modules) {
    let failedTests = 0;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') summary.passed++;
      else if (state === 'failed') failedTests++;
      else summary.skipped++;
    }
    summary.failed += failedTests === 0 && module.state() === 'failed' ? 1 : failedTests;
  }
  return summary;
}

export function summaryLine({ passed, failed, skipped }: Summary): string {
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
}

/** Ends the run with the plain line CI reads: `N passed, N failed` (and skipped, if any). */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    process.stdout.write(`\n${summaryLine(summarize(testModules, unhandledErrors.length))}\n`);
  }
}
