import { registerEnumType } from 'type-graphql';

export enum OtpChannel {
  EMAIL = 'EMAIL',
  SMS = 'SMS',
  /** An authenticator app (nothing is sent). */
  TOTP = 'TOTP',
}

export enum OtpPurpose {
  SIGNUP = 'SIGNUP',
  LOGIN = 'LOGIN',
  PASSWORD_RESET = 'PASSWORD_RESET',
  /** The second factor of a sign-in. */
  MFA = 'MFA',
  /** Proving who you are again on a signed-in session. */
  REAUTHENTICATION = 'REAUTHENTICATION',
  EMAIL_CHANGE = 'EMAIL_CHANGE',
  PHONE_CHANGE = 'PHONE_CHANGE',
  ACCOUNT_RECOVERY = 'ACCOUNT_RECOVERY',
}

registerEnumType(OtpChannel, { name: 'OtpChannel' });
registerEnumType(OtpPurpose, { name: 'OtpPurpose' });
