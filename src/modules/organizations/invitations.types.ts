import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum InvitationStatus {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  REVOKED = 'REVOKED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(InvitationStatus, { name: 'InvitationStatus' });

@ObjectType('Invitation', { simpleResolvers: true })
export class InvitationType {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  organizationId: string;

  @Field(() => String)
  organizationName: string;

  @Field(() => String)
  email: string;

  @Field(() => String, { description: 'A role key.' })
  role: string;

  @Field(() => InvitationStatus)
  status: InvitationStatus;

  @Field(() => String, { nullable: true })
  invitedByName: string | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  expiresAt: Date;

  @Field(() => Date)
  resendAvailableAt: Date;
}

@ObjectType('InvitationConnection', { simpleResolvers: true })
export class InvitationConnectionType {
  @Field(() => [InvitationType])
  nodes: InvitationType[];

  @Field(() => String, { nullable: true })
  endCursor: string | null;

  @Field(() => Boolean)
  hasNextPage: boolean;
}
