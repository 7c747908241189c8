/**
 * In-process OpenID Provider (oidc-provider 9) on http://127.0.0.1:<port> for tests.
 * - confidential clients (client_secret_basic / client_secret_post), PKCE S256 required for every client
 * - accounts with email / email_verified, editable by the test
 * - programmatic interaction: GET /interaction/:uid signs in `op.loginAs` and grants consent (no UI),
 *   or answers access_denied when `op.deny` is set
 * - `op.tamper`: post-processes the token endpoint's id_token to test RP-side ID-token rejection
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';

/**
 * oidc-provider prints two harmless warnings (its runtime check wants Node 22 LTS, it runs on Node >= 20.12; and
 * the in-memory adapter is development-only, which a test provider is). They are kept out of the test output;
 * every other warning passes through.
 */
async function quietly<T>(run: () => T | Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && /^oidc-provider WARNING: (Unsupported runtime|a quick start development-only in-memory adapter)/.test(args[0])) return;
    warn(...args);
  };
  try {
    return await run();
  } finally {
    console.warn = warn;
  }
}
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

type SignKey = Parameters<SignJWT['sign']>[0];
export type OpAccount = { email: string; email_verified: boolean; name?: string };
export type Tamper = null | 'wrong-nonce' | 'expired' | 'other-key' | 'wrong-aud' | 'wrong-iss' | 'alg-none' | 'token-500';
export type OpClient = {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
};

export type FakeOp = {
  issuer: string;
  provider: Provider;
  accounts: Map<string, OpAccount>;
  loginAs: string;
  deny: boolean;
  tamper: Tamper;
  close(): Promise<void>;
};

export async function startOidcOp(opts: {
  clients: OpClient[];
  accounts?: Record<string, OpAccount>;
  /** false (default here) = email claims go into the ID token like Google; true = only via userinfo */
  conformIdTokenClaims?: boolean;
  /** true = GET /interaction/:uid renders a tiny login page (for Chromium + screenshot); POST .../login finishes */
  ui?: boolean;
}): Promise<FakeOp> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`; // no trailing slash: must equal the discovery "issuer" exactly

  // Our own signing key (so the tamper hook can re-sign with it) + a foreign one.
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const opJwk: JWK = { ...(await exportJWK(privateKey)), kid: 'op-1', alg: 'RS256', use: 'sig' };
  const other = await generateKeyPair('RS256', { extractable: true });

  const accounts = new Map(Object.entries(opts.accounts ?? {}));
  const config: Configuration = {
    clients: opts.clients.map((c) => ({
      ...c,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
    })),
    jwks: { keys: [opJwk] },
    cookies: { keys: ['fake-op-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: opts.conformIdTokenClaims ?? false,
    pkce: { required: () => true }, // only S256 is accepted by oidc-provider 9
    features: { devInteractions: { enabled: false } },
    // explicit TTLs (seconds) silence the "default ttl.X function called" NOTICEs
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, id) => {
      const a = accounts.get(id);
      if (!a) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...a }) };
    },
    // keep the provider quiet in tests; errors still reach the RP as OAuth errors
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
  const { default: ProviderClass } = await quietly(() => import('oidc-provider'));
  const provider = await quietly(() => new ProviderClass(issuer, config));
  // plain http on loopback: no `provider.proxy = true` needed; cookies get `secure` only when ctx.secure.
  // Behind a TLS-terminating proxy you would set provider.proxy = true so ctx.secure reflects X-Forwarded-Proto.

  const op: FakeOp = {
    issuer,
    provider,
    accounts,
    loginAs: Object.keys(opts.accounts ?? {})[0] ?? '',
    deny: false,
    tamper: null,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };

  // "User logs in and consents", without a UI (GET) or through a one-button page (ui: true, POST).
  const finish = async (ctx: KoaContextWithOIDC, accountId: string) => {
    const details = await provider.interactionDetails(ctx.req, ctx.res); // needs the _interaction cookie
    if (op.deny) {
      return provider.interactionFinished(
        ctx.req,
        ctx.res,
        { error: 'access_denied', error_description: 'user cancelled' },
        { mergeWithLastSubmission: false },
      );
    }
    const clientId = String(details.params.client_id);
    const grant = details.grantId ? (await provider.Grant.find(details.grantId))! : new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    // writes a 303 to /auth/:uid (resume), which needs the _interaction_resume cookie
    return provider.interactionFinished(ctx.req, ctx.res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  };
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    const m = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!m) return next();
    if (ctx.method === 'GET' && !m[2] && !opts.ui) return finish(ctx, op.loginAs);
    if (ctx.method === 'GET' && !m[2]) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      const options = [...accounts]
        .map(([id, a]) => `<option value="${id}"${id === op.loginAs ? ' selected' : ''}>${a.email}${a.email_verified ? '' : ' (unverified)'}</option>`)
        .join('');
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Fake provider sign-in</title><h1>Sign in to ${details.params.client_id}</h1>
        <form method="post" action="/interaction/${details.uid}/login"><select name="account">${options}</select>
        <button type="submit">Continue</button></form>`;
      return;
    }
    if (ctx.method === 'POST' && m[2]) {
      let raw = '';
      for await (const chunk of ctx.req) raw += chunk;
      const account = new URLSearchParams(raw).get('account') ?? op.loginAs;
      return finish(ctx, account);
    }
    return next();
  });

  // ID-token tampering on the real token endpoint response (only the RP's validation is under test).
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    if (op.tamper === 'token-500' && ctx.method === 'POST' && ctx.path === '/token') {
      ctx.status = 500;
      ctx.body = 'boom';
      return;
    }
    await next();
    if (!op.tamper || ctx.method !== 'POST' || ctx.path !== '/token' || ctx.status !== 200) return;
    const body = ctx.body as { id_token?: string };
    if (!body?.id_token) return;
    const claims = decodeJwt(body.id_token);
    const now = Math.floor(Date.now() / 1000);
    let key: SignKey = await importJWK(opJwk, 'RS256');
    let kid = 'op-1';
    switch (op.tamper) {
      case 'wrong-nonce':
        claims.nonce = 'not-the-nonce';
        break;
      case 'expired':
        claims.iat = now - 7200;
        claims.exp = now - 3600;
        break;
      case 'wrong-aud':
        claims.aud = 'someone-else';
        break;
      case 'wrong-iss':
        claims.iss = 'http://127.0.0.1:1';
        break;
      case 'other-key':
        key = other.privateKey;
        kid = 'op-1';
        break; // same kid, different key
      case 'alg-none': {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        body.id_token = `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
        return;
      }
    }
    body.id_token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
  });

  server.on('request', provider.callback());
  return op;
}
