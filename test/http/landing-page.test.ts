import { loadConfig } from '../../src/config/config';
import path from 'node:path';
import fs from 'node:fs';
import { buildSchema } from 'graphql';
import pino from 'pino';
import { chromium } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { createHttpServer } from '../../src/http/server';
import { sandboxDocument } from '../../src/graphql/sandbox-document';
import { browserArtifacts, CHROMIUM_ARGS, CHROMIUM_PATH, describeWithChromium } from '../support/example-web';
import type { Context } from '../../src/graphql/context';

jest.setTimeout(120_000);

const html = (url: string) => fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });

describe('GET /graphql in a browser: Apollo Sandbox in development only', () => {
  let dev: TestApp;
  beforeAll(async () => {
    dev = await startTestApp({ env: { NODE_ENV: 'development' } });
  });
  afterAll(() => dev.close());

  test('development: the Sandbox page, opening on the signup walkthrough with the Authorization header ready to fill', async () => {
    const response = await html(dev.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain('new window.EmbeddedSandbox(');
    const config = /var embeddedSandboxConfig = (\{.*\});/.exec(page);
    expect(config).not.toBeNull();
    const sandbox = JSON.parse(config![1]!) as {
      initialState: { document: string; headers: Record<string, string>; includeCookies: boolean };
      runTelemetry: boolean;
    };
    expect(sandbox.initialState.document).toBe(sandboxDocument);
    expect(sandbox.initialState.document).toMatch(/mutation Signup[\s\S]+mutation VerifyOtp[\s\S]+query Viewer/);
    expect(sandbox.initialState.headers).toEqual({ Authorization: expect.stringMatching(/^Bearer /) });
    expect(sandbox.initialState.includeCookies).toBe(true);
    expect(sandbox.runTelemetry).toBe(false);
  });

  test('development: the same URL still answers GraphQL', async () => {
    const response = await fetch(`${dev.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(await response.json()).toEqual({ data: { viewer: null } });
  });

  test('production: no landing page', async () => {
    const { fastify } = await createHttpServer({
      schema: buildSchema('type Query { ok: Boolean }'),
      logger: pino({ level: 'silent' }),
      isProduction: true,
      exposeErrors: false,
      corsOrigins: [],
      createContext: async () => ({}) as Context,
      readiness: [],
      graphqlLimits: loadConfig({}).limits,
    });
    try {
      const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
      const response = await html(url);
      expect(response.headers.get('content-type')).not.toMatch(/text\/html/);
      expect(await response.text()).not.toContain('EmbeddedSandbox');
      expect(response.status).toBe(400);
    } finally {
      await fastify.close();
    }
  });
});

describeWithChromium('Apollo Sandbox in headless Chromium', () => {
  let dev: TestApp;
  beforeAll(async () => {
    dev = await startTestApp({ env: { NODE_ENV: 'development' } });
  });
  afterAll(() => dev.close());

  test("renders the landing page and saves a screenshot (offline, Apollo's CDN is unreachable: the fallback shows)", async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    try {
      // bypassCSP: the landing page's CSP (nonce-only scripts) would refuse the test's own wait predicate.
      const page = await browser.newPage({ viewport: { width: 1100, height: 640 }, bypassCSP: true });
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(new URL(request.url()).host));
      await page.goto(`${dev.url}/graphql`);
      // With the CDN reachable the embed fills #embeddableSandbox with an iframe. Offline it cannot load, and
      // Apollo's page fades in its fallback text after two seconds.
      await page.waitForFunction(
        "document.querySelector('#embeddableSandbox iframe') || getComputedStyle(document.querySelector('.fallback')).opacity === '1'",
        undefined,
        { timeout: 30_000 },
      );
      const dir = browserArtifacts;
      fs.mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: path.join(dir, 'sandbox.png') });
      const iframe = await page.locator('#embeddableSandbox iframe').count();
      if (iframe === 0) {
        expect(failed).toContain('embeddable-sandbox.cdn.apollographql.com');
        expect(await page.textContent('body')).toContain('Apollo Sandbox cannot be loaded');
      }
    } finally {
      await browser.close();
    }
  });
});
