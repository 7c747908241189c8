import { Field, ObjectType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';

@ObjectType('CaptchaChallenge', { description: 'What a client needs to show the CAPTCHA (docs/bot-defences.md).' })
export class CaptchaChallengeType {
  @Field(() => String, { description: 'CAPTCHA_PROVIDER: none, altcha, turnstile or hcaptcha.' })
  provider: string;

  @Field(() => String, { nullable: true, description: 'turnstile and hcaptcha.' })
  siteKey: string | null;

  @Field(() => JSONObjectResolver, { nullable: true, description: 'altcha: give it to the widget as challengejson.' })
  challenge: Record<string, unknown> | null;

  @Field(() => Date, { nullable: true })
  expiresAt: Date | null;
}
