import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { StaticAppServer } from '../support/static-app-server';
import { browserArtifacts, describeWithChromium } from '../support/example-web';
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness';
import { codeFrom } from '../support/smtp-inbox';
import { PASSWORD, uniqueEmail } from '../support/flows';

/**
 * The example app's account pages (examples/web/src/pages/settings.tsx, account-recovery.tsx) in headless
 * Chromium against the gateway: change the name, change the email with the code, delete the account, recover it.
 */
jest.setTimeout(180_000);

const artifacts = browserArtifacts;

describeWithChromium('example web app: account settings in headless Chromium', () => {
  let t: TestApp;
  let site: StaticAppServer;
  let browser: Browser;
  let h: BrowserHarness | undefined;

  beforeAll(async () => {
    h = await startBrowserHarness(async (site) => {
      return startTestApp({ env: { APP_URL: site.url, REDIRECT_ALLOWLIST: site.url } });
    });
    ({ t, site, browser } = h);
  });

  afterAll(async () => {
    await h?.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `account-${name}.png`), fullPage: true });

  test('sign up → change the name → change the email with the code → delete the account → recover it', async () => {
    const context = await browser.newContext({ viewport: { width: 820, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('dialog', (dialog) => void dialog.accept());
    const email = uniqueEmail('settings');
    const newEmail = uniqueEmail('settings-new');

    await page.goto(site.url);
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await page.getByLabel('Code').fill(codeFrom(await t.inbox.waitForMail(email)));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('viewer').waitFor();

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('settings').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Katherine Johnson');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('Name saved.').waitFor();
    expect(await page.getByTestId('settings-name').textContent()).toBe('Katherine Johnson');
    await shot(page, '01-name');

    await page.getByLabel('New email', { exact: true }).fill(newEmail);
    await page.getByRole('button', { name: 'Change email' }).click();
    await page.getByRole('heading', { name: 'Confirm your new email' }).waitFor();
    await page.getByLabel('Email code', { exact: true }).fill(codeFrom(await t.inbox.waitForMail(newEmail)));
    await shot(page, '02-email-code');
    await page.getByRole('button', { name: 'Confirm email' }).click();
    await page.getByText('Email changed.').waitFor();
    await page.getByTestId('settings-email').filter({ hasText: newEmail }).waitFor();
    // The previous address was told, with an undo link.
    expect((await t.inbox.waitForMail(email, 2)).subject).toMatch(/being changed/);
    await shot(page, '03-email-changed');

    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByTestId('account-deleted').waitFor();
    await shot(page, '04-deleted');
    const deletedNotice = await t.inbox.waitForMail(newEmail, 2);
    expect(deletedNotice.subject).toMatch(/account was deleted/);

    await page.getByLabel('Account email').fill(newEmail);
    await page.getByRole('button', { name: 'Send recovery code' }).click();
    await page.getByRole('heading', { name: 'Enter your recovery code' }).waitFor();
    await page.getByLabel('Recovery code').fill(codeFrom(await t.inbox.waitForMail(newEmail, 3)));
    await page.getByRole('button', { name: 'Recover account' }).click();
    await page.getByTestId('viewer').waitFor();
    expect(await page.getByTestId('viewer-email').textContent()).toBe(newEmail);
    await shot(page, '05-recovered');
    await context.close();
  });
});
