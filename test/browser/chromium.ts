import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); `.ci/run` installs it when missing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser tests can run here; with CI=true they must, so a missing browser fails. */
export const hasChromium = fs.existsSync(CHROMIUM_PATH) || process.env.CI === 'true';

/**
 * Launches headless Chromium (playwright-core gives every launch a fresh, temporary profile) and no traffic of its own. `offline` makes every
 * host but this machine unresolvable, as on a machine without internet.
 */
export async function launchChromium(options: { offline?: boolean } = {}): Promise<{
  browser: Browser;
  close(): Promise<void>;
}> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
      ...(options.offline
        ? ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost']
        : []),
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}
