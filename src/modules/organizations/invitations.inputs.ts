import { Field, ID, InputType } from 'type-graphql';

@InputType('InviteMemberInput')
export class InviteMemberInput {
  @Field(() => ID)
  organizationId: string;

  @Field(() => String)
  email: string;

  @Field(() => String, { defaultValue: 'member' })
  role: string;
}

@InputType('InvitationRefInput', { description: 'Exactly one of token (from the mail) and invitationId (from pendingInvitations).' })
export class InvitationRefInput {
  @Field(() => String, { nullable: true })
  token?: string | null;

  @Field(() => ID, { nullable: true })
  invitationId?: string | null;
}
