import { Field, ID, ObjectType } from 'type-graphql';
import { SessionType } from '../sessions/session.type';
import { UserFields, UserType } from '../users/user.type';
import { UserStatus } from './admin.enums';

@ObjectType('AdminMembership', { simpleResolvers: true })
export class AdminMembershipType {
  @Field(() => ID)
  organizationId: string;

  @Field(() => String)
  organizationName: string;

  @Field(() => String)
  role: string;

  @Field(() => Date)
  joinedAt: Date;
}

@ObjectType('AdminUser')
export class AdminUserType extends UserFields {
  @Field(() => UserStatus)
  status: UserStatus;

  @Field(() => Boolean)
  isAdmin: boolean;

  @Field(() => Date, { nullable: true, description: 'null when not banned or banned with no end.' })
  bannedUntil: Date | null;

  @Field(() => String, { nullable: true })
  banReason: string | null;

  @Field(() => Date, { nullable: true })
  deletionScheduledAt: Date | null;

  @Field(() => Date, { nullable: true })
  lastSignInAt: Date | null;

  @Field(() => Boolean)
  mfaEnabled: boolean;

  @Field(() => [AdminMembershipType])
  memberships: AdminMembershipType[];

  @Field(() => [SessionType], { description: 'Live sessions, impersonation sessions included; current is false.' })
  sessions: SessionType[];
}

@ObjectType('AdminUserConnection', { simpleResolvers: true })
export class AdminUserConnectionType {
  @Field(() => [AdminUserType])
  nodes: AdminUserType[];

  @Field(() => String, { nullable: true })
  endCursor: string | null;

  @Field(() => Boolean)
  hasNextPage: boolean;
}

@ObjectType('Impersonator', { simpleResolvers: true })
export class ImpersonatorType {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  email: string | null;
}

@ObjectType('ImpersonationPayload', { description: 'No refresh token and no cookie: it lasts IMPERSONATION_TTL_SECONDS and cannot be renewed.' })
export class ImpersonationPayloadType {
  @Field(() => String)
  accessToken: string;

  @Field(() => Date)
  accessTokenExpiresAt: Date;

  @Field(() => ID)
  sessionId: string;

  @Field(() => UserType)
  user: UserType;
}
