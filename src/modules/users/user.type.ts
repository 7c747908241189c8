import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The fields every account type shows (`User`, and `AdminUser` in the admin module), in the contract's order: a base, never in the schema itself (no field returns it). */
@ObjectType()
export class UserFields {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  email: string | null;

  @Field(() => Boolean)
  emailVerified: boolean;

  @Field(() => String, { nullable: true })
  phone: string | null;

  @Field(() => Boolean)
  phoneVerified: boolean;

  @Field(() => String, { nullable: true })
  name: string | null;

  @Field(() => Date)
  createdAt: Date;
}

/** organization and sessions are resolved by viewer.resolver.ts. */
/**
 * simpleResolvers: the plain property fields are read by graphql-js directly, without type-graphql's
 * middleware chain (the global input guard only checks arguments, and these fields take none). Field
 * resolvers (@FieldResolver, in any module) still run every middleware and auth check.
 */
@Directive('@key(fields: "id")')
@ObjectType('User', { simpleResolvers: true })
export class UserType extends UserFields {
  organizationId: string | null;
}
