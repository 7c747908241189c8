/**
 * How a user authenticated (the JWT `amr` claim, RFC 8176 values where one exists) and the
 * authenticator assurance level that follows from it (NIST SP 800-63B: aal1 one factor, aal2 two).
 *
 * - pwd: a password; otp: a one-time code (emailed, texted or from an authenticator app);
 * - sms: the code went to a phone (RFC 8176 "confirmation by SMS");
 * - email: a secret sent to an email address (code or magic link; not an RFC 8176 value);
 * - totp: an authenticator app; recovery: a recovery code (not RFC 8176 values);
 * - mfa: more than one factor (RFC 8176); hwk/swk: a passkey (hardware / software key, RFC 8176);
 * - user: user presence; pin / fpt / face: user verification on a passkey (RFC 8176);
 * - fed: a federated (provider) sign-in (not RFC 8176; OpenID uses it the same way);
 * - oauth: a sign-in through an OAuth 2.0 / OpenID provider (completeOAuth; one factor, aal1);
 * - imp: an impersonation session an admin opened (startImpersonation; aal1, not RFC 8176).
 */
export const authMethods = [
  'pwd',
  'otp',
  'sms',
  'email',
  'totp',
  'recovery',
  'mfa',
  'hwk',
  'swk',
  'user',
  'pin',
  'fpt',
  'face',
  'fed',
  'oauth',
  'imp',
] as const;
export type AuthMethod = (typeof authMethods)[number];

export type AuthenticatorAssuranceLevel = 'aal1' | 'aal2';

/** Second factors that are not a plain emailed secret (email is not an acceptable out-of-band authenticator). */
const strongSecondFactors: ReadonlySet<AuthMethod> = new Set(['totp', 'recovery', 'hwk', 'swk']);
const userVerification: ReadonlySet<AuthMethod> = new Set(['pin', 'fpt', 'face']);

/**
 * aal2 when the amr says so (`mfa`), when a knowledge factor (pwd) was combined with a strong possession
 * factor (an authenticator app, a recovery code, a passkey), or for a user-verifying passkey. Everything
 * else is aal1: a password with an emailed code, a magic link, a texted code.
 */
export function assuranceLevel(amr: readonly AuthMethod[]): AuthenticatorAssuranceLevel {
  if (amr.includes('mfa')) return 'aal2';
  const hasStrong = amr.some((m) => strongSecondFactors.has(m));
  if (hasStrong && amr.includes('pwd')) return 'aal2';
  if ((amr.includes('hwk') || amr.includes('swk')) && amr.some((m) => userVerification.has(m))) return 'aal2';
  return 'aal1';
}

/** The union of two amr lists, in first-seen order (a re-authentication adds to what the session had). */
export function mergeAmr(a: readonly AuthMethod[], b: readonly AuthMethod[]): AuthMethod[] {
  return [...new Set([...a, ...b])];
}

/** What a verified access token (or its session) says about how the user authenticated. */
export interface SessionAssurance {
  amr: AuthMethod[];
  aal: AuthenticatorAssuranceLevel;
  /** When the user last proved who they are on this session (sign-in or re-authentication). */
  authTime: Date;
}
