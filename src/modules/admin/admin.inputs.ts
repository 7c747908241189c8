import { Field, ID, InputType } from 'type-graphql';
import { UserStatus } from './admin.enums';

@InputType('AdminUserFilter', { description: 'All given fields must match.' })
export class AdminUserFilterInput {
  @Field(() => String, {
    nullable: true,
    description: '2 to 200 characters: case-insensitive prefix of the email, the name, or the phone (spaces, dashes ignored); % and _ are literal.',
  })
  query?: string | null;

  @Field(() => UserStatus, { nullable: true })
  status?: UserStatus | null;

  @Field(() => Boolean, { nullable: true })
  emailVerified?: boolean | null;

  @Field(() => ID, { nullable: true })
  organizationId?: string | null;
}

@InputType('BanUserInput')
export class BanUserInput {
  @Field(() => ID)
  userId: string;

  @Field(() => String)
  reason: string;

  @Field(() => Date, { nullable: true, description: 'In the future; null: until unbanUser.' })
  until?: Date | null;
}

@InputType('AdminDeleteUserInput')
export class AdminDeleteUserInput {
  @Field(() => ID)
  userId: string;

  @Field(() => String)
  reason: string;
}

@InputType('StartImpersonationInput')
export class StartImpersonationInput {
  @Field(() => ID)
  userId: string;

  @Field(() => String)
  reason: string;

  @Field(() => ID, { nullable: true, description: 'Active organization; default as for a sign-in.' })
  organizationId?: string | null;
}
