import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, which playwright-core drives (it never downloads a browser of its own). */
const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser tests can run: false (and the suite says so) without Chromium,
 * unless REQUIRE_BROWSER=1 (CI), where a missing browser is an error, not a skip.
 */
export function browserAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install chromium)`);
  console.log(`# SKIPPING ${suite}: ${CHROMIUM} is missing (apt-get install chromium); CI installs it`);
  return false;
}

/**
 * `describe` for a suite that needs Chromium: without it (and outside CI), a skipped
 * test stands in its place, so that the summary counts the skip.
 */
export function describeInBrowser(name: string, suite: () => void): void {
  if (browserAvailable(name)) describe(name, suite);
  else it(name, { skip: `${CHROMIUM} is missing` }, () => undefined);
}

/** Headless Chromium, quiet: no GPU, no network of its own beyond what a page asks for. */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/**
 * A new page in Chinese (the console's first language) whose script errors and CSP
 * violations, as the browser's console shows them, are pushed to `problems`.
 */
export async function watchedPage(browser: Browser, problems: string[], height = 900): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return page;
}

/** Signs `page` in to the console at `baseUrl` with `token`, and waits for the overview. */
export async function signInToConsole(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.fill('input[name="token"]', token);
  await page.click('button[type="submit"]');
  await page.waitForSelector('[data-testid="overview"]');
}
