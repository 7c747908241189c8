/** Audit event names: noun.past_verb. */
export const AuditEvents = {
  userSignedUp: 'user.signed_up',
  signupDuplicateAttempted: 'signup.duplicate_attempted',
  loginPasswordChecked: 'login.password_checked',
  otpRequested: 'otp.requested',
  otpSent: 'otp.sent',
  otpResent: 'otp.resent',
  otpVerified: 'otp.verified',
  otpFailed: 'otp.failed',
  sessionCreated: 'session.created',
  sessionRefreshed: 'session.refreshed',
  sessionReauthenticated: 'session.reauthenticated',
  sessionRevoked: 'session.revoked',
  refreshReuseDetected: 'session.reuse_detected',
  magicLinkSent: 'magic_link.sent',
  magicLinkRequested: 'magic_link.requested',
  magicLinkUsed: 'magic_link.used',
  magicLinkFailed: 'magic_link.failed',
  passwordResetRequested: 'password_reset.requested',
  passwordResetSent: 'password_reset.sent',
  passwordResetCompleted: 'password_reset.completed',
  passwordResetFailed: 'password_reset.failed',
  userCreatedFromPhone: 'user.created_from_phone',
  /** An account with nothing verified was deleted UNVERIFIED_ACCOUNT_TTL_DAYS after signup (retention sweep). */
  userExpired: 'user.expired',
  passkeyRegistered: 'passkey.registered',
  passkeyRegistrationFailed: 'passkey.registration_failed',
  passkeyUsed: 'passkey.used',
  passkeyFailed: 'passkey.failed',
  /** An assertion's signature counter went backwards: the passkey was flagged (a cloned authenticator) and no longer signs in. */
  passkeyFlagged: 'passkey.flagged',
  passkeyRenamed: 'passkey.renamed',
  passkeyRemoved: 'passkey.removed',
  /** A code, link or notice could not be handed to SMTP or Twilio; the request's writes were rolled back. */
  deliveryFailed: 'delivery.failed',
} as const;

export type AuditEventName = (typeof AuditEvents)[keyof typeof AuditEvents];
