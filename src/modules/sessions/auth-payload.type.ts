import { Field, ObjectType } from 'type-graphql';
import { UserType } from '../users/user.type';

/**
 * simpleResolvers: the plain property fields are read by graphql-js directly, without type-graphql's
 * middleware chain (the global input guard only checks arguments, and these fields take none). Field
 * resolvers (@FieldResolver, in any module) still run every middleware and auth check.
 */
@ObjectType('AuthPayload', { simpleResolvers: true })
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
