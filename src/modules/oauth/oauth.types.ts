import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum OAuthProviderKind {
  OIDC = 'OIDC',
  GITHUB = 'GITHUB',
}
registerEnumType(OAuthProviderKind, { name: 'OAuthProviderKind' });

@ObjectType('OAuthProvider')
export class OAuthProviderType {
  @Field(() => String)
  id: string;

  @Field(() => OAuthProviderKind)
  kind: OAuthProviderKind;

  @Field(() => String)
  name: string;
}

@ObjectType('Identity', { description: 'A provider account linked to the viewer.' })
export class IdentityType {
  @Field(() => ID)
  id: string;

  @Field(() => String)
  provider: string;

  @Field(() => String, { nullable: true })
  email: string | null;

  @Field(() => Boolean)
  emailVerified: boolean;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  lastSignInAt: Date | null;
}

@ObjectType('OAuthStart')
export class OAuthStartType {
  @Field(() => String)
  authorizationUrl: string;

  @Field(() => Date)
  expiresAt: Date;
}
