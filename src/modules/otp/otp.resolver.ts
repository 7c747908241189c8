import { CaptchaToken } from '../../graphql/decorators/captcha-token';
import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import type { Context } from '../../graphql/context';
import { AuthChallengeType } from './auth-challenge.type';
import { RequestOtpInput } from './request-otp.input';
import { VerifyOtpInput } from './verify-otp.input';
import type { OtpService } from './otp.service';
import { AuthPayloadType } from '../sessions/auth-payload.type';
import { toAuthPayload } from '../sessions/auth-payload';

@Resolver()
export class OtpResolver {
  constructor(private readonly otp: OtpService) {}

  @RateLimit('otp.request')
  @Mutation(() => AuthChallengeType, { description: 'Passwordless: emails or texts a LOGIN code.' })
  requestOtp(
    @Arg('input', () => RequestOtpInput) input: RequestOtpInput,
    @CaptchaToken() _captchaToken: string | null,
    @Ctx() ctx: Context,
  ): Promise<AuthChallengeType> {
    return this.otp.requestOtp(input, ctx.meta);
  }

  @RateLimit('otp.resend')
  @Mutation(() => AuthChallengeType, { description: 'Sends a fresh code for a live challenge, once its resend time has come.' })
  resendOtp(@Arg('challengeId', () => ID) challengeId: string, @Ctx() ctx: Context): Promise<AuthChallengeType> {
    return this.otp.resend(challengeId, ctx.meta);
  }

  @RateLimit('otp.verify')
  @Mutation(() => AuthPayloadType, {
    description: 'Consumes a SIGNUP or LOGIN code; signs in. A SIGNUP code also marks the email (or phone) verified.',
  })
  async verifyOtp(@Arg('input', () => VerifyOtpInput) input: VerifyOtpInput, @Ctx() ctx: Context): Promise<AuthPayloadType> {
    return toAuthPayload(ctx, await this.otp.verify(input, ctx.meta));
  }
}
