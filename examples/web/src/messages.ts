import { CombinedGraphQLErrors, ServerError, ServerParseError } from '@apollo/client/errors';

/**
 * What people read when an operation fails: one sentence per contract error code (CONTRACT.md "Errors"),
 * chosen with the error's extensions (attemptsLeft, retryAfter, reason). Every page shows errors through
 * describeError below, never the raw code or the server's message.
 */
type Extensions = Record<string, unknown>;
type Message = string | ((extensions: Extensions) => string);

/** "4 tries left", "1 try left". */
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** 45 → "45 seconds", 90 → "2 minutes", 7200 → "2 hours". */
export function humanDuration(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return plural(s, 'second', 'seconds');
  if (s < 3600) return plural(Math.ceil(s / 60), 'minute', 'minutes');
  return plural(Math.ceil(s / 3600), 'hour', 'hours');
}

const WEAK_PASSWORD: Record<string, string> = {
  TOO_SHORT: 'That password is too short. A few words make a good one.',
  TOO_LONG: 'That password is too long.',
  COMMON: 'That password is too common. Pick one that is harder to guess.',
  BREACHED: 'That password has appeared in a data breach. Pick another one.',
};

const OAUTH_FAILED: Record<string, string> = {
  ACCESS_DENIED: 'The sign-in was cancelled at the provider.',
  PROVIDER_ERROR: 'The provider had a problem signing you in. Try again.',
  INVALID_STATE: 'This sign-in expired or was started in another browser. Start again.',
  EMAIL_NOT_VERIFIED: 'The provider has not verified your email address, so it cannot be used here.',
};

const FORBIDDEN: Record<string, string> = {
  ACCOUNT_BANNED: 'This account is suspended.',
  ACCOUNT_DELETED: 'This account was deleted. You can recover it during the grace period.',
  EMAIL_NOT_VERIFIED: 'Confirm your email address first.',
  IMPERSONATION: 'That is not allowed while acting as another user.',
  NOT_A_MEMBER: 'You are not a member of this organization.',
  PERMISSION_REQUIRED: 'Your role in this organization does not allow that.',
  OWNER_REQUIRED: 'Only an owner can do that.',
  INVITATION_EMAIL_MISMATCH: 'This invitation is for another email address. Sign in with that address to accept it.',
  LIMIT_REACHED: 'A limit was reached: you cannot add more here.',
  NOT_ADMIN: 'Only administrators can use this page.',
  TARGET_IS_ADMIN: 'That is not possible on another administrator.',
};

const BAD_INPUT: Record<string, string> = {
  ALREADY_MEMBER: 'That person is already a member.',
  SLUG_TAKEN: 'That address is taken by another organization.',
};

export const ERROR_MESSAGES: Record<string, Message> = {
  BAD_USER_INPUT: (x) =>
    BAD_INPUT[String(x.reason)] ??
    (typeof x.field === 'string' ? `Please check the ${humanize(x.field).toLowerCase()} field.` : 'Please check what you entered.'),
  WEAK_PASSWORD: (x) => WEAK_PASSWORD[String(x.reason)] ?? 'That password is too weak. Pick a longer one.',
  INVALID_CREDENTIALS: 'That email and password do not match.',
  INVALID_OTP: (x) =>
    typeof x.attemptsLeft === 'number'
      ? x.attemptsLeft > 0
        ? `That code isn't right. ${plural(x.attemptsLeft, 'try', 'tries')} left.`
        : "That code isn't right, and no tries are left. Ask for a new code."
      : "That code isn't right.",
  OTP_EXPIRED: 'That code has expired or was already used. Ask for a new one.',
  INVALID_TOKEN: 'This link has expired or was already used. Ask for a new one.',
  UNAUTHENTICATED: 'Your session has ended. Sign in again.',
  FORBIDDEN: (x) => FORBIDDEN[String(x.reason)] ?? 'You are not allowed to do that.',
  RATE_LIMITED: (x) =>
    typeof x.retryAfter === 'number' ? `Too many tries. Try again in ${humanDuration(x.retryAfter)}.` : 'Too many tries. Wait a moment and try again.',
  SERVICE_UNAVAILABLE: 'The service is having trouble right now. Nothing was changed; try again in a moment.',
  MFA_REQUIRED: 'Enter the code from your authenticator app to finish signing in.',
  REAUTHENTICATION_REQUIRED: (x) =>
    x.requiredAal === 'aal2'
      ? 'Administration needs two-step verification: confirm it is you with your authenticator app.'
      : 'For your security, confirm it is you before this change.',
  OAUTH_FAILED: (x) => OAUTH_FAILED[String(x.reason)] ?? 'Signing in with the provider failed. Try again.',
  IDENTITY_ALREADY_LINKED: 'That provider account is already linked to another user.',
  LAST_SIGN_IN_METHOD: 'This is your last way to sign in. Add another one before removing it.',
  LAST_OWNER: 'An organization needs an owner. Hand it over to someone else first.',
  CAPTCHA_REQUIRED: 'Please complete the check that you are a person, then try again.',
  INTERNAL_SERVER_ERROR: 'Something went wrong on our side. Try again.',
};

/** The message for a contract code and its extensions; unknown codes get a generic sentence. */
export function messageFor(code: string, extensions: Extensions = {}): string {
  const message = ERROR_MESSAGES[code];
  if (message === undefined) return 'Something went wrong. Try again.';
  return typeof message === 'string' ? message : message(extensions);
}

/** An error the app raises itself, whose message is already written for people. */
export class Notice extends Error {
  override name = 'Notice';
}

/** A sentence for any failure an operation or a browser ceremony can end with. */
export function describeError(error: unknown): string {
  if (error instanceof Notice) return error.message;
  if (CombinedGraphQLErrors.is(error)) {
    const extensions = (error.errors[0]?.extensions ?? {}) as Extensions;
    return messageFor(String(extensions.code ?? 'INTERNAL_SERVER_ERROR'), extensions);
  }
  // The gateway (or a proxy in front of it) answered without a GraphQL result: a 5xx, an HTML error page.
  if (ServerError.is(error) || ServerParseError.is(error)) return 'The server could not answer just now. Try again in a moment.';
  if (error instanceof Error) {
    // WebAuthn (passkeys): the person closed the prompt, or it timed out.
    if (error.name === 'NotAllowedError' || error.name === 'AbortError') return 'The passkey prompt was closed or timed out.';
    if (error.name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
    if (error.name === 'TypeError' || /fetch|network/i.test(error.message)) return 'The server cannot be reached. Check your connection and try again.';
  }
  return 'Something went wrong. Try again.';
}

/** "session.reuse_detected" → "Session reuse detected"; also "email" → "Email". */
export function humanize(name: string): string {
  const words = name.replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
