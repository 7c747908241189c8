import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { StaticAppServer } from '../support/static-app-server';
import { browserArtifacts, describeWithChromium, docsScreenshot } from '../support/example-web';
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness';
import { codeFrom } from '../support/smtp-inbox';
import { PASSWORD, uniqueEmail } from '../support/flows';
import { errorsOf, signUpVerified } from '../support/attack';
import { rawPost } from '../support/graphql-client';

/**
 * The adaptive CAPTCHA in examples/web (src/captcha.tsx): past the per-IP threshold a mutation answers
 * CAPTCHA_REQUIRED; the app shows ALTCHA's widget on the challenge of that answer, the widget really solves the
 * proof of work in Chromium (a Web Worker, SHA-256, maxnumber 1000 here so it takes milliseconds), and the app
 * sends the same mutation again with captchaToken = the widget's payload. All requests reach the gateway through
 * the app server's proxy, so they share one client IP (127.0.0.1) and one per-IP counter per field.
 */
jest.setTimeout(180_000);

const loginMutation = (email: string, token?: string) =>
  JSON.stringify({
    query: 'mutation ($input: LoginInput!, $captchaToken: String) { login(input: $input, captchaToken: $captchaToken) { challengeId } }',
    variables: { input: { email, password: PASSWORD }, captchaToken: token ?? null },
  });

describeWithChromium('example web app: the ALTCHA widget when the gateway asks for a CAPTCHA', () => {
  let t: TestApp;
  let site: StaticAppServer;
  let browser: Browser;
  let h: BrowserHarness | undefined;
  const email = uniqueEmail('captcha');

  beforeAll(async () => {
    h = await startBrowserHarness(async (site) =>
      startTestApp({
        env: {
          APP_URL: site.url,
          REDIRECT_ALLOWLIST: site.url,
          CAPTCHA_PROVIDER: 'altcha',
          // The second call of a field from one IP needs a CAPTCHA; the identifier counter never trips here.
          CAPTCHA_IP_THRESHOLD: '1',
          CAPTCHA_IDENTIFIER_THRESHOLD: '1000',
          CAPTCHA_ALTCHA_MAX_NUMBER: '1000',
        },
      }),
    );
    ({ t, site, browser } = h);
    await signUpVerified(t, email, PASSWORD);
  });

  const codeMails = () => t.inbox.mailsTo(email).filter((m) => /is your Warden code/.test(m.subject ?? '')).length;

  afterAll(async () => {
    await h?.close();
  });

  async function newPage(): Promise<{ page: Page; logins: { captchaToken?: unknown }[]; answers: string[] }> {
    const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const logins: { captchaToken?: unknown }[] = [];
    const answers: string[] = [];
    page.on('request', (request) => {
      if (!request.url().endsWith('/graphql') || request.method() !== 'POST') return;
      const body = request.postDataJSON() as { operationName?: string; variables?: { captchaToken?: unknown } };
      if (body.operationName === 'Login') logins.push(body.variables ?? {});
    });
    page.on('response', (response) => {
      if (!response.url().endsWith('/graphql') || response.request().method() !== 'POST') return;
      void response.json().then(
        (json: unknown) => answers.push(...errorsOf(json).map((e) => `${String(e.extensions?.code)}:${String(e.extensions?.reason)}`)),
        () => undefined,
      );
    });
    return { page, logins, answers };
  }

  /** The CAPTCHA answers seen so far, once at least `count` arrived (a response body is read after the page moved on). */
  async function captchaAnswers(answers: readonly string[], count: number): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    while (answers.filter((a) => a.startsWith('CAPTCHA')).length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return answers.filter((a) => a.startsWith('CAPTCHA'));
  }

  test('past the threshold the login form shows the widget; it solves the challenge in Chromium, the same login is sent again with the token and signs in; the token cannot be replayed', async () => {
    // The first login from this IP is below the threshold (and needs no widget).
    const first = await rawPost(t.url, loginMutation(email));
    expect(errorsOf(first.json)).toEqual([]);
    await t.inbox.waitForMail(email, 2); // the signup code, then this login's

    const { page, logins, answers } = await newPage();
    await page.goto(`${site.url}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    const mailsBefore = t.inbox.mailsTo(email).length;
    await page.getByRole('button', { name: 'Log in' }).click();

    // CAPTCHA_REQUIRED (THRESHOLD): the dialog with ALTCHA's widget, the form waiting behind it.
    const dialog = page.getByRole('dialog', { name: 'Quick check' });
    await dialog.waitFor();
    expect(await captchaAnswers(answers, 1)).toEqual(['CAPTCHA_REQUIRED:THRESHOLD']);
    expect(logins).toHaveLength(1);
    expect(logins[0]!.captchaToken ?? null).toBeNull();
    expect(await page.getByRole('button', { name: 'Working…' }).isDisabled()).toBe(true);
    expect(await dialog.locator('altcha-widget').count()).toBe(1);
    await page.screenshot({ path: path.join(browserArtifacts, 'captcha-01-widget.png') });
    await docsScreenshot(page, 'captcha');

    // Ticking the box runs the proof of work in the page; then the login goes again with the payload.
    await dialog.getByRole('checkbox').click();
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    expect(await dialog.count()).toBe(0);
    expect(logins).toHaveLength(2);
    expect(await captchaAnswers(answers, 1)).toEqual(['CAPTCHA_REQUIRED:THRESHOLD']); // the retry passed
    const token = logins[1]!.captchaToken;
    expect(typeof token).toBe('string');
    // The widget's payload: base64 JSON of the challenge it was given and the number it found.
    const payload = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as Record<string, unknown>;
    expect(payload).toMatchObject({
      algorithm: 'SHA-256',
      challenge: expect.any(String),
      salt: expect.stringMatching(/expires=\d+/),
      signature: expect.any(String),
    });
    expect(payload.number).toEqual(expect.any(Number));
    expect(payload.number as number).toBeLessThanOrEqual(1000);

    // The retried login sent its code; it signs in.
    const code = codeFrom(await t.inbox.waitForMail(email, mailsBefore + 1));
    await page.getByLabel('Code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('viewer').waitFor();
    expect(await page.getByTestId('viewer-email').textContent()).toBe(email);
    await page.screenshot({ path: path.join(browserArtifacts, 'captcha-02-signed-in.png') });

    // The solved token is single use: sent again (the same field, from the same IP) it is INVALID.
    const replay = await rawPost(t.url, loginMutation(email, String(token)));
    expect(errorsOf(replay.json).map((e) => e.extensions)).toEqual([
      expect.objectContaining({ code: 'CAPTCHA_REQUIRED', reason: 'INVALID', provider: 'altcha' }),
    ]);
    // Codes went out for the signup, the first login and the retried one: none for the refused call or the replay.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(codeMails()).toBe(3);
    await page.context().close();
  });

  test('Cancel: the form shows the readable CAPTCHA message and nothing is sent again', async () => {
    const { page, logins } = await newPage();
    await page.goto(`${site.url}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    const dialog = page.getByRole('dialog', { name: 'Quick check' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('Please complete the check that you are a person, then try again.');
    expect(await dialog.count()).toBe(0);
    expect(logins).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(codeMails()).toBe(3);
    await page.context().close();
  });
});
