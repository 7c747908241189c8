import { Field, InputType } from 'type-graphql';

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
