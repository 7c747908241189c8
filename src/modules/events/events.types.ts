import { Field, ID, Int, ObjectType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';

@ObjectType('Event', { simpleResolvers: true })
export class EventType {
  @Field(() => ID, { description: 'evt_ + ULID; also the webhook-id header.' })
  id: string;

  @Field(() => String)
  type: string;

  @Field(() => Date)
  occurredAt: Date;

  @Field(() => String, { description: 'user, organization or webhook_endpoint (table below).' })
  aggregateType: string;

  @Field(() => ID)
  aggregateId: string;

  @Field(() => Int, { description: '1, 2, 3… per aggregate, in feed order.' })
  sequence: number;

  @Field(() => ID, { nullable: true })
  organizationId: string | null;

  @Field(() => JSONObjectResolver)
  data: Record<string, unknown>;
}

@ObjectType('EventConnection', {
  description: 'Oldest first. With nothing newer, nodes is [] and endCursor is the after given (poll with it).',
  simpleResolvers: true,
})
export class EventConnectionType {
  @Field(() => [EventType])
  nodes: EventType[];

  @Field(() => String, { nullable: true })
  endCursor: string | null;

  @Field(() => Boolean)
  hasNextPage: boolean;
}
