import { Field, ID, InputType } from 'type-graphql';

@InputType('CreateRoleInput')
export class CreateRoleInput {
  @Field(() => ID)
  organizationId: string;

  @Field(() => String)
  key: string;

  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [String])
  permissions: string[];
}

@InputType('UpdateRoleInput', { description: 'Omitted fields stay; permissions replaces the whole list.' })
export class UpdateRoleInput {
  @Field(() => ID)
  organizationId: string;

  @Field(() => String)
  key: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [String], { nullable: true })
  permissions?: string[] | null;
}
