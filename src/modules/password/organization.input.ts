import { Field, InputType } from 'type-graphql';

@InputType('OrganizationInput')
export class OrganizationInput {
  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  industry?: string | null;

  @Field(() => String, { nullable: true })
  teamSize?: string | null;

  @Field(() => String, { nullable: true })
  logoUrl?: string | null;
}
