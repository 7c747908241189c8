import { Field, ID, ObjectType } from 'type-graphql';
import { OtpChannel, OtpPurpose } from './otp.enums';

@ObjectType('AuthChallenge', {
  description: 'A one-time code has been sent (or, for unknown accounts, pretends to have been).',
})
export class AuthChallengeType {
  @Field(() => ID)
  challengeId: string;

  @Field(() => OtpChannel)
  channel: OtpChannel;

  @Field(() => OtpPurpose)
  purpose: OtpPurpose;

  @Field(() => String, { description: 'Masked, e.g. j***@e***.com or +44******789' })
  destination: string;

  @Field(() => Date)
  expiresAt: Date;

  @Field(() => Date)
  resendAvailableAt: Date;
}
