import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** organization and sessions are resolved by viewer.resolver.ts. */
@Directive('@key(fields: "id")')
@ObjectType('User')
export class UserType {
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

  organizationId: string | null;
}
