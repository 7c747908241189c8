// @warden/client/server: verifyWardenToken for Node services behind Warden (jose; never bundled for browsers).
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';

export interface VerifyWardenTokenOptions {
  /** Warden's PUBLIC_URL: the iss claim. */
  issuer: string;
  /** Warden's ACCESS_TOKEN_AUDIENCE (default PUBLIC_URL): the aud claim. */
  audience: string | string[];
  /** Warden's /.well-known/jwks.json. Keys are cached per URL (jose refetches on an unknown kid). */
  jwksUrl: string;
  /** Every one must be in the space-separated scope claim (API-key tokens carry one; session tokens none). */
  requiredScopes?: string[];
  /** The clock exp, nbf and iat are checked against (tests). */
  currentDate?: Date;
  /** Seconds of clock skew allowed. Default 0. */
  clockToleranceSeconds?: number;
}

/** The claims Warden puts in its access tokens (contract: sessions and API-key exchanges). */
export interface WardenTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat?: number;
  jti?: string;
  /** Session tokens. */
  sid?: string;
  auth_time?: number;
  amr?: string[];
  aal?: string;
  /** API-key tokens. */
  client_id?: string;
  scope?: string;
  org_id?: string | null;
}

export interface VerifiedWardenToken {
  userId: string;
  /** null for an API-key token. */
  sessionId: string | null;
  scopes: string[];
  claims: WardenTokenClaims;
}

export type WardenTokenErrorCode =
  'MALFORMED' | 'INVALID_SIGNATURE' | 'EXPIRED' | 'WRONG_ISSUER' | 'WRONG_AUDIENCE' | 'MISSING_CLAIM' | 'INSUFFICIENT_SCOPE' | 'JWKS_UNAVAILABLE';

/** Why a token was refused. The message never contains the token. */
export class WardenTokenError extends Error {
  override readonly name = 'WardenTokenError';
  constructor(
    readonly code: WardenTokenErrorCode,
    message: string,
    /** For INSUFFICIENT_SCOPE: the required scopes the token lacks. */
    readonly missingScopes: string[] = [],
  ) {
    super(message);
  }
}

const jwksByUrl = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function jwksFor(url: string): ReturnType<typeof createRemoteJWKSet> {
  let jwks = jwksByUrl.get(url);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(url));
    jwksByUrl.set(url, jwks);
  }
  return jwks;
}

/**
 * Verifies a Warden access token: signature against the JWKS (EdDSA or ES256, typ at+jwt), iss, aud, exp, sub,
 * then that every required scope is in the scope claim. Resolves the claims or rejects with WardenTokenError.
 */
export async function verifyWardenToken(token: string, options: VerifyWardenTokenOptions): Promise<VerifiedWardenToken> {
  // A service without an issuer or audience would accept any Warden's (or any audience's) tokens: a configuration bug.
  const audiences = Array.isArray(options?.audience) ? options.audience : [options?.audience];
  if (typeof options?.issuer !== 'string' || !options.issuer.trim()) throw new TypeError("verifyWardenToken: options.issuer is required (Warden's PUBLIC_URL)");
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || !a.trim())) {
    throw new TypeError('verifyWardenToken: options.audience is required (ACCESS_TOKEN_AUDIENCE), with no empty entry');
  }
  if (typeof token !== 'string' || token.split('.').length !== 3) throw new WardenTokenError('MALFORMED', 'The token is not a JWT.');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, jwksFor(options.jwksUrl), {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ['EdDSA', 'ES256'],
      typ: 'at+jwt',
      requiredClaims: ['sub', 'exp'],
      currentDate: options.currentDate,
      clockTolerance: options.clockToleranceSeconds ?? 0,
    }));
  } catch (error) {
    throw toTokenError(error);
  }
  const claims = payload as WardenTokenClaims;
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  const missing = (options.requiredScopes ?? []).filter((s) => !scopes.includes(s));
  if (missing.length) throw new WardenTokenError('INSUFFICIENT_SCOPE', `The token lacks the scope ${missing.join(', ')}.`, missing);
  return { userId: claims.sub, sessionId: typeof claims.sid === 'string' ? claims.sid : null, scopes, claims };
}

function toTokenError(error: unknown): WardenTokenError {
  if (error instanceof joseErrors.JWTExpired) return new WardenTokenError('EXPIRED', 'The token has expired.');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return new WardenTokenError('WRONG_ISSUER', 'The token was issued by another issuer.');
    if (error.claim === 'aud') return new WardenTokenError('WRONG_AUDIENCE', 'The token is for another audience.');
    return new WardenTokenError('MISSING_CLAIM', `The token's ${error.claim} claim is missing or invalid.`);
  }
  if (error instanceof joseErrors.JWKSTimeout || error instanceof TypeError || (error instanceof joseErrors.JOSEError && error.code === 'ERR_JOSE_GENERIC'))
    return new WardenTokenError('JWKS_UNAVAILABLE', 'The signing keys could not be fetched.');
  // An algorithm outside the allowlist (HS256 with the public key as secret, RS256…) is a signature that does not verify.
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JOSEAlgNotAllowed
  )
    return new WardenTokenError('INVALID_SIGNATURE', 'The token signature does not verify.');
  return new WardenTokenError('MALFORMED', 'The token is malformed.');
}
