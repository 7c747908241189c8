import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('AccountDeletion')
export class AccountDeletionType {
  @Field(() => Date, { description: 'Sign-in stops now; the account is erased at this time unless recovered.' })
  scheduledAt: Date;
}

@ObjectType('SecurityEvent')
export class SecurityEventType {
  @Field(() => ID)
  id: string;

  @Field(() => String, { description: 'The audit event, noun.past_verb: session.created, password.changed, otp.failed…' })
  type: string;

  @Field(() => String, { description: 'success or failure (a wrong password, a wrong code…).' })
  outcome: string;

  @Field(() => String, { nullable: true, description: 'For a sign-in (session.created): how, e.g. otp_email, magic_link, password_reset.' })
  method: string | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => String, { nullable: true })
  ip: string | null;

  @Field(() => String, { nullable: true })
  userAgent: string | null;
}

@ObjectType('SecurityEventConnection')
export class SecurityEventConnectionType {
  @Field(() => [SecurityEventType])
  nodes: SecurityEventType[];

  @Field(() => String, { nullable: true })
  endCursor: string | null;

  @Field(() => Boolean)
  hasNextPage: boolean;
}
