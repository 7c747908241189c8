/** The contract's error codes (../shared/CONTRACT.md "Errors"), nothing else. */
export const errorCodes = [
  'BAD_USER_INPUT',
  'WEAK_PASSWORD',
  'INVALID_CREDENTIALS',
  'INVALID_OTP',
  'OTP_EXPIRED',
  'INVALID_TOKEN',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'MFA_REQUIRED',
  'REAUTHENTICATION_REQUIRED',
  'OAUTH_FAILED',
  'IDENTITY_ALREADY_LINKED',
  'LAST_SIGN_IN_METHOD',
  'LAST_OWNER',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const errorLogLevels: Record<ErrorCode, LogLevel> = {
  BAD_USER_INPUT: 'info',
  WEAK_PASSWORD: 'info',
  INVALID_CREDENTIALS: 'info',
  INVALID_OTP: 'info',
  OTP_EXPIRED: 'info',
  INVALID_TOKEN: 'info',
  UNAUTHENTICATED: 'info',
  FORBIDDEN: 'info',
  RATE_LIMITED: 'warn',
  MFA_REQUIRED: 'info',
  REAUTHENTICATION_REQUIRED: 'info',
  OAUTH_FAILED: 'warn',
  IDENTITY_ALREADY_LINKED: 'info',
  LAST_SIGN_IN_METHOD: 'info',
  LAST_OWNER: 'info',
  SERVICE_UNAVAILABLE: 'error',
  INTERNAL_SERVER_ERROR: 'error',
};

export const defaultMessages: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'The input is not valid.',
  WEAK_PASSWORD: 'The password does not meet the policy.',
  INVALID_CREDENTIALS: 'Email or password is incorrect.',
  INVALID_OTP: 'The code is incorrect.',
  OTP_EXPIRED: 'The code has expired or can no longer be used. Request a new one.',
  INVALID_TOKEN: 'The token is invalid or has expired.',
  UNAUTHENTICATED: 'The access token is invalid or has expired.',
  FORBIDDEN: 'You are not allowed to do this.',
  RATE_LIMITED: 'Too many requests. Try again later.',
  MFA_REQUIRED: 'A second factor is required to finish signing in.',
  REAUTHENTICATION_REQUIRED: 'Confirm it is you: sign in again to do this.',
  OAUTH_FAILED: 'Signing in with the provider failed.',
  IDENTITY_ALREADY_LINKED: 'This provider account is already linked to another user.',
  LAST_SIGN_IN_METHOD: 'This is the last way to sign in to the account; add another one first.',
  LAST_OWNER: 'An organization always keeps an owner: make another member owner first.',
  SERVICE_UNAVAILABLE: 'The service is temporarily unavailable. Try again shortly.',
  INTERNAL_SERVER_ERROR: 'Internal server error.',
};
