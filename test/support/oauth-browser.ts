import { createHash, randomBytes } from 'node:crypto';
import { CookieJar } from './cookie-jar';

/** A PKCE pair for startOAuth / linkOAuth (codeChallenge, required) and completeOAuth (codeVerifier), S256. */
export function pkcePair(): { codeVerifier: string; codeChallenge: string } {
  const codeVerifier = randomBytes(32).toString('base64url');
  return { codeVerifier, codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url') };
}

export type Landing = { kind: 'app'; url: URL } | { kind: 'page'; url: URL; status: number; body: string };

/**
 * A simulated browser for provider sign-in: one cookie jar (by hostname, as browsers keep them), redirects
 * followed by hand. Requests to PUBLIC_URL (http://warden.test in tests) go to the gateway's real address;
 * navigation stops when it reaches the app (an origin of REDIRECT_ALLOWLIST) or a page that is no redirect.
 * `intercept` sees each URL before it is requested and may replace it (or stop there by returning 'stop').
 */
export class OAuthBrowser {
  readonly jar = new CookieJar();

  constructor(
    private readonly publicUrl: string,
    private readonly gatewayUrl: string,
    private readonly appOrigins: readonly string[],
  ) {}

  private real(url: URL): URL {
    return url.origin === this.publicUrl ? new URL(url.pathname + url.search, this.gatewayUrl) : url;
  }

  async navigate(start: string | URL, intercept?: (url: URL) => URL | 'stop' | void | Promise<URL | 'stop' | void>): Promise<Landing> {
    let url = new URL(start);
    for (let hop = 0; hop < 20; hop++) {
      const replaced = intercept ? await intercept(url) : undefined;
      if (replaced === 'stop') return { kind: 'page', url, status: 0, body: '' };
      if (replaced) url = replaced;
      if (this.appOrigins.includes(url.origin)) return { kind: 'app', url };
      const real = this.real(url);
      const cookie = this.jar.header(real);
      const res = await fetch(real, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      this.jar.store(real, res);
      const location = res.headers.get('location');
      const body = await res.text();
      if (res.status < 300 || res.status >= 400 || !location) return { kind: 'page', url, status: res.status, body };
      url = new URL(location, url);
    }
    throw new Error('too many redirects');
  }
}
