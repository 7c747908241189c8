import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('PermissionDefinition', { description: "Warden's own (builtIn) or one listed in ORG_EXTRA_PERMISSIONS.", simpleResolvers: true })
export class PermissionDefinitionType {
  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => Boolean)
  builtIn: boolean;
}

@ObjectType('OrganizationRole', {
  description: 'Keys owner, admin, member are built in and fixed; custom keys match ^[a-z][a-z0-9_-]{1,31}$.',
  simpleResolvers: true,
})
export class OrganizationRoleType {
  @Field(() => String)
  key: string;

  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => Boolean)
  builtIn: boolean;

  @Field(() => [String])
  permissions: string[];
}

@ObjectType('OrganizationMember', { description: "id is the membership's id.", simpleResolvers: true })
export class OrganizationMemberType {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  userId: string;

  @Field(() => String, { nullable: true })
  email: string | null;

  @Field(() => String, { nullable: true })
  name: string | null;

  @Field(() => String)
  role: string;

  @Field(() => Date)
  joinedAt: Date;
}

@ObjectType('OrganizationMemberConnection', { simpleResolvers: true })
export class OrganizationMemberConnectionType {
  @Field(() => [OrganizationMemberType])
  nodes: OrganizationMemberType[];

  @Field(() => String, { nullable: true })
  endCursor: string | null;

  @Field(() => Boolean)
  hasNextPage: boolean;
}
