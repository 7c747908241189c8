import { Field, ObjectType } from 'type-graphql';
import { UserType } from '../users/user.type';

@ObjectType('AuthPayload')
export class AuthPayloadType {
  @Field(() => String, { description: 'Short-lived signed JWT: send as Authorization: Bearer <accessToken>.' })
  accessToken: string;

  @Field(() => Date)
  accessTokenExpiresAt: Date;

  @Field(() => String, { description: 'Single-use: exchange it with refreshSession. Browsers also get it as the warden_refresh cookie.' })
  refreshToken: string;

  @Field(() => Date)
  refreshTokenExpiresAt: Date;

  @Field(() => UserType)
  user: UserType;
}
