import { registerEnumType } from 'type-graphql';

export enum OtpChannel {
  EMAIL = 'EMAIL',
  SMS = 'SMS',
}

export enum OtpPurpose {
  SIGNUP = 'SIGNUP',
  LOGIN = 'LOGIN',
  PASSWORD_RESET = 'PASSWORD_RESET',
}

registerEnumType(OtpChannel, { name: 'OtpChannel' });
registerEnumType(OtpPurpose, { name: 'OtpPurpose' });
