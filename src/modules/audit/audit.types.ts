import { Field, ID, Int, ObjectType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';

@ObjectType('AuditEvent')
export class AuditEventType {
  @Field(() => ID)
  id: string;

  @Field(() => String, { description: 'noun.past_verb, as in securityEvents.' })
  type: string;

  @Field(() => String, { description: 'success or failure' })
  outcome: string;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => ID, { nullable: true, description: 'The account it is about.' })
  userId: string | null;

  @Field(() => ID, { nullable: true, description: 'Who acted when it was not userId: an admin (ban, impersonation), an inviter…' })
  actorId: string | null;

  @Field(() => ID, { nullable: true })
  organizationId: string | null;

  @Field(() => String, { nullable: true })
  ip: string | null;

  @Field(() => String, { nullable: true })
  userAgent: string | null;

  @Field(() => JSONObjectResolver)
  data: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'Place in the hash chain, a decimal string; null (with prevHash, hash) until sealed.' })
  chainSequence: string | null;

  @Field(() => String, { nullable: true })
  prevHash: string | null;

  @Field(() => String, { nullable: true })
  hash: string | null;
}

@ObjectType('AuditEventConnection')
export class AuditEventConnectionType {
  @Field(() => [AuditEventType])
  nodes: AuditEventType[];

  @Field(() => String, { nullable: true })
  endCursor: string | null;

  @Field(() => Boolean)
  hasNextPage: boolean;
}

@ObjectType('AuditChainVerification')
export class AuditChainVerificationType {
  @Field(() => Boolean)
  ok: boolean;

  @Field(() => Int)
  checkedRows: number;

  @Field(() => String, { nullable: true, description: 'Where the retained chain starts (the last row retention deleted); null: the genesis.' })
  anchorSequence: string | null;

  @Field(() => String, { nullable: true })
  headSequence: string | null;

  @Field(() => ID, { nullable: true, description: 'The first row that does not verify; null when ok.' })
  firstBrokenEventId: string | null;

  @Field(() => String, { nullable: true })
  firstBrokenSequence: string | null;
}
