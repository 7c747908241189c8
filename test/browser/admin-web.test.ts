import { type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { StaticAppServer } from '../support/static-app-server';
import { describeWithChromium, docsScreenshot } from '../support/example-web';
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness';
import { codeFrom } from '../support/smtp-inbox';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { userWithAuthenticator, type TwoFactorUser } from '../support/admins';
import { codeAt } from '../support/totp-ref';
import { UpdateProfileDocument } from '../graphql/generated/graphql';

/**
 * The example app's admin page (examples/web/src/pages/admin.tsx) in headless Chromium against the gateway: an admin
 * (ADMIN_EMAILS, authenticator app) signs in with the second factor, finds a user, bans them (their sign-in then
 * says the account is suspended), unbans them, impersonates them (a banner; the target's data), and stops. Also: a
 * non-admin gets a sentence, and an old authentication gets the confirmation step before a change.
 */
jest.setTimeout(180_000);

const clock = new TestClock();
const ADMIN = uniqueEmail('admin-web');

describeWithChromium('example web app: admin page in headless Chromium', () => {
  let t: TestApp;
  let site: StaticAppServer;
  let browser: Browser;
  let h: BrowserHarness | undefined;
  let admin: TwoFactorUser;

  beforeAll(async () => {
    h = await startBrowserHarness(async (site) =>
      startTestApp({
        env: { APP_URL: site.url, REDIRECT_ALLOWLIST: site.url, ADMIN_EMAILS: ADMIN, REAUTH_MAX_AGE_SECONDS: '300' },
        overrides: { now: clock.now },
      }),
    );
    ({ t, site, browser } = h);
    admin = await userWithAuthenticator(t, clock, ADMIN);
  });
  afterAll(async () => {
    await h?.close();
  });

  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(site.url);
    return page;
  };

  /** Password, then the emailed LOGIN code (no authenticator) or the authenticator code. */
  async function logIn(page: Page, email: string, totpSecret?: string): Promise<void> {
    await page.getByRole('link', { name: 'Log in' }).click();
    const before = t.inbox.mailsTo(email).length;
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    if (totpSecret) {
      await page.getByRole('heading', { name: 'Enter your authenticator code' }).waitFor();
      clock.advance(30);
      await page.getByLabel('Authenticator code').fill(codeAt(totpSecret, clock.now()));
    } else {
      await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
      await page.getByLabel('Code').fill(codeFrom(await t.inbox.waitForMail(email, before + 1)));
    }
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  test('second factor → search → ban (sign-in refused) → unban → impersonate (banner, target’s data) → stop', async () => {
    const targetEmail = uniqueEmail('admin-web-target');
    const targetClient = t.client();
    await signUpAndVerify(t, targetClient, targetEmail);
    await targetClient.request(UpdateProfileDocument, { input: { name: 'Tess Target' } });

    // The target, signed in in their own browser, is not an admin: the page says so in words.
    const targetPage = await newPage();
    await logIn(targetPage, targetEmail);
    await targetPage.getByTestId('viewer').waitFor();
    await targetPage.getByRole('link', { name: 'Admin' }).click();
    await targetPage.getByLabel('Find users').fill('admin-web');
    await targetPage.getByRole('button', { name: 'Search' }).click();
    expect(await targetPage.getByRole('alert').textContent()).toBe('Only administrators can use this page.');

    // The admin signs in with password + authenticator code (an aal2 session), then finds the target by prefix.
    const page = await newPage();
    await logIn(page, ADMIN, admin.secret);
    await page.getByTestId('viewer').waitFor();
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByLabel('Find users').fill(targetEmail.slice(0, 24));
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.getByTestId('admin-user-row').filter({ hasText: targetEmail });
    await row.waitFor();
    expect(await page.getByTestId('admin-user-row').count()).toBe(1);
    await row.getByRole('button', { name: `Open ${targetEmail}` }).click();
    await page.getByTestId('admin-user').waitFor();
    expect(await page.getByTestId('admin-user-status').textContent()).toBe('ACTIVE');
    await page.getByTestId('admin-session').first().waitFor(); // the target's live session
    await docsScreenshot(page, 'admin');

    // Ban, after the confirmation step: the admin's authentication is older than REAUTH_MAX_AGE_SECONDS.
    clock.advance(400);
    await page.getByLabel('Reason').fill('spam reports');
    await page.getByRole('button', { name: 'Ban' }).click();
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    clock.advance(30);
    await page.getByLabel('Authenticator code').fill(codeAt(admin.secret, clock.now()));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('admin-user-status').filter({ hasText: 'BANNED' }).waitFor();
    expect(await page.getByTestId('admin-user').textContent()).toContain('spam reports');
    expect(await page.getByTestId('admin-session').count()).toBe(0); // the ban ended every session

    // The target's sign-in now answers ACCOUNT_BANNED, in words.
    await targetPage.goto(site.url);
    await targetPage.getByTestId('viewer-empty').waitFor();
    await targetPage.getByRole('link', { name: 'Log in' }).click();
    await targetPage.getByLabel('Email').fill(targetEmail);
    await targetPage.getByLabel('Password').fill(PASSWORD);
    await targetPage.getByRole('button', { name: 'Log in' }).click();
    expect(await targetPage.getByRole('alert').textContent()).toBe('This account is suspended.');

    // Unban: the sign-in works again.
    await page.getByRole('button', { name: 'Unban' }).click();
    await page.getByTestId('admin-user-status').filter({ hasText: 'ACTIVE' }).waitFor();
    await targetPage.goto(site.url);
    await logIn(targetPage, targetEmail);
    await targetPage.getByTestId('viewer').waitFor();

    // Sign out everywhere: the target's browser session ends.
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    expect(await page.getByRole('status').filter({ hasText: 'Signed out of' }).textContent()).toBe('Signed out of 1 session(s).');
    await targetPage.reload();
    await targetPage.getByTestId('viewer-empty').waitFor();

    // Impersonate: the app runs as the target, under a banner.
    await page.getByLabel('Reason').fill('support ticket 42');
    await page.getByRole('button', { name: 'Impersonate' }).click();
    const banner = page.getByTestId('impersonation-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`You are impersonating ${targetEmail}`);
    await page.getByTestId('viewer').waitFor();
    expect(await page.getByTestId('viewer-email').textContent()).toBe(targetEmail);
    expect(await page.getByRole('heading', { name: 'Signed in as Tess Target' }).count()).toBe(1);
    await docsScreenshot(page, 'admin-impersonating');

    // Stop: the impersonation session ends and the admin is back, on the admin page.
    await banner.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('admin').waitFor();
    await banner.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Warden example' }).click();
    await page.getByTestId('viewer').waitFor();
    expect(await page.getByTestId('viewer-email').textContent()).toBe(ADMIN);
    expect(await page.getByTestId('impersonation-banner').count()).toBe(0);
  });
});
