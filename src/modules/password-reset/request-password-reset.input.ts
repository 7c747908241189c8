import { Field, InputType } from 'type-graphql';

@InputType('RequestPasswordResetInput')
export class RequestPasswordResetInput {
  @Field(() => String)
  email: string;
}
