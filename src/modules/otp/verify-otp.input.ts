import { Field, ID, InputType } from 'type-graphql';

@InputType('VerifyOtpInput')
export class VerifyOtpInput {
  @Field(() => ID)
  challengeId: string;

  @Field(() => String)
  code: string;
}
