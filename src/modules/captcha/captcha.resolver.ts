import { Query, Resolver } from 'type-graphql';
import { CaptchaChallengeType } from './captcha.type';
import type { CaptchaService } from './captcha.service';

@Resolver()
export class CaptchaResolver {
  constructor(private readonly captcha: CaptchaService) {}

  @Query(() => CaptchaChallengeType, { description: 'Public; a fresh ALTCHA challenge on every call.' })
  captchaChallenge(): Promise<CaptchaChallengeType> {
    return this.captcha.challenge();
  }
}
