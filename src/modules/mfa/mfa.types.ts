import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';

export enum MfaFactorType {
  TOTP = 'TOTP',
  PASSKEY = 'PASSKEY',
}
registerEnumType(MfaFactorType, { name: 'MfaFactorType' });

@ObjectType('MfaFactor')
export class MfaFactorType_ {
  @Field(() => ID)
  id: string;

  @Field(() => MfaFactorType)
  type: MfaFactorType;

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

@InputType('ConfirmTotpEnrollmentInput')
export class ConfirmTotpEnrollmentInput {
  @Field(() => ID)
  factorId: string;

  @Field(() => String)
  code: string;

  @Field(() => String, { nullable: true })
  name?: string | null;
}

@InputType('VerifyRecoveryCodeInput')
export class VerifyRecoveryCodeInput {
  @Field(() => ID)
  challengeId: string;

  @Field(() => String)
  recoveryCode: string;
}
