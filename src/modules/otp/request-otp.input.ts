import { Field, InputType } from 'type-graphql';

@InputType('RequestOtpInput', {
  description: 'Exactly one of email or phone. Phone is E.164; an unknown verified phone creates its account.',
})
export class RequestOtpInput {
  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  phone?: string | null;
}
