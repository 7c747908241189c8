import { Field, InputType } from 'type-graphql';

@InputType('RequestMagicLinkInput')
export class RequestMagicLinkInput {
  @Field(() => String)
  email: string;

  @Field(() => String, { nullable: true, description: 'An origin (or URL on an origin) listed in REDIRECT_ALLOWLIST.' })
  redirectTo?: string | null;
}
