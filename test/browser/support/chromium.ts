/**
 * Chromium for the browser tests: Debian's `/usr/bin/chromium` (or `CHROMIUM_PATH`), driven by
 * playwright-core, which never downloads a browser. Headless, no sandbox (tests run as root in
 * CI), no GPU, no background traffic; Playwright's `launch` gives each browser a fresh temporary
 * profile (`--user-data-dir`), removed when it closes.
 *
 * When Chromium is missing the tests skip, loudly, outside CI; under `CI=true` they fail
 * (`.ci/run` installs it with apt first).
 */
import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { inCI } from '../../support/services.js';

/** Where Chromium is looked for. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** The flags every test browser runs with. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

/** Whether Chromium can run here; throws under CI when it cannot, warns and skips otherwise. */
export function requireChromium(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch {
    const message = `Chromium is not executable at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`;
    if (inCI())
      throw new Error(`CI=true, so the browser tests fail instead of skipping: ${message}`);
    const bar = '!'.repeat(78);
    console.warn(`\n${bar}\n!! SKIPPING browser tests: ${message}\n${bar}\n`);
    return false;
  }
}

/** Launches a headless Chromium with the test flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS],
  });
}
