import { writeSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/** Ends the run with one plain line, `N passed, N failed, N skipped`, that any CI log reader understands. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      // A file whose setup failed has no failed test, yet it failed: count it.
      failed += module.state() === 'failed' ? Math.max(failedHere, 1) : failedHere;
    }
    const line = `\n${passed} passed, ${failed} failed, ${skipped} skipped\n`;
    // Written as the process exits, so it is the run's last line, after every other reporter's.
    process.once('exit', () => writeSync(1, line));
  }
}
