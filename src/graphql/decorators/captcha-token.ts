import { Arg } from 'type-graphql';

/**
 * The optional `captchaToken: String` last argument of the six fields the adaptive CAPTCHA guards
 * (src/modules/captcha): read by its field guard from the field's arguments; the resolver ignores it.
 */
export function CaptchaToken(): ReturnType<typeof Arg> {
  return Arg('captchaToken', () => String, {
    nullable: true,
    description: 'Needed past the CAPTCHA thresholds (CAPTCHA_REQUIRED): the solved ALTCHA payload, or the Turnstile or hCaptcha response.',
  });
}
