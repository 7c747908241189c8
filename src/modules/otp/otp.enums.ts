import { registerEnumType } from 'type-graphql';
import { declaredOtpPurposes, type OtpPurposeName } from '../declarations';

export enum OtpChannel {
  EMAIL = 'EMAIL',
  SMS = 'SMS',
  /** An authenticator app (nothing is sent). */
  TOTP = 'TOTP',
}

/**
 * What a one-time code is for: the GraphQL enum OtpPurpose. Each value is declared once, in the `codePurposes`
 * of the capability that opens such challenges (src/modules/<cap>/<cap>.declarations.ts): SIGNUP and LOGIN
 * (otp), PASSWORD_RESET, MFA (the second factor of a sign-in) and REAUTHENTICATION (proving who you are again on
 * a signed-in session), EMAIL_CHANGE, PHONE_CHANGE and ACCOUNT_RECOVERY (account). The value and the type are
 * the one union, so the database column, the mail templates and the GraphQL enum cannot drift apart.
 */
export type OtpPurpose = OtpPurposeName;
export const OtpPurpose = Object.freeze(Object.fromEntries(declaredOtpPurposes.map((p) => [p, p]))) as { readonly [P in OtpPurposeName]: P };

registerEnumType(OtpChannel, { name: 'OtpChannel' });
registerEnumType(OtpPurpose, { name: 'OtpPurpose' });
