/**
 * The e2e suite's `test`: Playwright's, plus an automatic check that the page logged no console
 * error and threw no uncaught error during the test (issue 19: a React warning or a failed request
 * is a defect). A test that provokes an error on purpose names it with `allowConsoleError`.
 */
import { test as base, expect, type Page } from '@playwright/test';

export { expect, type Page };

interface ConsoleGuard {
  /** Lets console errors matching `pattern` pass for this test (for failures it provokes on purpose). */
  allowConsoleError(pattern: RegExp): void;
}

export const test = base.extend<{ consoleGuard: ConsoleGuard }>({
  consoleGuard: [
    async ({ page }, use) => {
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
      await use({ allowConsoleError: (pattern) => allowed.push(pattern) });
      expect(
        errors.filter((e) => !allowed.some((p) => p.test(e))),
        'console errors and uncaught page errors',
      ).toEqual([]);
    },
    { auto: true },
  ],
});
