import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { StaticAppServer } from '../support/static-app-server';
import { browserArtifacts, describeWithChromium } from '../support/example-web';
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import { PASSWORD, uniqueEmail } from '../support/flows';

/**
 * examples/web, built with Vite and served beside the real gateway (real PostgreSQL/Redis when configured,
 * real SMTP inbox), driven in Debian's headless Chromium by playwright-core. A screenshot of every step
 * goes to test/artifacts/browser/.
 */
jest.setTimeout(180_000);

const artifacts = browserArtifacts;

describeWithChromium('example web app in headless Chromium against the gateway', () => {
  let t: TestApp;
  let site: StaticAppServer;
  let browser: Browser;
  let h: BrowserHarness | undefined;
  const email = uniqueEmail('browser');
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    h = await startBrowserHarness(async (site) => {
      // Links in mails point at the app (APP_URL), whose origin is also the one allowed for redirects and CORS.
      return startTestApp({ env: { APP_URL: site.url, REDIRECT_ALLOWLIST: site.url } });
    });
    ({ t, site, browser } = h);
  });

  afterAll(async () => {
    await h?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 820, height: 560 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });

  /** Operation names and variables of the GraphQL requests the page sends. */
  function recordOperations(page: Page): { operationName: string; variables: unknown }[] {
    const seen: { operationName: string; variables: unknown }[] = [];
    page.on('request', (request) => {
      if (!request.url().endsWith('/graphql') || request.method() !== 'POST') return;
      const body = request.postDataJSON() as { operationName: string; variables: unknown };
      seen.push({ operationName: body.operationName, variables: body.variables });
    });
    return seen;
  }

  const refreshCookie = async (page: Page) => (await page.context().cookies()).find((c) => c.name === 'warden_refresh');

  test('signup with organization → code from the captured mail → viewer → reload keeps the session → logout → viewer empty', async () => {
    const page = await newPage();
    const operations = recordOperations(page);
    await page.goto(site.url);
    await page.getByTestId('viewer-empty').waitFor();

    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Your name').fill('Grace Hopper');
    await page.getByLabel('Organization').fill('Compiler Co');
    await page.getByLabel('Team size').fill('11-50');
    await shot(page, '01-signup-form');
    await page.getByRole('button', { name: 'Sign up' }).click();

    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    expect(await page.getByTestId('resend').isDisabled()).toBe(true); // its cooldown (resendAvailableAt) is counting down
    const mail = await t.inbox.waitForMail(email);
    await page.getByLabel('Code').fill(codeFrom(mail));
    await shot(page, '02-enter-code');
    await page.getByRole('button', { name: 'Verify' }).click();

    const viewer = page.getByTestId('viewer');
    await viewer.waitFor();
    expect(await page.getByTestId('viewer-email').textContent()).toBe(email);
    expect(await page.getByTestId('viewer-organization').textContent()).toBe('Compiler Co');
    expect(await viewer.textContent()).toContain('Signed in as Grace Hopper');
    expect(await page.getByTestId('session-row').count()).toBe(1);
    expect(await page.getByTestId('session-device').textContent()).toBe('Chrome on Linux');
    await shot(page, '03-viewer');

    // The refresh token is an HttpOnly cookie scoped to /graphql; the access token is in memory only.
    const cookie = await refreshCookie(page);
    expect(cookie).toMatchObject({ httpOnly: true, path: '/graphql', sameSite: 'Lax' });
    // (A string: the root tsconfig has no DOM types; this runs in the page.)
    const stored = await page.evaluate('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie');
    expect(stored).toBe('{}{}');

    operations.length = 0;
    await page.reload();
    await page.getByTestId('viewer').waitFor();
    expect(await page.getByTestId('viewer-email').textContent()).toBe(email);
    // The refresh is @warden/client's (examples/web/src/apollo.ts), one for the page load.
    const refreshes = operations.filter((o) => o.operationName === 'WardenRefreshSession');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.variables ?? {}).toEqual({}); // no token in the body: the cookie carried it
    expect((await refreshCookie(page))?.value).not.toBe(cookie!.value); // rotated
    await shot(page, '04-after-reload');

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByTestId('viewer-empty').waitFor();
    expect(await refreshCookie(page)).toBeUndefined();
    await shot(page, '05-logged-out');

    await page.reload();
    await page.getByTestId('viewer-empty').waitFor();
    expect(await page.getByTestId('viewer').count()).toBe(0);
  });

  test('login → code; a magic link signs in a second browser, which revokes the first session; a reset link ends both and signs in', async () => {
    const first = await newPage();
    await first.goto(`${site.url}/login`);
    await first.getByLabel('Email').fill(email);
    await first.getByLabel('Password').fill(PASSWORD);
    const before = t.inbox.mailsTo(email).length;
    await first.getByRole('button', { name: 'Log in' }).click();
    await first.getByRole('heading', { name: 'Enter your code' }).waitFor();
    const loginMail = await t.inbox.waitForMail(email, before + 1);
    await first.getByLabel('Code').fill(codeFrom(loginMail));
    await first.getByRole('button', { name: 'Verify' }).click();
    await first.getByTestId('viewer').waitFor();
    await shot(first, '06-login-viewer');

    // A second browser asks for a magic link and opens it.
    const second = await newPage();
    await second.goto(`${site.url}/passwordless`);
    const mailsBefore = t.inbox.mailsTo(email).length;
    await second.getByLabel('Email', { exact: true }).last().fill(email);
    await second.getByRole('button', { name: 'Send link' }).click();
    await second.getByRole('status').waitFor();
    const link = linkFrom(await t.inbox.waitForMail(email, mailsBefore + 1));
    expect(link.origin + link.pathname).toBe(`${site.url}/auth/magic-link`);
    // Every page load asks refreshSession first, here without a cookie, racing the link's sign-in. Its
    // refusal is held until the link has signed in, so it arrives last: the newer sign-in must stand (the
    // app signed out on it, now and then, until it dropped a refresh that a sign-in overtook; @warden/client
    // keeps that rule now).
    const held: { refusal?: Promise<void> } = {};
    await second.route('**/graphql', async (route) => {
      const operation = (route.request().postDataJSON() as { operationName?: string } | null)?.operationName;
      if (operation !== 'WardenRefreshSession' || held.refusal) return route.continue();
      const refused = route.fetch();
      held.refusal = second
        .getByTestId('viewer')
        .waitFor()
        .then(async () => route.fulfill({ response: await refused }));
      await held.refusal;
    });
    await second.goto(link.toString());
    await second.getByTestId('viewer').waitFor();
    expect(held.refusal).toBeDefined();
    await held.refusal;
    await second.unroute('**/graphql');
    // Two frames after the refusal reached the page, the viewer is still signed in.
    await second.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    await second.getByTestId('viewer').waitFor({ timeout: 1_000 });
    expect(new URL(second.url()).search).toBe(''); // the token left the address bar
    expect(await second.getByTestId('session-row').count()).toBe(2);
    await shot(second, '07-magic-link-two-sessions');

    // Revoke the first browser's session from the second.
    const other = second.getByTestId('session-row').filter({ hasNotText: 'this browser' });
    await other.getByRole('button', { name: 'Revoke' }).click();
    await expect_(async () => expect(await second.getByTestId('session-row').count()).toBe(1));
    await shot(second, '08-revoked-other-session');
    await first.reload();
    await first.getByTestId('viewer-empty').waitFor();

    // Forgot password in the first browser, finished through the emailed link.
    await first.goto(`${site.url}/forgot-password`);
    const resetBefore = t.inbox.mailsTo(email).length;
    await first.getByLabel('Email').fill(email);
    await first.getByRole('button', { name: 'Email me a reset code' }).click();
    await first.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    const resetMail = await t.inbox.waitForMail(email, resetBefore + 1);
    const resetLink = linkFrom(resetMail);
    expect(resetLink.pathname).toBe('/auth/reset-password');
    await first.goto(resetLink.toString());
    await first.getByLabel('New password').fill('a brand new passphrase 42');
    await shot(first, '09-reset-password-link');
    await first.getByRole('button', { name: 'Reset password' }).click();
    await first.getByTestId('viewer').waitFor();
    expect(await first.getByTestId('session-row').count()).toBe(1);
    await shot(first, '10-after-reset');

    // The reset ended every other session: the second browser is signed out after a reload.
    await second.reload();
    await second.getByTestId('viewer-empty').waitFor();
  });

  test('a used or forged magic link says so in words (not the contract code), not a signed-in page', async () => {
    const page = await newPage();
    await page.goto(`${site.url}/auth/magic-link?token=forged.token`);
    await page.getByRole('alert').waitFor();
    const alert = await page.getByRole('alert').textContent();
    expect(alert).toContain('This link has expired or was already used. Ask for a new one.');
    expect(alert).not.toContain('INVALID_TOKEN');
    expect(await refreshCookie(page)).toBeUndefined();
  });
});

/** Retries an assertion until it passes (the page updates asynchronously), for at most 30 s. */
async function expect_(assertion: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 30_000;
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
