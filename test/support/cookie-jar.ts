/**
 * A tiny browser-like cookie jar + redirect follower for driving OAuth redirect chains with fetch.
 * Cookies are scoped by hostname (NOT port — like browsers), path-prefix matched, and expired cookies removed.
 */
type Cookie = { name: string; value: string; host: string; path: string; expires?: number };

export class CookieJar {
  private cookies: Cookie[] = [];

  store(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const c: Cookie = { name: pair.slice(0, eq), value: pair.slice(eq + 1), host: url.hostname, path: defaultPath(url) };
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k.toLowerCase();
        if (key === 'path') c.path = v || '/';
        else if (key === 'expires') c.expires = Date.parse(v);
        else if (key === 'max-age') c.expires = Date.now() + Number(v) * 1000;
      }
      this.cookies = this.cookies.filter((o) => !(o.name === c.name && o.host === c.host && o.path === c.path));
      if (c.expires === undefined || c.expires > Date.now()) this.cookies.push(c);
    }
  }

  header(url: URL): string {
    const now = Date.now();
    return this.cookies
      .filter((c) => c.host === url.hostname && pathMatches(url.pathname, c.path) && (c.expires === undefined || c.expires > now))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  names(): string[] {
    return this.cookies.map((c) => `${c.name}@${c.host}${c.path}`);
  }
}

function defaultPath(url: URL): string {
  const i = url.pathname.lastIndexOf('/');
  return i <= 0 ? '/' : url.pathname.slice(0, i);
}
function pathMatches(reqPath: string, cookiePath: string): boolean {
  return reqPath === cookiePath || reqPath.startsWith(cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`);
}

/** GET `start` and follow 3xx with the jar until `stop(url)` is true; returns that URL without requesting it. */
export async function followRedirects(start: string | URL, jar: CookieJar, stop: (u: URL) => boolean, maxHops = 15): Promise<{ url: URL; hops: string[] }> {
  let url = new URL(start);
  const hops: string[] = [];
  for (let i = 0; i < maxHops; i++) {
    if (stop(url)) return { url, hops };
    hops.push(url.href);
    const cookie = jar.header(url);
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    jar.store(url, res);
    const loc = res.headers.get('location');
    await res.arrayBuffer(); // drain the body so the socket is released
    if (res.status < 300 || res.status >= 400 || !loc) {
      throw new Error(`redirect chain stopped at ${url.href} with HTTP ${res.status}`);
    }
    url = new URL(loc, url);
  }
  throw new Error('too many redirects');
}
