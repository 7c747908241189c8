import { type Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { StaticAppServer } from '../support/static-app-server';
import { describeWithChromium, docsScreenshot } from '../support/example-web';
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness';
import { codeFrom } from '../support/smtp-inbox';
import { PASSWORD, uniqueEmail } from '../support/flows';

/**
 * The example app's API keys page (examples/web/src/pages/api-keys.tsx) in headless Chromium against the gateway:
 * create a personal key (shown once), exchange it at /oauth/token, rotate it, revoke it; an organization's key.
 */
jest.setTimeout(180_000);

const KEY = /^wdn_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/;

describeWithChromium('example web app: API keys in headless Chromium', () => {
  let t: TestApp;
  let site: StaticAppServer;
  let browser: Browser;
  let h: BrowserHarness | undefined;

  beforeAll(async () => {
    h = await startBrowserHarness(async (site) => startTestApp({ env: { APP_URL: site.url, REDIRECT_ALLOWLIST: site.url } }));
    ({ t, site, browser } = h);
  });
  afterAll(async () => {
    await h?.close();
  });

  const exchange = async (secret: string) =>
    (
      await fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: secret }).toString(),
      })
    ).status;

  test('create a key (shown once) → exchange it → rotate → revoke; then an organization’s key', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const email = uniqueEmail('keys-web');

    await page.goto(site.url);
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Organization').fill('Robots Ltd');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await page.getByLabel('Code').fill(codeFrom(await t.inbox.waitForMail(email)));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('viewer').waitFor();

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByTestId('api-keys').waitFor();
    await page.getByText('No key yet.').waitFor();
    await page.getByLabel('Key name').fill('ci');
    await page.getByLabel('org:read').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const first = (await page.getByTestId('api-key-secret').textContent())!.trim();
    expect(first).toMatch(KEY);
    await page
      .getByTestId('api-key-row')
      .filter({ hasText: first.slice(0, 16) })
      .waitFor();
    await docsScreenshot(page, 'api-keys');
    expect(await exchange(first)).toBe(200);

    await page.getByRole('button', { name: 'Rotate ci' }).first().click();
    await page.getByTestId('api-key-secret').filter({ hasNotText: first }).waitFor();
    const second = (await page.getByTestId('api-key-secret').textContent())!.trim();
    expect(second).toMatch(KEY);
    expect(await page.getByTestId('api-key-row').count()).toBe(2);
    expect(await exchange(second)).toBe(200);

    // Revoke the new key: it stops at once, and leaves the list.
    await page
      .getByTestId('api-key-row')
      .filter({ hasText: second.slice(0, 16) })
      .getByRole('button', { name: 'Revoke ci' })
      .click();
    await page
      .getByTestId('api-key-row')
      .filter({ hasText: second.slice(0, 16) })
      .waitFor({ state: 'detached' });
    expect(await exchange(second)).toBe(401);

    // The organization made at signup: the viewer owns it, so its keys are managed here too.
    await page.getByLabel('Owner').selectOption({ label: 'Robots Ltd' });
    await page.getByText('No key yet.').waitFor();
    await page.getByLabel('Key name').fill('deploy');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('alert').waitFor(); // an organization's key needs a scope: said in words
    expect(await page.getByRole('alert').textContent()).not.toMatch(/BAD_USER_INPUT/);
    await page.getByLabel('members:read').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByTestId('api-key-row').filter({ hasText: 'deploy' }).waitFor();
    const orgKey = (await page.getByTestId('api-key-secret').textContent())!.trim();
    expect(orgKey).not.toBe(first);
    expect(await exchange(orgKey)).toBe(200);
    await context.close();
  });
});
