import { Field, ID, InputType } from 'type-graphql';

@InputType('CreateOrganizationInput')
export class CreateOrganizationInput {
  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  slug?: string | null;

  @Field(() => String, { nullable: true })
  industry?: string | null;

  @Field(() => String, { nullable: true })
  teamSize?: string | null;

  @Field(() => String, { nullable: true })
  logoUrl?: string | null;
}

@InputType('UpdateOrganizationInput', { description: 'Omitted fields stay; null clears industry, teamSize or logoUrl.' })
export class UpdateOrganizationInput {
  @Field(() => ID)
  organizationId: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  slug?: string | null;

  @Field(() => String, { nullable: true })
  industry?: string | null;

  @Field(() => String, { nullable: true })
  teamSize?: string | null;

  @Field(() => String, { nullable: true })
  logoUrl?: string | null;
}

@InputType('MemberRefInput')
export class MemberRefInput {
  @Field(() => ID)
  organizationId: string;

  @Field(() => ID)
  userId: string;
}

@InputType('UpdateMemberRoleInput')
export class UpdateMemberRoleInput {
  @Field(() => ID)
  organizationId: string;

  @Field(() => ID)
  userId: string;

  @Field(() => String)
  role: string;
}
