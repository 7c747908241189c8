import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum MfaFactorKind {
  TOTP = 'TOTP',
  PASSKEY = 'PASSKEY',
}
registerEnumType(MfaFactorKind, { name: 'MfaFactorType' });

@ObjectType('MfaFactor')
export class MfaFactorType {
  @Field(() => ID)
  id: string;

  @Field(() => MfaFactorKind)
  type: MfaFactorKind;

  @Field(() => String, { nullable: true })
  name: string | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt: Date | null;
}

@ObjectType('TotpEnrollment')
export class TotpEnrollmentType {
  @Field(() => ID)
  factorId: string;

  @Field(() => String, { description: 'otpauth://totp/… (SHA1, 6 digits, 30 s)' })
  otpauthUri: string;

  @Field(() => String, { description: 'The same URI as an inline SVG QR code.' })
  qrCodeSvg: string;

  @Field(() => String, { description: 'Base32, for manual entry.' })
  secret: string;

  @Field(() => Date)
  expiresAt: Date;
}

@ObjectType('RecoveryCodes', { description: 'Shown once. Each code works once, in place of an authenticator code.' })
export class RecoveryCodesType {
  @Field(() => [String])
  codes: string[];

  @Field(() => Date)
  createdAt: Date;
}
