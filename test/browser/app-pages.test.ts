import { type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { StaticAppServer } from '../support/static-app-server';
import { describeWithChromium, docsScreenshot } from '../support/example-web';
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness';
import { codeFrom } from '../support/smtp-inbox';
import { PASSWORD, uniqueEmail } from '../support/flows';

/**
 * Every page of examples/web in headless Chromium against the gateway, as people read it: error messages in words
 * (never a contract code), "Send a new code" waiting out its cooldown with a countdown (never RATE_LIMITED),
 * device names parsed from the user agent, readable activity names, forms pre-filled. Each page leaves its
 * screenshot in docs/screenshots/ (docs/frontend.md shows them).
 */
jest.setTimeout(180_000);

/** Short enough to wait out in the test, long enough to see the countdown. */
const RESEND_COOLDOWN_SECONDS = 6;

describeWithChromium('example web app: every page, in words people read', () => {
  let t: TestApp;
  let site: StaticAppServer;
  let browser: Browser;
  let h: BrowserHarness | undefined;
  let page: Page;
  const email = uniqueEmail('pages');
  /** Every GraphQL error code the app received, to check which ones people could have met. */
  const codes: string[] = [];

  beforeAll(async () => {
    h = await startBrowserHarness(async (site) => {
      return startTestApp({
        env: { APP_URL: site.url, REDIRECT_ALLOWLIST: site.url, OTP_RESEND_COOLDOWN_SECONDS: String(RESEND_COOLDOWN_SECONDS) },
      });
    });
    ({ t, site, browser } = h);
    const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('response', (response) => {
      if (!response.url().endsWith('/graphql')) return;
      void response
        .json()
        .then((body: { errors?: { extensions?: { code?: string } }[] }) => codes.push(...(body.errors ?? []).map((e) => String(e.extensions?.code))))
        .catch(() => undefined);
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  const alertText = async () => (await page.getByRole('alert').textContent())!.trim();

  test('sign up: a wrong code reads as a sentence, the resend waits out its countdown, then the new code signs in', async () => {
    await page.goto(site.url);
    await page.getByTestId('viewer-empty').waitFor();
    await docsScreenshot(page, 'home-signed-out');

    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Your name').fill('Ada Lovelace');
    await page.getByLabel('Organization').fill('Analytical Engines');
    await docsScreenshot(page, 'signup');
    await page.getByRole('button', { name: 'Sign up' }).click();

    // The resend button waits for the challenge's resendAvailableAt, counting down.
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    const resend = page.getByTestId('resend');
    expect(await resend.isDisabled()).toBe(true);
    const first = Number(/^Send a new code in (\d+) s$/.exec((await resend.textContent())!)?.[1]);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(RESEND_COOLDOWN_SECONDS);
    await expectSoon(async () => {
      const now = Number(/in (\d+) s$/.exec((await resend.textContent())!)?.[1] ?? 0);
      expect(now).toBeLessThan(first);
    });

    // A wrong code: the sentence, with the tries left, and no contract code.
    const firstCode = codeFrom(await t.inbox.waitForMail(email));
    await page.getByLabel('Code').fill(firstCode === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    expect(await alertText()).toBe("That code isn't right. 4 tries left.");
    await docsScreenshot(page, 'verify-code');

    // Once the cooldown is over the button is enabled; a resend sends a new code and starts a new countdown.
    await expectSoon(async () => expect(await resend.isEnabled()).toBe(true), (RESEND_COOLDOWN_SECONDS + 5) * 1000);
    expect(await resend.textContent()).toBe('Send a new code');
    await resend.click();
    await page.getByText('A new code is on its way.').waitFor();
    expect(await resend.isDisabled()).toBe(true);
    expect(await resend.textContent()).toMatch(/^Send a new code in \d+ s$/);
    const newCode = codeFrom(await t.inbox.waitForMail(email, 2));
    await page.getByLabel('Code').fill(newCode);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('viewer').waitFor();
    expect(codes).toContain('INVALID_OTP');
    expect(codes).not.toContain('RATE_LIMITED');
  });

  test('home: the session is named after the browser, not its user-agent string', async () => {
    const device = page.getByTestId('session-device');
    expect(await device.textContent()).toBe('Chrome on Linux'); // Debian's headless Chromium says "HeadlessChrome … Linux"
    expect(await device.getAttribute('title')).toMatch(/^Mozilla\/5\.0 .*Chrome/); // the raw string stays as a tooltip
    expect(await page.getByTestId('session-row').textContent()).toContain('this browser');
    await docsScreenshot(page, 'home-signed-in');
  });

  test('security: two-step verification and passkeys side by side', async () => {
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByTestId('mfa-off').waitFor();
    await page.getByTestId('passkeys').getByText('No passkey yet.').waitFor();
    expect(await page.getByRole('button', { name: 'Add a passkey' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Add authenticator app' }).count()).toBe(1);
    await docsScreenshot(page, 'security');
    // The home page no longer has them.
    await page.getByRole('link', { name: 'Warden example' }).click();
    await page.getByTestId('viewer').waitFor();
    expect(await page.getByTestId('passkeys').count()).toBe(0);
  });

  test('settings: the forms start from the current name and email', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('settings').waitFor();
    await expectSoon(async () => expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Ada Lovelace'));
    expect(await page.getByLabel('New email', { exact: true }).inputValue()).toBe(email);
    await docsScreenshot(page, 'settings');
  });

  test('security activity: events by readable name, from a named device', async () => {
    await page.getByRole('link', { name: 'Recent sign-ins and account changes' }).click();
    await page.getByTestId('security-event').first().waitFor();
    const names = await page.getByTestId('security-event-name').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['Sign-in code sent', 'Sign-in code sent again', 'Wrong code entered', 'Signed in']));
    expect(names.join(' ')).not.toMatch(/[a-z]+\.[a-z_]+/); // no raw noun.past_verb
    const signedIn = page.getByTestId('security-event').filter({ hasText: 'Signed in' }).first();
    expect(await signedIn.textContent()).toContain('Chrome on Linux');
    await docsScreenshot(page, 'security-activity');
  });

  test('signed-out pages, and the errors of links in words', async () => {
    await page.getByRole('link', { name: 'Warden example' }).click();
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByTestId('viewer-empty').waitFor();

    await page.getByRole('link', { name: 'Log in' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password 1');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await alertText()).toBe('That email and password do not match.');
    await docsScreenshot(page, 'login');

    await page.getByRole('link', { name: 'Passwordless' }).click();
    await page.getByRole('heading', { name: 'Email me a sign-in link' }).waitFor();
    await docsScreenshot(page, 'passwordless');

    await page.getByRole('link', { name: 'Passkey' }).click();
    await page.getByRole('heading', { name: 'Sign in with a passkey' }).waitFor();
    await docsScreenshot(page, 'passkey-sign-in');

    await page.getByRole('link', { name: 'Forgot password' }).click();
    await page.getByLabel('Email').fill(email);
    await docsScreenshot(page, 'forgot-password');
    await page.getByRole('button', { name: 'Email me a reset code' }).click();
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('Code from the email').fill('000000');
    await page.getByLabel('New password').fill('short');
    await page.getByRole('button', { name: 'Reset password' }).click();
    await page.getByRole('alert').waitFor();
    expect(await alertText()).not.toMatch(/[A-Z]{3,}_[A-Z]+/);
    await docsScreenshot(page, 'forgot-password-code');

    await page.goto(`${site.url}/auth/reset-password?token=forged.token`);
    await page.getByLabel('New password').fill('a brand new passphrase 42');
    await page.getByRole('button', { name: 'Reset password' }).click();
    await page.getByRole('alert').waitFor();
    expect(await alertText()).toBe('This link has expired or was already used. Ask for a new one.');
    await docsScreenshot(page, 'reset-password-link');

    await page.goto(`${site.url}/auth/magic-link?token=forged.token`);
    await page.getByRole('alert').waitFor();
    expect(await alertText()).toMatch(/^This link has expired or was already used\. Ask for a new one\./);
    await docsScreenshot(page, 'magic-link');

    await page.goto(`${site.url}/auth/oauth?error=OAUTH_FAILED&reason=ACCESS_DENIED`);
    await page.getByRole('alert').waitFor();
    expect(await alertText()).toMatch(/^The sign-in was cancelled at the provider\./);
    await docsScreenshot(page, 'oauth-return');

    await page.goto(`${site.url}/account/recover`);
    await page.getByRole('heading', { name: 'Recover your account' }).waitFor();
    await docsScreenshot(page, 'account-recover');

    await page.goto(`${site.url}/account/undo-email?token=forged.token`);
    await page.getByRole('button', { name: 'Undo the change' }).click();
    await page.getByRole('alert').waitFor();
    expect(await alertText()).toBe('This link has expired or was already used. Ask for a new one.');
    await docsScreenshot(page, 'undo-email');

    expect(codes).not.toContain('RATE_LIMITED');
  });
});

/** Retries an assertion until it passes (the page updates asynchronously). */
async function expectSoon(assertion: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
