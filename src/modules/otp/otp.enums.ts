import { registerEnumType } from 'type-graphql';

export enum OtpChannel {
  EMAIL = 'EMAIL',
  SMS = 'SMS',
}

export enum OtpPurpose {
  SIGNUP = 'SIGNUP',
  LOGIN = 'LOGIN',
  PASSWORD_RESET = 'PASSWORD_RESET',
  EMAIL_CHANGE = 'EMAIL_CHANGE',
  PHONE_CHANGE = 'PHONE_CHANGE',
  ACCOUNT_RECOVERY = 'ACCOUNT_RECOVERY',
}

registerEnumType(OtpChannel, { name: 'OtpChannel' });
registerEnumType(OtpPurpose, { name: 'OtpPurpose' });
