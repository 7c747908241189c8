import { Field, InputType } from 'type-graphql';
import { OrganizationInput } from './organization.input';

@InputType('SignupInput')
export class SignupInput {
  @Field(() => String)
  email: string;

  @Field(() => String)
  password: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => OrganizationInput, { nullable: true })
  organization?: OrganizationInput | null;
}
