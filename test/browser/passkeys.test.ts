import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { browserArtifacts, describeWithChromium, docsScreenshot } from '../support/example-web';
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness';
import { codeFrom } from '../support/smtp-inbox';
import { PASSWORD, signUpAndVerify, uniqueEmail } from '../support/flows';

/**
 * Passkeys through examples/web in headless Chromium, with DevTools' virtual authenticator (the CDP WebAuthn
 * domain: a platform authenticator with resident keys and user verification, no real device): register a passkey,
 * sign out, sign in usernameless, sign in through autofill on the email field, remove it.
 * WebAuthn needs a secure context and a domain rp id, so the app is opened on http://localhost.
 */
jest.setTimeout(240_000);

const artifacts = browserArtifacts;

describeWithChromium('passkeys in the example web app (Chromium, virtual authenticator)', () => {
  let t: TestApp;
  let browser: Browser;
  let h: BrowserHarness | undefined;
  let appUrl: string;

  beforeAll(async () => {
    h = await startBrowserHarness(async (site) => {
      appUrl = site.url.replace('127.0.0.1', 'localhost');
      // WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS default from APP_URL: localhost and this origin.
      return startTestApp({ env: { APP_URL: appUrl, REDIRECT_ALLOWLIST: appUrl } });
    });
    ({ t, browser } = h);
  });

  afterAll(async () => {
    await h?.close();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `passkeys-${name}.png`) });

  function recordOperations(page: Page): string[] {
    const seen: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/graphql') && request.method() === 'POST') seen.push((request.postDataJSON() as { operationName: string }).operationName);
    });
    return seen;
  }

  test('register a passkey → sign out → usernameless sign-in → sign out → autofill sign-in → remove it', async () => {
    const email = uniqueEmail('browser-passkey');
    await signUpAndVerify(t, t.client(), email);

    const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const operations = recordOperations(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    // Log in with password + emailed code (registration needs a recent authentication).
    await page.goto(`${appUrl}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    const before = t.inbox.mailsTo(email).length;
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await page.getByLabel('Code').fill(codeFrom(await t.inbox.waitForMail(email, before + 1)));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('viewer').waitFor();

    // Register, on the Security page beside the authenticator apps.
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByTestId('mfa-off').waitFor();
    await page.getByLabel('Passkey name').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByTestId('passkey-row').waitFor();
    expect(await page.getByTestId('passkey-row').textContent()).toContain('Test laptop');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect((await t.inbox.waitForSubject(email, /passkey was added/i)).subject).toMatch(/passkey was added/i);
    await shot(page, '01-registered');
    await docsScreenshot(page, 'security-passkeys');

    // Sign out, then usernameless: the button, no email typed.
    await page.getByRole('link', { name: 'Warden example' }).click();
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByTestId('viewer-empty').waitFor();
    await page.getByRole('link', { name: 'Passkey' }).click();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByTestId('viewer').waitFor();
    expect(await page.getByTestId('viewer-email').textContent()).toBe(email);
    await shot(page, '02-usernameless');

    // Sign out, then autofill: focusing the email field starts conditional mediation; the virtual authenticator answers.
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByTestId('viewer-empty').waitFor();
    await page.getByRole('link', { name: 'Passkey' }).click();
    operations.length = 0;
    await page.getByLabel('Email').click();
    await page.getByTestId('viewer').waitFor();
    expect(await page.getByTestId('viewer-email').textContent()).toBe(email);
    expect(operations).toEqual(expect.arrayContaining(['StartPasskeyAuthentication', 'FinishPasskeyAuthentication']));
    const rows = (await t.app.dataSource.query(`SELECT counter, last_used_at FROM ${t.table('passkeys')}`)) as { counter: string; last_used_at: Date | null }[];
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.counter)).toBeGreaterThanOrEqual(2);
    const sessions = (await t.app.dataSource.query(
      `SELECT aal, amr FROM ${t.table('sessions')} s JOIN ${t.table('users')} u ON u.id = s.user_id WHERE u.email = $1 ORDER BY s.created_at DESC LIMIT 1`,
      [email],
    )) as { aal: string; amr: string[] }[];
    expect(sessions[0]).toEqual({ aal: 'aal2', amr: ['hwk', 'pin'] });
    await shot(page, '03-autofill');

    // Remove it (this session just authenticated with the passkey).
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Remove passkey' }).click();
    await page.getByText('No passkey yet.').waitFor();
    expect(await page.getByTestId('passkey-row').count()).toBe(0);
    expect(await t.app.dataSource.query(`SELECT id FROM ${t.table('passkeys')}`)).toEqual([]);
    await shot(page, '04-removed');
    await context.close();
  });
});
