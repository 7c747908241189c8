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

  @Field(() => String, { description: 'aal1 (one factor) or aal2 (two factors, or a user-verifying passkey).' })
  authenticatorAssuranceLevel: string;

  @Field(() => Date, { description: 'When the user last proved who they are on this session (sign-in or re-authentication).' })
  lastAuthenticatedAt: Date;

  @Field(() => String, { nullable: true })
  userAgent: string | null;

  @Field(() => String, { nullable: true })
  ip: string | null;

  @Field(() => Boolean, { description: 'True for the session the request is made with.' })
  current: boolean;

  @Field(() => Boolean, { description: 'Opened by an admin with startImpersonation.' })
  impersonated: boolean;

  /** Not a field: Session.activeOrganization (the organizations module) resolves it. */
  activeOrganizationId?: string | null;
}
