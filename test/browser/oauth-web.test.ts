import path from 'node:path';
import { type Browser } from 'playwright-core';
import { startTestApp } from '../support/start-test-app';
import { StaticAppServer } from '../support/static-app-server';
import { browserArtifacts, describeWithChromium } from '../support/example-web';
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness';
import { startOidcOp, type FakeOp } from '../support/oidc-provider';
import { uniqueEmail } from '../support/flows';

/**
 * examples/web in Debian's headless Chromium: "Continue with Google" → the real OpenID Provider's login page
 * (oidc-provider, one-button UI) → back through the gateway's callback → the viewer page, signed in, with the
 * Google identity listed. Screenshots go to test/artifacts/browser/.
 */
jest.setTimeout(180_000);

const artifacts = browserArtifacts;

describeWithChromium('example web app: Continue with Google in headless Chromium', () => {
  let site: StaticAppServer;
  let op: FakeOp;
  let browser: Browser;
  let h: BrowserHarness | undefined;
  const email = uniqueEmail('chromium-google');

  beforeAll(async () => {
    h = await startBrowserHarness(async (site) => {
      // The app's server also fronts the gateway (/graphql, /oauth/*): PUBLIC_URL is the app's origin here.
      op = await startOidcOp({
        clients: [
          { client_id: 'warden-web', client_secret: 'web-secret', redirect_uris: [`${site.url}/oauth/callback/google`, `${site.url}/oauth/callback/acme`] },
        ],
        accounts: { grace: { email, email_verified: true, name: 'Grace Hopper' } },
        ui: true,
      });
      return startTestApp({
        env: {
          PUBLIC_URL: site.url,
          APP_URL: site.url,
          REDIRECT_ALLOWLIST: site.url,
          OAUTH_GOOGLE_CLIENT_ID: 'warden-web',
          OAUTH_GOOGLE_CLIENT_SECRET: 'web-secret',
          OAUTH_GOOGLE_ISSUER: op.issuer,
          // The same provider as a second, generic one: "Link Acme" on the viewer page (linkOAuth).
          OAUTH_OIDC_ACME_ISSUER: op.issuer,
          OAUTH_OIDC_ACME_CLIENT_ID: 'warden-web',
          OAUTH_OIDC_ACME_CLIENT_SECRET: 'web-secret',
        },
      });
    });
    ({ site, browser } = h);
  });

  afterAll(async () => {
    await h?.close();
    await op?.close();
  });

  test('Continue with Google (PKCE) → provider login → signed in on the viewer page with the identity listed; Link Acme links a second one', async () => {
    const context = await browser.newContext({ viewport: { width: 820, height: 640 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${site.url}/login`);
    const button = page.getByRole('button', { name: 'Continue with Google' });
    await button.waitFor();
    await page.screenshot({ path: path.join(artifacts, 'oauth-01-login-page.png') });
    await button.click();

    await page.getByRole('heading', { name: /Sign in to warden-web/ }).waitFor();
    expect(new URL(page.url()).origin).toBe(op.issuer);
    await page.screenshot({ path: path.join(artifacts, 'oauth-02-provider-login.png') });
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByTestId('viewer').waitFor();
    expect(new URL(page.url()).pathname).toBe('/'); // the code left the address bar
    expect(await page.getByTestId('viewer-email').textContent()).toBe(email);
    expect(await page.getByTestId('viewer').textContent()).toContain('Signed in as Grace Hopper');
    await page.getByTestId('identity-row').waitFor();
    expect(await page.getByTestId('identity-row').textContent()).toContain(`Google · ${email}`);
    expect(await page.getByTestId('identities').textContent()).toContain('No password');
    await page.screenshot({ path: path.join(artifacts, 'oauth-03-signed-in.png') });

    // PKCE: the verifier lived in sessionStorage for the flow and is gone once the code was redeemed.
    expect(await page.evaluate(() => sessionStorage.getItem('warden.oauth.pkce'))).toBeNull();

    // Link another provider from the viewer page: back on the return page, the app restores the session and
    // completes the link on it (linkOAuth completes only on the bearer of the session that started it).
    // (The provider remembers this browser's sign-in and answers at once, as Google does.)
    await page.getByRole('button', { name: 'Link Acme' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByTestId('viewer').waitFor();
    await page.getByTestId('identity-row').nth(1).waitFor();
    expect(await page.getByTestId('identities').textContent()).toContain(`Acme · ${email}`);

    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'warden_refresh')).toMatchObject({ httpOnly: true, path: '/graphql' });
    expect(cookies.find((c) => c.name === 'warden_oauth_browser')).toMatchObject({ httpOnly: true, path: '/oauth', sameSite: 'Lax' });
    await context.close();
  });
});
