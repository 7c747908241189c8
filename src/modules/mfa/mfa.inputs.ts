import { Field, ID, InputType } from 'type-graphql';

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
