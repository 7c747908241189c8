import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Session')
export class SessionType {
  @Field(() => ID)
  id: string;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  lastUsedAt: Date;

  @Field(() => Date)
  expiresAt: Date;

  @Field(() => String, { nullable: true })
  userAgent: string | null;

  @Field(() => String, { nullable: true })
  ip: string | null;

  @Field(() => Boolean, { description: 'True for the session the request is made with.' })
  current: boolean;
}
