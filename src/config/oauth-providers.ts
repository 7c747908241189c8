/** Thrown for a bad OAUTH_* variable; loadConfig turns it into a ConfigError (no import cycle with config.ts). */
export class OAuthConfigError extends Error {}
const ConfigError = OAuthConfigError;

export interface OAuthParseOptions {
  isProduction: boolean;
  allowLoopbackUrls: boolean;
  isLoopbackUrl: (url: string) => boolean;
}

/** A sign-in provider configured from OAUTH_* variables (contract "Environment"). */
export interface OAuthProviderConfig {
  /** google, github, or the lowercase <id> of OAUTH_OIDC_<ID>_*. */
  id: string;
  kind: 'OIDC' | 'GITHUB';
  /** Shown on buttons. */
  name: string;
  clientId: string;
  clientSecret: string;
  /** OIDC: the issuer exactly as its discovery document spells it. */
  issuer: string | null;
  /** GITHUB: web origin (authorize, access_token) and API origin (/user, /user/emails). */
  webUrl: string | null;
  apiUrl: string | null;
  /**
   * Whether the provider's "email verified" is trusted for linking to an existing account with that address:
   * google always, github (its verified-emails API), a generic provider only with OAUTH_OIDC_<ID>_TRUST_EMAIL=true.
   */
  trustEmail: boolean;
}

const GENERIC = /^OAUTH_OIDC_([A-Z0-9]+)_(ISSUER|CLIENT_ID|CLIENT_SECRET|NAME|TRUST_EMAIL)$/;

function value(env: Record<string, string | undefined>, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function providerUrl(raw: string, name: string, opts: OAuthParseOptions): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name}: "${raw}" is not a URL`);
  }
  if (url.username || url.password || url.search || url.hash) throw new ConfigError(`${name}: must not carry credentials, a query or a fragment`);
  if (url.protocol === 'https:') return raw.replace(/\/$/, '');
  const loopbackAllowed = !opts.isProduction || opts.allowLoopbackUrls;
  if (url.protocol === 'http:' && opts.isLoopbackUrl(raw) && loopbackAllowed) return raw.replace(/\/$/, '');
  throw new ConfigError(`${name}: must be an https:// URL (plain http only for a loopback address outside production)`);
}

/** The rule of every other boolean variable (z.enum(['true', 'false']) in config.ts): exactly true or false, unset is false. */
function flag(env: Record<string, string | undefined>, name: string): boolean {
  const raw = value(env, name);
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigError(`${name}: must be true or false`);
}

function pair(env: Record<string, string | undefined>, prefix: string): { clientId: string; clientSecret: string } | null {
  const clientId = value(env, `${prefix}_CLIENT_ID`);
  const clientSecret = value(env, `${prefix}_CLIENT_SECRET`);
  if (!clientId && !clientSecret) return null;
  if (!clientId) throw new ConfigError(`${prefix}_CLIENT_ID: required when ${prefix}_CLIENT_SECRET is given`);
  if (!clientSecret) throw new ConfigError(`${prefix}_CLIENT_SECRET: required when ${prefix}_CLIENT_ID is given`);
  return { clientId, clientSecret };
}

/**
 * google (OAUTH_GOOGLE_*), github (OAUTH_GITHUB_*) and any OAUTH_OIDC_<ID>_{ISSUER,CLIENT_ID,CLIENT_SECRET,NAME,TRUST_EMAIL};
 * a provider without its client id and secret is off (not listed).
 */
export function parseOAuthProviders(env: Record<string, string | undefined>, opts: OAuthParseOptions): readonly OAuthProviderConfig[] {
  const providers: OAuthProviderConfig[] = [];
  const google = pair(env, 'OAUTH_GOOGLE');
  if (google) {
    const issuer = providerUrl(value(env, 'OAUTH_GOOGLE_ISSUER') ?? 'https://accounts.google.com', 'OAUTH_GOOGLE_ISSUER', opts);
    providers.push({ id: 'google', kind: 'OIDC', name: 'Google', ...google, issuer, webUrl: null, apiUrl: null, trustEmail: true });
  }
  const github = pair(env, 'OAUTH_GITHUB');
  if (github) {
    providers.push({
      id: 'github',
      kind: 'GITHUB',
      name: 'GitHub',
      ...github,
      issuer: null,
      webUrl: providerUrl(value(env, 'OAUTH_GITHUB_URL') ?? 'https://github.com', 'OAUTH_GITHUB_URL', opts),
      apiUrl: providerUrl(value(env, 'OAUTH_GITHUB_API_URL') ?? 'https://api.github.com', 'OAUTH_GITHUB_API_URL', opts),
      trustEmail: true, // emailVerified comes from GitHub's verified-emails API (/user/emails)
    });
  }
  const ids = new Set<string>();
  for (const key of Object.keys(env).sort()) {
    const m = GENERIC.exec(key);
    if (m && value(env, key)) ids.add(m[1]!);
  }
  for (const ID of ids) {
    const prefix = `OAUTH_OIDC_${ID}`;
    const id = ID.toLowerCase();
    if (id === 'google' || id === 'github') throw new ConfigError(`${prefix}_ISSUER: the id ${id} is reserved (use OAUTH_${ID}_*)`);
    const creds = pair(env, prefix);
    const rawIssuer = value(env, `${prefix}_ISSUER`);
    if (!creds || !rawIssuer) throw new ConfigError(`${prefix}_ISSUER, ${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET: all three are required`);
    const name = value(env, `${prefix}_NAME`) ?? ID.charAt(0) + ID.slice(1).toLowerCase();
    if (name.length > 60) throw new ConfigError(`${prefix}_NAME: at most 60 characters`);
    const trustEmail = flag(env, `${prefix}_TRUST_EMAIL`);
    providers.push({ id, kind: 'OIDC', name, ...creds, issuer: providerUrl(rawIssuer, `${prefix}_ISSUER`, opts), webUrl: null, apiUrl: null, trustEmail });
  }
  return Object.freeze(providers);
}
