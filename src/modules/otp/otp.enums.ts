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
}

registerEnumType(OtpChannel, { name: 'OtpChannel' });
registerEnumType(OtpPurpose, { name: 'OtpPurpose' });
