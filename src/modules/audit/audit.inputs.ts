import { Field, ID, InputType } from 'type-graphql';

@InputType('AuditEventFilter', { description: 'since inclusive, until exclusive.' })
export class AuditEventFilterInput {
  @Field(() => [String], { nullable: true })
  types?: string[] | null;

  @Field(() => ID, { nullable: true })
  userId?: string | null;

  @Field(() => ID, { nullable: true })
  actorId?: string | null;

  @Field(() => ID, { nullable: true })
  organizationId?: string | null;

  @Field(() => Date, { nullable: true })
  since?: Date | null;

  @Field(() => Date, { nullable: true })
  until?: Date | null;
}
