import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { StaticAppServer } from '../support/static-app-server';
import { browserArtifacts, describeWithChromium, docsScreenshot } from '../support/example-web';
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness';
import { codeFrom } from '../support/smtp-inbox';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { codeAt } from '../support/totp-ref';

jest.setTimeout(180_000);

const artifacts = browserArtifacts;
const clock = new TestClock();

/**
 * examples/web's security page in headless Chromium against the gateway: enroll an authenticator with the
 * secret shown beside the QR code, sign out, sign in with password + authenticator code, then with a recovery code;
 * later, the re-authentication step before new recovery codes.
 * Codes come from the tests' own TOTP (test/support/totp-ref.ts); the gateway runs on a clock the test moves.
 */
describeWithChromium('example web app: two-step verification in headless Chromium', () => {
  let t: TestApp;
  let site: StaticAppServer;
  let browser: Browser;
  let h: BrowserHarness | undefined;

  beforeAll(async () => {
    h = await startBrowserHarness(async (site) => {
      return startTestApp({ env: { APP_URL: site.url, REDIRECT_ALLOWLIST: site.url }, overrides: { now: clock.now } });
    });
    ({ t, site, browser } = h);
  });

  afterAll(async () => {
    await h?.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });

  async function passwordLogin(page: Page, email: string): Promise<void> {
    await page.getByRole('link', { name: 'Log in' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
  }

  test('enroll with the QR code secret, sign out, sign in with password + authenticator code, then with a recovery code, then passwordless + authenticator', async () => {
    const email = uniqueEmail('browser-mfa');
    await signUpAndVerify(t, t.client(), email);
    const page = await (await browser.newContext({ viewport: { width: 820, height: 900 } })).newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(site.url);
    await page.getByTestId('viewer-empty').waitFor();

    // First sign-in: no authenticator yet, so the password is followed by an emailed code.
    const before = t.inbox.mailsTo(email).length;
    await passwordLogin(page, email);
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await page.getByLabel('Code').fill(codeFrom(await t.inbox.waitForMail(email, before + 1)));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('viewer').waitFor();

    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByTestId('mfa-off').waitFor();
    await page.getByRole('button', { name: 'Add authenticator app' }).click();
    await page.getByTestId('totp-qr').locator('svg').waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await shot(page, 'mfa-01-enroll');
    await docsScreenshot(page, 'security-add-authenticator');
    await page.getByLabel('Authenticator code').fill(codeAt(secret, clock.now()));
    await page.getByLabel('Name (optional)').fill('Chromium phone');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    const codes = await page.getByTestId('recovery-code').allTextContents();
    expect(codes).toHaveLength(10);
    await shot(page, 'mfa-02-recovery-codes');
    await docsScreenshot(page, 'security-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByTestId('mfa-on').waitFor();
    expect(await page.getByTestId('mfa-factor').allTextContents()).toEqual([expect.stringContaining('Chromium phone')]);

    // Sign out, then password + authenticator code (the next time step: the enrollment's code was spent).
    await page.getByRole('link', { name: 'Warden example' }).click();
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByTestId('viewer-empty').waitFor();
    const mailsBefore = t.inbox.mailsTo(email).length;
    await passwordLogin(page, email);
    await page.getByRole('heading', { name: 'Enter your authenticator code' }).waitFor();
    expect(t.inbox.mailsTo(email).length).toBe(mailsBefore); // no LOGIN code was mailed
    clock.advance(30);
    await page.getByLabel('Authenticator code').fill(codeAt(secret, clock.now()));
    await shot(page, 'mfa-03-authenticator-step');
    await docsScreenshot(page, 'mfa');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('viewer').waitFor();
    expect(await page.getByTestId('viewer-email').textContent()).toBe(email);

    // Sign out, then password + a recovery code.
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByTestId('viewer-empty').waitFor();
    await passwordLogin(page, email);
    await page.getByRole('heading', { name: 'Enter your authenticator code' }).waitFor();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(codes[0]!);
    await shot(page, 'mfa-04-recovery-step');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('viewer').waitFor();
    await page.getByRole('link', { name: 'Security' }).click();
    expect(await page.getByTestId('mfa-on').textContent()).toContain('Recovery codes left: 9');
    await shot(page, 'mfa-05-after-recovery');

    // Passwordless: the emailed code is the first factor; the app then asks for the authenticator code.
    await page.getByRole('link', { name: 'Warden example' }).click();
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByTestId('viewer-empty').waitFor();
    await page.getByRole('link', { name: 'Passwordless' }).click();
    const beforeCode = t.inbox.mailsTo(email).length;
    await page.locator('form').first().getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await page.getByLabel('Code').fill(codeFrom(await t.inbox.waitForMail(email, beforeCode + 1)));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Enter your authenticator code' }).waitFor();
    clock.advance(30);
    await page.getByLabel('Authenticator code').fill(codeAt(secret, clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('viewer').waitFor();
    expect(await page.getByTestId('viewer-email').textContent()).toBe(email);

    // Sixteen minutes later (past REAUTH_MAX_AGE_SECONDS, 900), new recovery codes need a recent sign-in: the
    // REAUTHENTICATION_REQUIRED event of @warden/client opens the confirmation step, then the change runs again.
    clock.advance(16 * 60);
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByTestId('mfa-on').waitFor();
    await page.getByRole('button', { name: 'New recovery codes' }).click();
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    clock.advance(30);
    await page.getByLabel('Confirmation code').fill(codeAt(secret, clock.now()));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    expect(await page.getByTestId('recovery-code').count()).toBe(10);
  });
});
