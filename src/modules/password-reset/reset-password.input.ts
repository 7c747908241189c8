import { Field, ID, InputType } from 'type-graphql';

@InputType('ResetPasswordInput', {
  description: 'Either challengeId + code (from the reset email) or token (from the reset link).',
})
export class ResetPasswordInput {
  @Field(() => ID, { nullable: true })
  challengeId?: string | null;

  @Field(() => String, { nullable: true })
  code?: string | null;

  @Field(() => String, { nullable: true })
  token?: string | null;

  @Field(() => String)
  newPassword: string;
}
