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
  // Account lifecycle (src/modules/account)
  profileUpdated: 'user.profile_updated',
  passwordChanged: 'password.changed',
  passwordSet: 'password.set',
  emailChangeRequested: 'email_change.requested',
  emailChanged: 'email.changed',
  emailChangeUndone: 'email_change.undone',
  phoneChangeRequested: 'phone_change.requested',
  phoneChanged: 'phone.changed',
  accountDeleted: 'account.deleted',
  accountRecoveryRequested: 'account_recovery.requested',
  accountRecovered: 'account.recovered',
  accountExported: 'account.exported',
  /** A code, link or notice could not be handed to SMTP or Twilio; the request's writes were rolled back. */
  deliveryFailed: 'delivery.failed',
} as const;

export type AuditEventName = (typeof AuditEvents)[keyof typeof AuditEvents];
