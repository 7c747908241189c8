import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { TestApp } from './start-test-app';
import { StaticAppServer } from './static-app-server';
import { browserArtifacts, CHROMIUM_ARGS, CHROMIUM_PATH, exampleWebBuild } from './example-web';

export interface BrowserHarness {
  /** The gateway. */
  t: TestApp;
  /** examples/web, built once per run, served beside it (site.gatewayUrl points at t). */
  site: StaticAppServer;
  /** Debian's headless Chromium. */
  browser: Browser;
  close(): Promise<void>;
}

/**
 * What every browser test starts with: the example app served on its own origin, a gateway started by
 * `startGateway` for that origin (APP_URL, REDIRECT_ALLOWLIST…), and Chromium. Screenshots go to browserArtifacts.
 */
export async function startBrowserHarness(startGateway: (site: StaticAppServer) => Promise<TestApp>): Promise<BrowserHarness> {
  fs.mkdirSync(browserArtifacts, { recursive: true });
  const site = await StaticAppServer.start(await exampleWebBuild());
  let t: TestApp | undefined;
  try {
    t = await startGateway(site);
    site.gatewayUrl = t.url;
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    const app = t;
    return {
      t: app,
      site,
      browser,
      async close() {
        await browser.close();
        await site.stop();
        await app.close();
      },
    };
  } catch (error) {
    await t?.close();
    await site.stop();
    throw error;
  }
}
