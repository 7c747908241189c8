/**
 * GitHub stand-in (web + API on one loopback origin; Warden gets OAUTH_GITHUB_URL and OAUTH_GITHUB_API_URL
 * pointing at it). Speaks the parts of GitHub's OAuth App flow Warden uses:
 *   GET  /login/oauth/authorize      -> 302 redirect_uri?code&state   (or ?error=access_denied&state)
 *   POST /login/oauth/access_token   -> JSON if Accept: application/json, else x-www-form-urlencoded;
 *                                       errors are HTTP 200 + {error:'bad_verification_code'} like real GitHub
 *   GET  /user, GET /user/emails     -> Bearer token, User-Agent required (GitHub answers 403 without one)
 */
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export type GhUser = { id: number; login: string; name?: string; emails: Array<{ email: string; primary: boolean; verified: boolean }> };
export type FakeGitHub = {
  url: string;
  users: Map<string, GhUser>;
  loginAs: string;
  deny: boolean;
  failToken: boolean;
  clients: Map<string, { secret: string; redirectUri: string }>;
  requests: string[];
  close(): Promise<void>;
};

export async function startFakeGitHub(opts: {
  clients: Record<string, { secret: string; redirectUri: string }>;
  users: Record<string, GhUser>;
}): Promise<FakeGitHub> {
  const codes = new Map<string, { clientId: string; login: string; redirectUri: string; challenge?: string; scope: string }>();
  const tokens = new Map<string, { login: string; scope: string }>();
  const gh: FakeGitHub = {
    url: '',
    users: new Map(Object.entries(opts.users)),
    loginAs: Object.keys(opts.users)[0] ?? '',
    deny: false,
    failToken: false,
    clients: new Map(Object.entries(opts.clients)),
    requests: [],
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, gh.url);
    gh.requests.push(`${req.method} ${url.pathname}`);
    try {
      if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
        const q = url.searchParams;
        const client = gh.clients.get(q.get('client_id') ?? '');
        if (!client) return json(res, 404, { message: 'Not Found' });
        const redirectUri = q.get('redirect_uri') ?? client.redirectUri;
        if (redirectUri !== client.redirectUri) {
          res.writeHead(400).end('redirect_uri mismatch');
          return;
        }
        const back = new URL(redirectUri);
        if (q.get('state')) back.searchParams.set('state', q.get('state')!);
        if (gh.deny) {
          back.searchParams.set('error', 'access_denied');
          back.searchParams.set('error_description', 'The user has denied your application access.');
        } else {
          const code = randomBytes(10).toString('hex');
          codes.set(code, {
            clientId: q.get('client_id')!,
            login: gh.loginAs,
            redirectUri,
            challenge: q.get('code_challenge') ?? undefined,
            scope: q.get('scope') ?? '',
          });
          back.searchParams.set('code', code);
        }
        res.writeHead(302, { location: back.href }).end();
        return;
      }

      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        if (gh.failToken) {
          res.writeHead(500).end('Internal Server Error');
          return;
        }
        let raw = '';
        for await (const chunk of req) raw += chunk;
        const body = new URLSearchParams(raw);
        let clientId = body.get('client_id');
        let secret = body.get('client_secret');
        const basic = req.headers.authorization?.match(/^Basic (.+)$/i);
        if (basic) {
          const [u, p] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
          clientId = u;
          secret = p;
        }
        const wantsJson = (req.headers.accept ?? '').includes('application/json');
        const answer = (payload: Record<string, string>) =>
          wantsJson
            ? json(res, 200, payload)
            : res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }).end(new URLSearchParams(payload).toString());
        const client = gh.clients.get(clientId ?? '');
        if (!client || client.secret !== secret)
          return answer({ error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });
        const code = body.get('code') ?? '';
        const entry = codes.get(code);
        codes.delete(code); // single use
        const verifier = body.get('code_verifier');
        const ok =
          entry &&
          entry.clientId === clientId &&
          (!body.get('redirect_uri') || body.get('redirect_uri') === entry.redirectUri) &&
          (!entry.challenge || (verifier && createHash('sha256').update(verifier).digest('base64url') === entry.challenge));
        if (!ok) return answer({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
        const token = `gho_${randomBytes(18).toString('hex')}`;
        tokens.set(token, { login: entry.login, scope: entry.scope });
        return answer({ access_token: token, token_type: 'bearer', scope: entry.scope });
      }

      if (req.method === 'GET' && (url.pathname === '/user' || url.pathname === '/user/emails')) {
        if (!req.headers['user-agent'])
          return json(res, 403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header' });
        const m = req.headers.authorization?.match(/^(?:Bearer|token) (.+)$/i);
        const t = m && tokens.get(m[1]);
        if (!t) return json(res, 401, { message: 'Bad credentials' });
        const u = gh.users.get(t.login)!;
        if (url.pathname === '/user') {
          const pub = u.emails.find((e) => e.primary)?.email ?? null;
          return json(res, 200, { id: u.id, login: u.login, name: u.name ?? null, email: pub });
        }
        if (!t.scope.split(/[ ,]/).includes('user:email')) return json(res, 404, { message: 'Not Found' });
        return json(
          res,
          200,
          u.emails.map((e) => ({ ...e, visibility: e.primary ? 'private' : null })),
        );
      }
      res.writeHead(404).end();
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  gh.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gh;
}
