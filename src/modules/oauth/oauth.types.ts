import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';

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

@InputType('StartOAuthInput')
export class StartOAuthInput {
  @Field(() => String, { description: 'An id from oauthProviders, e.g. google, github.' })
  provider: string;

  @Field(() => String, { description: 'Where the browser lands after the callback, with ?code=… (or ?error=…); its origin must be in REDIRECT_ALLOWLIST.' })
  redirectTo: string;

  @Field(() => String, { nullable: true, description: 'base64url S256 hash of a verifier the client keeps; completeOAuth must then send the verifier.' })
  codeChallenge?: string | null;
}

@InputType('CompleteOAuthInput')
export class CompleteOAuthInput {
  @Field(() => String)
  code: string;

  @Field(() => String, { nullable: true })
  codeVerifier?: string | null;
}
