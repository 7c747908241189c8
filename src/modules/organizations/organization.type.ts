import { Directive, Field, ID, ObjectType } from 'type-graphql';

/**
 * simpleResolvers: the plain property fields are read by graphql-js directly, without type-graphql's
 * middleware chain (the global input guard only checks arguments, and these fields take none). Field
 * resolvers (@FieldResolver, in any module) still run every middleware and auth check.
 */
@Directive('@key(fields: "id")')
@ObjectType('Organization', { simpleResolvers: true })
export class OrganizationType {
  @Field(() => ID)
  id: string;

  @Field(() => String)
  name: string;

  @Field(() => String, { description: 'Unique, ^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$' })
  slug: string;

  @Field(() => String, { nullable: true })
  industry: string | null;

  @Field(() => String, { nullable: true })
  teamSize: string | null;

  @Field(() => String, { nullable: true })
  logoUrl: string | null;

  @Field(() => Date)
  createdAt: Date;
}
