import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Organization')
export class OrganizationType {
  @Field(() => ID)
  id: string;

  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  industry: string | null;

  @Field(() => String, { nullable: true })
  teamSize: string | null;

  @Field(() => String, { nullable: true })
  logoUrl: string | null;
}
